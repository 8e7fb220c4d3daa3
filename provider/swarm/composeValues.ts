/**
 * The Go-compatible value parsers and small helpers the Compose conversion is built from:
 * durations, sizes, shell words, list-or-dict values, short port specs and the names of the
 * stack's objects, each following the Go function the CLI uses. They are separate because
 * both the mounts (composeMounts.ts), the service specs (composeConvert.ts) and the warnings
 * (composeKeys.ts) read values the same way, and each parser can be checked against its Go
 * original on its own.
 */
import { STACK_NAMESPACE } from "./compose";

export type Spec = Record<string, unknown>;
export type Dict = Record<string, unknown>;

// ---- small value parsers, each following the Go function the CLI uses ----

const DURATION_UNITS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  µs: 1e3,
  μs: 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/** Go's time.ParseDuration ("1m30s", "1.5h", "0"), in nanoseconds. */
export function nanos(d?: string | number): number | undefined {
  if (d === undefined || d === null) return undefined;
  const text = String(d).trim();
  const sign = text.startsWith("-") ? -1 : 1;
  const body = text.replace(/^[-+]/, "");
  if (body === "0") return 0;
  const part = /(\d*\.?\d+)(ns|us|µs|μs|ms|s|m|h)/y;
  let total = 0;
  let at = 0;
  while (at < body.length) {
    part.lastIndex = at;
    const m = part.exec(body);
    if (!m) throw new Error(`invalid duration "${text}"`);
    total += Number(m[1]) * DURATION_UNITS[m[2]];
    at = part.lastIndex;
  }
  if (!body.length) throw new Error(`invalid duration "${text}"`);
  return sign * Math.round(total);
}

/** go-units RAMInBytes: binary multiples, "512m", "1.5GiB", "100"; numbers are bytes. */
export function bytes(v?: string | number): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === "number") return Math.trunc(v);
  const m = /^(\d+(?:\.\d+)*) ?([kmgtp])?i?b?$/i.exec(v);
  if (!m) throw new Error(`invalid size: '${v}'`);
  return Math.trunc(parseFloat(m[1]) * 1024 ** " kmgtp".indexOf((m[2] ?? " ").toLowerCase()));
}

/** google/shlex, which the CLI splits string commands and entrypoints with. */
function shellSplit(text: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (/\s/.test(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (c === "#" && word === undefined) {
      while (i < text.length && text[i] !== "\n") i++;
    } else if (c === "\\") {
      word = (word ?? "") + (text[++i] ?? "");
    } else if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw new Error(`unclosed single quote in "${text}"`);
      word = (word ?? "") + text.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      word = word ?? "";
      for (i++; i < text.length && text[i] !== '"'; i++)
        word += text[i] === "\\" && i + 1 < text.length ? text[++i] : text[i];
      if (i >= text.length) throw new Error(`unclosed double quote in "${text}"`);
    } else word = (word ?? "") + c;
  }
  if (word !== undefined) words.push(word);
  return words;
}

export function shellCommand(v: unknown): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  return typeof v === "string" ? shellSplit(v) : (v as unknown[]).map(String);
}

/** Go's fmt.Sprint of a YAML scalar; null is the empty string, as the CLI's mappings have it. */
export function str(v: unknown): string {
  return v === null || v === undefined ? "" : String(v);
}

/** A Compose list-or-dict (`key=value` strings or a map) as a plain string map. */
export function stringMap(v: unknown, sep = "="): Record<string, string> {
  if (Array.isArray(v)) {
    return Object.fromEntries(
      v.map((entry) => {
        const s = String(entry);
        const i = s.indexOf(sep);
        return i < 0 ? [s, ""] : [s.slice(0, i), s.slice(i + 1)];
      }),
    );
  }
  return Object.fromEntries(Object.entries((v ?? {}) as Dict).map(([k, x]) => [k, str(x)]));
}

export function stringList(v: unknown): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  return (Array.isArray(v) ? v : [v]).map(String);
}

/** Drops keys whose value is undefined, so a spec has only what the daemon stores. */
export function defined<T extends Dict>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

export const nonEmpty = <T>(list: T[] | undefined): T[] | undefined =>
  list?.length ? list : undefined;
export const nonEmptyMap = (m: Record<string, string> | undefined) =>
  m && Object.keys(m).length ? m : undefined;
export const nonZero = (n: number | undefined) => (n ? n : undefined);
export const stableSortBy = <T>(list: T[], key: (t: T) => string | number): T[] =>
  list
    .map((item, i) => ({ item, i }))
    .sort((a, b) => {
      const x = key(a.item);
      const y = key(b.item);
      return x < y ? -1 : x > y ? 1 : a.i - b.i;
    })
    .map((e) => e.item);

// ---- names of the stack's objects ----

export const withNamespace = (stack: string, labels: unknown) => ({
  ...stringMap(labels),
  [STACK_NAMESPACE]: stack,
});

/** The Swarm name of a secret, config or volume: external ones as named, others stack-scoped. */
export function objectName(def: Dict | null | undefined, key: string, stack: string): string {
  const external = def?.external as { name?: string } | boolean | undefined;
  if (external) {
    return (typeof external === "object" && external.name) || (def?.name as string) || key;
  }
  return (def?.name as string) || `${stack}_${key}`;
}

// ---- ports (nat.ParsePortSpec) ----

function portRange(text: string): [number, number] {
  const m = /^(\d+)(?:-(\d+))?$/.exec(text);
  const start = m ? Number(m[1]) : NaN;
  const end = m?.[2] !== undefined ? Number(m[2]) : start;
  if (!m || start > 65535 || end > 65535 || end < start) throw new Error(`invalid port: ${text}`);
  return [start, end];
}

export interface PortBinding {
  target: number;
  protocol: string;
  ip: string;
  /** The host part as the CLI keeps it: one port, a range (for a single container port), or "". */
  host: string;
  published: number[];
}

/** Short syntax, as nat.ParsePortSpec reads it: `[ip:][host[-end]:]container[-end][/proto]`. */
export function shortPorts(spec: string): PortBinding[] {
  const [rest, proto = "tcp"] = spec.split("/");
  const parts = rest.split(":");
  const container = parts[parts.length - 1];
  const host = parts.length > 1 ? parts[parts.length - 2] : "";
  const ip = parts
    .slice(0, -2)
    .join(":")
    .replace(/^\[(.*)\]$/, "$1");
  const [cStart, cEnd] = portRange(container);
  const [hStart, hEnd] = host ? portRange(host) : [0, 0];
  if (host && cEnd - cStart !== hEnd - hStart && cEnd !== cStart)
    throw new Error(
      `invalid ranges specified for container and host Ports: ${container} and ${host}`,
    );
  const protocol = proto.toLowerCase();
  if (!["tcp", "udp", "sctp"].includes(protocol)) throw new Error(`invalid proto: ${proto}`);
  const out: PortBinding[] = [];
  for (let c = cStart; c <= cEnd; c++) {
    if (!host) out.push({ target: c, protocol, ip, host: "", published: [0] });
    else if (cStart === cEnd) {
      // One container port and a host range: the CLI publishes it on every port of the range.
      const published = [];
      for (let h = hStart; h <= hEnd; h++) published.push(h);
      out.push({ target: c, protocol, ip, host, published });
    } else {
      const h = hStart + c - cStart;
      out.push({ target: c, protocol, ip, host: String(h), published: [h] });
    }
  }
  return out;
}
