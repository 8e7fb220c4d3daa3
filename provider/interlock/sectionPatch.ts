/**
 * Writing a merged config as a patch of the live text, one `[Extensions.<name>]` section at a
 * time. toml-patch's `patch` diffs the whole document, and its time grows with the square of
 * the number of tables (measured on UCP's default section repeated: 100 sections 0.35 s, 400
 * 1.5 s, 800 5.5 s), so on a cluster with thousands of sections one check took minutes. A
 * stack changes only its own sections: each of those is patched on its own text, and every
 * other line is copied. Where the live text does not split cleanly into sections (a section
 * as dotted keys or an inline table, or with its tables apart, a change outside `Extensions`),
 * the caller patches the whole document as before.
 *
 * A section's text runs from the comment lines directly above its first table header to the
 * next header's: a comment heading another team's section stays with that section when the
 * section above it is rewritten or removed.
 */
import type * as TomlPatch from "@decimalturn/toml-patch";
import type { CoreConfig } from "./schema";
import { deepEqual } from "../util/canonical";
import { isExtensionsRoot, sectionLabel } from "./fold";

interface Segment {
  /** First and one-past-last character of the live text. */
  start: number;
  end: number;
  /** The `[Extensions.<name>...]` section this text belongs to; undefined for the root. */
  section?: string;
  /** How messages name the section, under any root Interlock reads (`[extensions.x]`). */
  label?: string;
}

type Toml = typeof TomlPatch;

/**
 * `live` is `base` read by `read`. Undefined when the text cannot be patched section by
 * section: the result is read back and must be `merged`, so a split the line scan got wrong
 * (a header-like line inside a multi-line string, a section as dotted keys or an inline
 * table) falls back to the whole-document patch instead of writing a wrong config.
 */
export function patchBySection(
  t: Toml,
  read: (text: string) => CoreConfig,
  live: CoreConfig,
  base: string,
  merged: CoreConfig,
  format: TomlPatch.TomlFormat,
): string | undefined {
  const rootKeys = new Set([...Object.keys(live), ...Object.keys(merged)]);
  rootKeys.delete("Extensions");
  for (const key of rootKeys) {
    if (!deepEqual(live[key as keyof CoreConfig], merged[key as keyof CoreConfig]))
      return undefined;
  }
  const before = live.Extensions ?? {};
  const after = merged.Extensions ?? {};
  const changed = new Set(
    [...Object.keys(before), ...Object.keys(after)].filter(
      (name) => !deepEqual(before[name], after[name]),
    ),
  );
  if (!changed.size) return base;

  const segments = splitSections(base);
  if (![...changed].every((name) => contiguous(segments, name))) return undefined;
  try {
    const out = splice(t, base, segments, changed, before, after, format);
    return deepEqual(read(out), merged) ? out : undefined;
  } catch {
    // A wrong cut can leave a section's text unreadable to the patch or the reader.
    return undefined;
  }
}

/** The live text with each changed section patched on its own text, added ones at the end. */
function splice(
  t: Toml,
  base: string,
  segments: Segment[],
  changed: Set<string>,
  before: Record<string, unknown>,
  after: Record<string, unknown>,
  format: TomlPatch.TomlFormat,
): string {
  const text = (ss: Segment[]) => ss.map((s) => base.slice(s.start, s.end)).join("");
  let out = "";
  const written = new Set<string>();
  for (const segment of segments) {
    const name = segment.section;
    if (name === undefined || !changed.has(name)) {
      out += text([segment]);
      continue;
    }
    if (written.has(name)) continue;
    written.add(name);
    if (!Object.hasOwn(after, name)) continue;
    const own = text(segments.filter((s) => s.section === name));
    const patched = patchSection(t, own, name, after[name], format);
    // Trailing whitespace cut by scanning back: `/\s*$/` retries from every position of a run
    // of blank lines, and 40,000 of them inside a section took seconds.
    out += patched.slice(0, trimmedEnd(patched)) + own.slice(trimmedEnd(own));
  }
  const added = Object.keys(after).filter(
    (name) => changed.has(name) && !Object.hasOwn(before, name) && !written.has(name),
  );
  if (!added.length) return out;
  // One stringify per section keeps each section's tables together; without the
  // `[Extensions]` header stringify writes first.
  const fresh = added.map((name) => freshSection(t, name, after[name], format));
  const nl = format.newLine;
  let end = out.length;
  while (end > 0 && (out[end - 1] === "\n" || out[end - 1] === "\r")) end--;
  // Sliced, not replaced by /(\r?\n)*$/: that regex tries every position of megabytes.
  return out.slice(0, end) + nl + nl + fresh.join(nl);
}

/** One section as a fresh stringify writes it, without the `[Extensions]` header it starts with. */
function freshSection(t: Toml, name: string, value: unknown, format: TomlPatch.TomlFormat): string {
  return t
    .stringify({ Extensions: { [name]: value } }, format)
    .replace(/^\s*\[Extensions\][ \t]*\r?\n(\s*\r?\n)*/, "");
}

/**
 * Above this size a section is written fresh, by smol-toml, instead of patched: toml-patch's
 * patch and stringify both grow with the square of a table's keys (40,000 labels: 15 s to
 * patch, 3.4 s to stringify; smol-toml 0.05 s). A section that size is generated, not
 * hand-formatted; comments inside it that are lost are named at preview like any others, and
 * the caller reads the result back (a difference falls back to the whole-document patch).
 */
const FRESH_ABOVE = 64 * 1024;

function largeSection(name: string, value: unknown, format: TomlPatch.TomlFormat): string {
  const smol = require("smol-toml") as typeof import("smol-toml");
  const text = smol
    .stringify({ Extensions: { [name]: value } } as Record<string, unknown>)
    .replace(/^\s*\[Extensions\][ \t]*\n(\s*\n)*/, "");
  return format.newLine === "\r\n" ? text.replace(/\n/g, "\r\n") : text;
}

/** The comment lines heading a section's text (they belong to it: see splitSections). */
function heading(own: string): string {
  const header = /^[ \t]*\[/m.exec(own);
  return header ? own.slice(0, header.index) : "";
}

/** Runs of blank lines long enough to be worth a marker. */
const BLANK_RUN = /(?:\r?\n){3,}/g;

/**
 * One section's text patched. toml-patch matches `/(?:\r\n|\n)+$/` against the text, which
 * retries from every newline of a run of blank lines: quadratic in the run (40,000 blank lines
 * took 6 s). Each run is patched as one marker comment line and put back after, so the write
 * is linear; when a marker does not come back exactly once (toml-patch dropped the comment
 * with a removed key), the text is patched as it is.
 */
function patchSection(
  t: Toml,
  own: string,
  name: string,
  value: unknown,
  format: TomlPatch.TomlFormat,
): string {
  if (own.length > FRESH_ABOVE) return heading(own) + largeSection(name, value, format);
  const patch = (text: string) => t.patch(text, { Extensions: { [name]: value } }, format);
  const tag = `#interlock-ingress:blank-run:${own.length}:`;
  const runs: string[] = [];
  const squeezed = own.includes(tag)
    ? own
    : own.replace(BLANK_RUN, (run, at: number) => {
        // A run at the very end is left to the end-of-text handling (it is cut there anyway).
        if (at + run.length === own.length) return run;
        const nl = run.startsWith("\r\n") ? "\r\n" : "\n";
        runs.push(run);
        return `${nl}${tag}${runs.length - 1}${nl}`;
      });
  if (!runs.length) return patch(own);
  // One pass over the result: a search per marker would be quadratic in the number of runs.
  const seen = runs.map(() => 0);
  const marker = new RegExp(String.raw`\r?\n[ \t]*${tag}(\d+)[ \t]*\r?\n`, "g");
  const patched = patch(squeezed).replace(marker, (m: string, i: string) => {
    seen[Number(i)]++;
    return runs[Number(i)] ?? m;
  });
  return seen.every((n) => n === 1) ? patched : patch(own);
}

/** The end of `text` without its trailing whitespace (what `/\s*$/` would match). */
function trimmedEnd(text: string): number {
  let end = text.length;
  while (end > 0 && /\s/.test(text[end - 1])) end--;
  return end;
}

/**
 * A section whose tables are apart (sub-tables after other sections, as a fresh stringify
 * writes them) is left to the whole-document patch, which changes it where each table is.
 */
function contiguous(segments: Segment[], name: string): boolean {
  const at = segments.flatMap((s, i) => (s.section === name ? [i] : []));
  return at.every((i, k) => k === 0 || i === at[k - 1] + 1);
}

/** A table or array-of-tables header line: `[a.b]`, `[[ a . "b" ]]  # comment`. */
const HEADER = /^[ \t]*\[\[?[ \t]*([^[\]#\r\n]*?)[ \t]*\]\]?[ \t]*(#.*)?\r?\n?$/;
/** One key of a header's dotted path: bare, "basic" or 'literal', and what follows it. */
const KEY = /^[ \t]*(?:([A-Za-z0-9_-]+)|"((?:[^"\\]|\\.)*)"|'([^']*)')[ \t]*(\.|$)/;

/** A header's key path, or undefined when it is not one this scan can read. */
function headerPath(line: string): string[] | undefined {
  const m = HEADER.exec(line);
  if (!m) return undefined;
  const path: string[] = [];
  let rest = m[1];
  while (rest) {
    const k = KEY.exec(rest);
    if (!k) return undefined;
    try {
      path.push(k[1] ?? (k[2] !== undefined ? (JSON.parse(`"${k[2]}"`) as string) : k[3]));
    } catch {
      return undefined;
    }
    rest = rest.slice(k[0].length);
    if (!k[4] && rest) return undefined;
  }
  return path.length ? path : undefined;
}

/**
 * Splits the text at table headers. A section's text starts at the comment lines directly
 * above its first header, so a comment heading a section stays with it. Only lines that start
 * with `[` are looked at: a shared config is megabytes, and its lines as strings were most of
 * the write's garbage.
 */
function splitSections(base: string): Segment[] {
  const segments: Segment[] = [];
  for (const m of base.matchAll(/^[ \t]*\[[^\n]*(?:\n|$)/gm)) {
    const path = headerPath(m[0]);
    if (!path) continue;
    const floor = segments.length ? segments[segments.length - 1].start : 0;
    let start = m.index;
    while (start > floor) {
      const above = base.lastIndexOf("\n", start - 2) + 1;
      if (above < floor || !/^\s*#/.test(base.slice(above, start))) break;
      start = above;
    }
    const section = path[0] === "Extensions" && path.length > 1 ? path[1] : undefined;
    const label =
      isExtensionsRoot(path[0]) && path.length > 1 ? sectionLabel(path[1], path[0]) : undefined;
    if (!segments.length && start > 0) segments.push({ start: 0, end: start });
    if (segments.length) segments[segments.length - 1].end = start;
    segments.push({ start, end: base.length, section, label });
  }
  if (!segments.length) segments.push({ start: 0, end: base.length });
  return segments;
}

/**
 * The size of each section's text in `text` (its tables and the comments heading them), by
 * how messages name it, largest first; top-level keys and anything before the first section
 * count as "top-level keys". Sizes are of the characters; the caller weighs bytes.
 */
export function sectionSpans(text: string): Array<{ label: string; text: string }> {
  const by = new Map<string, string[]>();
  for (const s of splitSections(text)) {
    const label = s.label ?? "top-level keys";
    const parts = by.get(label) ?? [];
    parts.push(text.slice(s.start, s.end));
    by.set(label, parts);
  }
  return [...by].map(([label, parts]) => ({ label, text: parts.join("") }));
}
