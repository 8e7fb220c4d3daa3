/**
 * Names as Interlock's decoder reads them. BurntSushi/toml fills a Go struct field from every
 * key that equals the field's name under `strings.EqualFold` (Unicode simple case folding:
 * `ſ` is `s`, the Kelvin sign `K` is `k`), in Go's random map order; so `[extensions.dev]`
 * is a section like `[Extensions.dev]`, and a section holding both, or `ServiceName` beside
 * `servicename`, means whatever that start of the core happened to read last. Section names
 * are map keys, matched exactly: `[Extensions.Dev]` is another section than `[Extensions.dev]`.
 */
import { isPlainObject } from "../util/canonical";
import { CoreConfig, ExtensionSection } from "./schema";

/**
 * One code point's simple case fold, as the smallest member of its `unicode.SimpleFold`
 * orbit would tell: upper-cased then lower-cased when each step stays one code point. Checked
 * against Go 1.26's `unicode.SimpleFold` for every code point: the same orbits, except the
 * dotless `ı`, which folds to nothing in Go (`I` upper-cases it only in Unicode's full
 * mapping), and characters newer than Go's Unicode tables.
 */
function foldCodePoint(c: string): string {
  if (c === "\u0131") return c;
  const upper = c.toUpperCase();
  const one = [...upper].length === 1 ? upper : c;
  const lower = one.toLowerCase();
  return [...lower].length === 1 ? lower : one;
}

/** `key` folded: two keys are one to Interlock's decoder exactly when their folds are equal. */
export function foldKey(key: string): string {
  // ASCII folds to its lower case (`K` and `ſ` fold into ASCII, never out of it).
  if (!/[\u0080-\uffff]/.test(key)) return key.toLowerCase();
  let out = "";
  for (const c of key) out += foldCodePoint(c);
  return out;
}

/** Go's `strings.EqualFold`. */
export function foldEqual(a: string, b: string): boolean {
  return a === b || foldKey(a) === foldKey(b);
}

/** The root table UCP writes the service clusters in. */
export const EXTENSIONS = "Extensions";
const EXTENSIONS_FOLD = foldKey(EXTENSIONS);

/** True for a root key Interlock fills its `Extensions` map from (`extensions`, `EXTENSIONſ`). */
export function isExtensionsRoot(key: string): boolean {
  return foldKey(key) === EXTENSIONS_FOLD;
}

/** One `<root>.<name>` entry of a config: a section as it is spelled there. */
export interface SectionEntry {
  name: string;
  /** The root table's spelling (`Extensions`, `extensions`). */
  root: string;
  value: unknown;
}

/** What Interlock's decoder makes of a config's service clusters. */
export interface ExtensionsView {
  /** Every entry, in the order the roots and their sections are in the tree. */
  entries: SectionEntry[];
  /** Each section name's table (the first spelling's, when there are several). */
  sections: Map<string, ExtensionSection>;
  /** Section names given under more than one root: which one Interlock reads is random. */
  ambiguous: Array<{ name: string; roots: string[] }>;
  /** Entries, or whole roots (no `name`), that are not tables: Interlock cannot decode them. */
  undecodable: Array<{ name?: string; root: string; value: unknown }>;
}

/** The config's service clusters as Interlock's decoder reads them. */
export function extensionsOf(config: CoreConfig): ExtensionsView {
  const view: ExtensionsView = {
    entries: [],
    sections: new Map(),
    ambiguous: [],
    undecodable: [],
  };
  const rootsOf = new Map<string, string[]>();
  for (const root of Object.keys(config).filter(isExtensionsRoot)) {
    const table = config[root];
    if (table === undefined) continue;
    if (!isPlainObject(table)) {
      view.undecodable.push({ root, value: table });
      continue;
    }
    for (const name of Object.keys(table)) {
      const value = table[name];
      if (value === undefined) continue;
      view.entries.push({ name, root, value });
      rootsOf.set(name, [...(rootsOf.get(name) ?? []), root]);
      if (!isPlainObject(value)) view.undecodable.push({ name, root, value });
      else if (!view.sections.has(name)) view.sections.set(name, value as ExtensionSection);
    }
  }
  for (const [name, roots] of rootsOf) if (roots.length > 1) view.ambiguous.push({ name, roots });
  return view;
}

/** The names of a config's sections (every root), in order. */
export function sectionNames(config: CoreConfig): string[] {
  return [...extensionsOf(config).sections.keys()];
}

/** A section of `config` under any root spelling, or undefined. */
export function sectionOf(config: CoreConfig, name: string): ExtensionSection | undefined {
  for (const root of Object.keys(config).filter(isExtensionsRoot)) {
    const table = config[root];
    if (isPlainObject(table) && Object.hasOwn(table, name) && isPlainObject(table[name]))
      return table[name] as ExtensionSection;
  }
  return undefined;
}

/** How a section is written in messages: `[extensions.dev]` under a lower-case root. */
export function sectionLabel(name: string, root = EXTENSIONS): string {
  return `[${root}.${name}]`;
}

/** What a non-table entry is, for messages. */
export function describeUndecodable(value: unknown): string {
  if (Array.isArray(value))
    return value.every(isPlainObject) && value.length
      ? "an array of tables"
      : `an array (${JSON.stringify(value).slice(0, 40)})`;
  if (typeof value === "string") return `a string (${JSON.stringify(value).slice(0, 40)})`;
  return `a ${value instanceof Date ? "datetime" : typeof value} (${String(value).slice(0, 40)})`;
}

/** Every value of `key` in a table, under each spelling Interlock's decoder takes for it. */
export function valuesOf(table: Record<string, unknown>, key: string): unknown[] {
  const folded = foldKey(key);
  return Object.keys(table)
    .filter((k) => k === key || foldKey(k) === folded)
    .map((k) => table[k]);
}

/** The spellings of each key given more than once (`ServiceName` and `servicename`). */
export function duplicateSpellings(table: Record<string, unknown>): string[][] {
  const by = new Map<string, string[]>();
  for (const k of Object.keys(table)) {
    const f = foldKey(k);
    by.set(f, [...(by.get(f) ?? []), k]);
  }
  return [...by.values()].filter((s) => s.length > 1);
}
