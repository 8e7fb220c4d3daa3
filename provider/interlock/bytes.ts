/**
 * A config's bytes as text and back, without losing the ones that are not UTF-8. Swarm
 * stores a config's data as bytes, and another team's section may hold a Latin-1 comment or
 * label; `Buffer.toString("utf8")` would turn each such byte into U+FFFD and the next
 * version would carry EF BF BD instead. Each byte that is not part of a valid UTF-8 sequence
 * is read as the lone surrogate U+DC80-U+DCFF (Python's "surrogateescape") and written back as
 * that byte, so text outside the stack's sections is written back exactly as it was read.
 */

const ESCAPED = /(?<![\uD800-\uDBFF])[\uDC80-\uDCFF]/g;
const HAS_ESCAPED = /(?<![\uD800-\uDBFF])[\uDC80-\uDCFF]/;

/** The length of the valid UTF-8 sequence at `i`, or 0 when the byte there starts none. */
function sequenceAt(buf: Uint8Array, i: number): number {
  const b = buf[i];
  if (b < 0x80) return 1;
  const cont = (k: number) => i + k < buf.length && (buf[i + k] & 0xc0) === 0x80;
  if (b >= 0xc2 && b <= 0xdf) return cont(1) ? 2 : 0;
  if (b >= 0xe0 && b <= 0xef) {
    if (!cont(1) || !cont(2)) return 0;
    const b1 = buf[i + 1];
    if (b === 0xe0 && b1 < 0xa0) return 0; // overlong
    if (b === 0xed && b1 >= 0xa0) return 0; // a surrogate
    return 3;
  }
  if (b >= 0xf0 && b <= 0xf4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    const b1 = buf[i + 1];
    if (b === 0xf0 && b1 < 0x90) return 0; // overlong
    if (b === 0xf4 && b1 >= 0x90) return 0; // above U+10FFFF
    return 4;
  }
  return 0;
}

/** The config's text; bytes that are not UTF-8 become U+DC80-U+DCFF. */
export function decodeConfigBytes(buf: Buffer): string {
  const { isUtf8 } = require("buffer") as typeof import("buffer");
  if (isUtf8(buf)) return buf.toString("utf8");
  let out = "";
  let run = 0;
  let i = 0;
  while (i < buf.length) {
    const n = sequenceAt(buf, i);
    if (n) {
      i += n;
      continue;
    }
    out += buf.subarray(run, i).toString("utf8") + String.fromCharCode(0xdc00 + buf[i]);
    i++;
    run = i;
  }
  return out + buf.subarray(run).toString("utf8");
}

/** The config's bytes: `decodeConfigBytes` undone, so unchanged text is unchanged bytes. */
export function encodeConfigText(text: string): Buffer {
  if (!HAS_ESCAPED.test(text)) return Buffer.from(text, "utf8");
  const parts: Buffer[] = [];
  let from = 0;
  for (const m of text.matchAll(ESCAPED)) {
    parts.push(Buffer.from(text.slice(from, m.index), "utf8"));
    parts.push(Buffer.from([m[0].charCodeAt(0) - 0xdc00]));
    from = m.index + 1;
  }
  parts.push(Buffer.from(text.slice(from), "utf8"));
  return Buffer.concat(parts);
}

/** The bytes that are not UTF-8 in a string read by `decodeConfigBytes` (`0xff`, ...). */
export function rawBytes(text: string): string[] {
  return [...text.matchAll(ESCAPED)].map(
    (m) => `0x${(m[0].charCodeAt(0) - 0xdc00).toString(16).padStart(2, "0")}`,
  );
}

/** The first path of a tree whose string (or key) holds bytes that are not UTF-8. */
export function rawBytePath(
  value: unknown,
  prefix = "",
): { path: string; bytes: string[] } | undefined {
  if (typeof value === "string") {
    const bytes = rawBytes(value);
    return bytes.length ? { path: prefix, bytes } : undefined;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = rawBytePath(value[i], `${prefix}[${i}]`);
      if (found) return found;
    }
    return undefined;
  }
  if (value && typeof value === "object" && !(value instanceof Date)) {
    for (const [k, v] of Object.entries(value)) {
      const path = prefix ? `${prefix}.${k}` : k;
      const inKey = rawBytes(k);
      if (inKey.length) return { path, bytes: inKey };
      const found = rawBytePath(v, path);
      if (found) return found;
    }
  }
  return undefined;
}
