import type * as IarnaToml from "@iarna/toml";
import type { CoreConfig } from "./schema";

function toml(): typeof IarnaToml {
  // Loaded on use so dynamic providers that capture this module serialize without it.
  return require("@iarna/toml") as typeof IarnaToml;
}

/** Parses a core config; the error names the source, line and column. */
export function parseCoreConfig(text: string, source: string): CoreConfig {
  try {
    // A JSON round trip drops the parser's type markers so configs compare as plain data.
    return JSON.parse(JSON.stringify(toml().parse(text))) as CoreConfig;
  } catch (err) {
    const e = err as { line?: number; col?: number; message?: string };
    const where = e.line !== undefined ? ` at line ${e.line + 1}, column ${(e.col ?? 0) + 1}` : "";
    const reason = (e.message ?? String(err)).split("\n")[0];
    throw new Error(`${source} is not valid TOML${where}: ${reason}`);
  }
}

/**
 * Writes a core config as TOML: top-level keys first, then each table. Integers are written
 * plainly (8445, not the parser's 8_445) so the file reads like the ones UCP writes.
 */
export function stringifyCoreConfig(config: CoreConfig): string {
  return toml()
    .stringify(config as IarnaToml.JsonMap)
    .replace(/^(\s*(?:"[^"\n]*"|[A-Za-z0-9_-]+)\s*=\s*)(-?\d{1,3}(?:_\d{3})+)\s*$/gm, (_m, key: string, n: string) => key + n.replace(/_/g, ""));
}
