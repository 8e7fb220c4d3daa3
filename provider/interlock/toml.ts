/**
 * Reading and writing Interlock's config.toml without losing what this project does not own.
 *
 * Parsing and writing go through @decimalturn/toml-patch: a TOML 1.0 reader (CRLF line
 * endings, comments, datetimes, floats, big integers) whose `patch` rewrites only the values
 * that changed. Writing the merged config as a patch of the live text keeps every other
 * section, key, comment and number exactly as its author wrote it (`1.0` stays a float).
 */
import type * as TomlPatch from "@decimalturn/toml-patch";
import type { CoreConfig } from "./schema";
import { plainTree } from "../util/canonical";

function toml(): typeof TomlPatch {
  // Loaded on use so dynamic providers that capture this module serialize without it.
  return require("@decimalturn/toml-patch") as typeof TomlPatch;
}

/** Extensions (1) and their sections (2) and sub-tables (3) are written as [tables]. */
const FORMAT = { inlineTableStart: 4, bracketSpacing: false };

/** Parses a core config; the error names the source, line and column. */
export function parseCoreConfig(text: string, source: string): CoreConfig {
  try {
    return plainTree(toml().parse(text, { integersAsBigInt: "asNeeded" })) as CoreConfig;
  } catch (err) {
    const e = err as { line?: number; column?: number; message?: string };
    const where = e.line !== undefined ? ` at line ${e.line}, column ${(e.column ?? 0) + 1}` : "";
    // The parser's message is a header, the offending line, a caret, then the reason.
    const lines = (e.message ?? String(err)).split("\n");
    const reason = lines[lines.length - 1] || lines[0];
    throw new Error(`${source} is not valid TOML${where}: ${reason}`, { cause: err });
  }
}

/**
 * Writes a core config as TOML. With `base` (the live text) only what differs from it is
 * rewritten; without, the whole config is written fresh.
 */
export function stringifyCoreConfig(config: CoreConfig, base?: string): string {
  const t = toml();
  if (base !== undefined) {
    const format = t.TomlFormat.autoDetectFormat(base);
    Object.assign(format, FORMAT);
    return t.patch(base, config, format);
  }
  return t.stringify(config, FORMAT);
}

/** Comment lines of `before` that `after` no longer has (comments inside replaced sections). */
export function droppedComments(before: string, after: string): string[] {
  const comments = (text: string) =>
    text
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter((l) => l.startsWith("#") && l.length > 1);
  const kept = new Set(comments(after));
  return comments(before).filter((c) => !kept.has(c));
}
