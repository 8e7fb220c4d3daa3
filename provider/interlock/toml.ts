/**
 * Reading and writing Interlock's config.toml without losing what this project does not own.
 *
 * Reading goes through smol-toml, a TOML 1.0 reader (CRLF line endings, datetimes, big
 * integers) about four times as fast as a reader that keeps the syntax tree: a shared config
 * with thousands of sections is read on every preview. Writing goes through
 * @decimalturn/toml-patch, whose `patch` rewrites only the values that changed: the merged
 * config written as a patch of the live text keeps every other section, key, comment and
 * number exactly as its author wrote it (`1.0` stays a float); sectionPatch.ts does it one
 * section at a time, so big shared configs stay fast.
 */
import type * as TomlPatch from "@decimalturn/toml-patch";
import type * as SmolToml from "smol-toml";
import type { CoreConfig } from "./schema";
import { plainTree } from "../util/canonical";
import { patchBySection } from "./sectionPatch";

// Both loaded on use so dynamic providers that capture this module serialize without them.
function toml(): typeof TomlPatch {
  return require("@decimalturn/toml-patch") as typeof TomlPatch;
}
function reader(): typeof SmolToml {
  return require("smol-toml") as typeof SmolToml;
}

/** Extensions (1) and their sections (2) and sub-tables (3) are written as [tables]. */
const FORMAT = { inlineTableStart: 4, bracketSpacing: false };

const PARSE = { integersAsBigInt: "asNeeded" } as const;

/** Parses a core config; the error names the source, line and column. */
export function parseCoreConfig(text: string, source: string): CoreConfig {
  return plainTree(readTree(text, source));
}

/** The reader's tree as it is (null-prototype tables), for comparing only. */
function readTree(text: string, source: string): CoreConfig {
  try {
    return reader().parse(text, PARSE) as CoreConfig;
  } catch (err) {
    const e = err as { line?: number; column?: number; message?: string };
    const where = e.line !== undefined ? ` at line ${e.line}, column ${e.column ?? 1}` : "";
    // The reader's message is "Invalid TOML document: <reason>", then the lines around it.
    const reason = (e.message ?? String(err))
      .split("\n")[0]
      .replace(/^Invalid TOML document: /, "");
    throw new Error(`${source} is not valid TOML${where}: ${reason}`, { cause: err });
  }
}

/**
 * The text's style (line endings, spacing). toml-patch reads the whole text for it, which
 * takes as long as parsing; a config is written in one style, so its first 64 KiB tell it,
 * and its end how many newlines it ends with.
 */
function formatOf(base: string): TomlPatch.TomlFormat {
  const t = toml();
  const cut = base.length > 65536 ? base.lastIndexOf("\n", 65536) + 1 : base.length;
  const format = t.TomlFormat.autoDetectFormat(base.slice(0, cut || base.length));
  let newlines = 0;
  for (let i = base.length - 1; i >= 0 && (base[i] === "\n" || base[i] === "\r"); i--)
    if (base[i] === "\n") newlines++;
  format.trailingNewline = newlines;
  return Object.assign(format, FORMAT);
}

/**
 * Writes a core config as TOML. With `base` (the live text) only what differs from it is
 * rewritten; without, the whole config is written fresh. `baseConfig`, the caller's
 * `parseCoreConfig` of `base`, saves reading the text again.
 */
export function stringifyCoreConfig(
  config: CoreConfig,
  base?: string,
  baseConfig?: CoreConfig,
): string {
  const t = toml();
  if (base !== undefined) {
    const format = formatOf(base);
    const live = baseConfig ?? parseCoreConfig(base, "the live config");
    const read = (text: string) => readTree(text, "the patched config");
    return patchBySection(t, read, live, base, config, format) ?? t.patch(base, config, format);
  }
  return t.stringify(config, FORMAT);
}

/** Comment lines of `before` that `after` no longer has (comments inside replaced sections). */
export function droppedComments(before: string, after: string): string[] {
  // Only the comment lines are taken out: a shared config is megabytes of other lines.
  const comments = (text: string) =>
    (text.match(/^[ \t]*#.*$/gm) ?? []).map((l) => l.trim()).filter((l) => l.length > 1);
  const kept = new Set(comments(after));
  return comments(before).filter((c) => !kept.has(c));
}
