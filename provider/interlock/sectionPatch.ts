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

/** The parts of toml-patch's syntax tree this module reads (top-level blocks). */
interface Block {
  type: string;
  loc: { start: { line: number }; end: { line: number } };
  key?: { item?: { value: string[] }; value?: string[] };
  items?: Block[];
}

interface Segment {
  /** First and one-past-last line index (0-based). */
  start: number;
  end: number;
  /** The `[Extensions.<name>...]` section this text belongs to; undefined for the root. */
  section?: string;
}

type Toml = typeof TomlPatch;

/** `live` is `base` parsed. Undefined when the text cannot be patched section by section. */
export function patchBySection(
  t: Toml,
  doc: TomlPatch.TomlDocument,
  live: CoreConfig,
  base: string,
  merged: CoreConfig,
  format: TomlPatch.TomlFormat,
): string | undefined {
  const blocks = doc.cst as unknown as Block[];
  if (!Array.isArray(blocks)) return undefined;

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

  const lines = base.match(/[^\n]*\n|[^\n]+$/g) ?? [];
  const segments = splitSections(lines, blocks, changed);
  if (!segments || ![...changed].every((name) => contiguous(segments, name))) return undefined;
  const text = (ss: Segment[]) => ss.map((s) => lines.slice(s.start, s.end).join("")).join("");

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
    if (!(name in after)) continue;
    const own = text(segments.filter((s) => s.section === name));
    const patched = t.patch(own, { Extensions: { [name]: after[name] } }, format);
    out += patched.replace(/\s*$/, own.match(/\s*$/)![0]);
  }
  const added = Object.keys(after).filter((name) => changed.has(name) && !(name in before));
  if (added.length) {
    // One stringify per section keeps each section's tables together; without the
    // `[Extensions]` header stringify writes first.
    const fresh = added.map((name) =>
      t
        .stringify({ Extensions: { [name]: after[name] } }, format)
        .replace(/^\s*\[Extensions\][ \t]*\r?\n(\s*\r?\n)*/, ""),
    );
    const nl = format.newLine;
    out = out.replace(/(\r?\n)*$/, "") + nl + nl + fresh.join(nl);
  }
  return out;
}

/**
 * A section whose tables are apart (sub-tables after other sections, as a fresh stringify
 * writes them) is left to the whole-document patch, which changes it where each table is.
 */
function contiguous(segments: Segment[], name: string): boolean {
  const at = segments.flatMap((s, i) => (s.section === name ? [i] : []));
  return at.every((i, k) => k === 0 || i === at[k - 1] + 1);
}

/** Splits the text's lines at table headers; undefined if a changed section is not made of tables. */
function splitSections(
  lines: string[],
  blocks: Block[],
  changed: Set<string>,
): Segment[] | undefined {
  const segments: Segment[] = [];
  // The last line a block's content reaches: its items without trailing comments.
  let floor = -1;
  for (const block of blocks) {
    const path = block.key?.item?.value ?? block.key?.value ?? [];
    if (block.type === "KeyValue") {
      if (path[0] === "Extensions") return undefined;
    } else if (block.type === "Table" || block.type === "TableArray") {
      if (path.length === 1 && path[0] === "Extensions") {
        for (const item of block.items ?? []) {
          const keyPath = item.key?.value ?? item.key?.item?.value ?? [];
          if (item.type === "KeyValue" && changed.has(keyPath[0])) return undefined;
        }
      }
      let start = block.loc.start.line - 1;
      while (start - 1 > floor && /^\s*#/.test(lines[start - 1])) start--;
      const section = path[0] === "Extensions" && path.length > 1 ? path[1] : undefined;
      if (!segments.length && start > 0) segments.push({ start: 0, end: start });
      if (segments.length) segments[segments.length - 1].end = start;
      segments.push({ start, end: lines.length, section });
    }
    const content = (block.items ?? []).filter((i) => i.type !== "Comment");
    const last = content.length ? content[content.length - 1] : block;
    floor = Math.max(floor, (block.items?.length ? last.loc.end.line : block.loc.start.line) - 1);
    if (block.type === "KeyValue" || block.type === "Comment") floor = block.loc.end.line - 1;
  }
  if (!segments.length) segments.push({ start: 0, end: lines.length });
  return segments;
}
