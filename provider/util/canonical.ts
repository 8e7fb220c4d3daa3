/**
 * Canonical comparison, cloning and merging of config trees. Trees may hold what TOML reads
 * besides JSON (datetimes, big integers, inf and nan); these are compared by value and kept
 * as they are, never coerced, so keys this project does not own survive a rollout unchanged.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * Sets `key` as an own property, whatever its name: `out["__proto__"] = v` would set the
 * object's prototype instead, and a key of that name in a TOML file would silently vanish.
 */
export function setOwn<T>(out: Record<string, T>, key: string, value: T): void {
  if (key === "__proto__")
    Object.defineProperty(out, key, {
      value,
      writable: true,
      enumerable: true,
      configurable: true,
    });
  else out[key] = value;
}

/**
 * `table[key]` only when `table` has it itself: `owners["constructor"]` of a plain object is
 * `Object`, and a stack or an environment may be named `constructor`.
 */
export function getOwn<T>(table: Record<string, T> | undefined, key: string): T | undefined {
  return table !== undefined && Object.hasOwn(table, key) ? table[key] : undefined;
}

/** True for a table (including the null-prototype ones TOML parsers return). */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (!v || typeof v !== "object" || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** A datetime's TOML text: smol-toml's dates write their own kind (local date, time, offset). */
function dateText(d: Date): string {
  return Number.isNaN(d.getTime()) ? String(d) : d.toISOString();
}

/** A TOML value that JSON cannot carry: written as a tagged string for comparison only. */
function tag(value: unknown): unknown {
  if (typeof value === "bigint") return `bigint:${value}`;
  if (typeof value === "number" && !Number.isFinite(value)) return `float:${value}`;
  if (value instanceof Date) return `${value.constructor.name}:${dateText(value)}`;
  return value;
}

/** JSON with sorted keys; TOML-only values tagged, so equal trees give equal text. */
export function stableStringify(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = value[key];
      if (v !== undefined) setOwn(out, key, sortKeys(v));
    }
    return out;
  }
  return tag(value);
}

/**
 * Equality of trees, independent of key order; what `stableStringify` makes equal, walked
 * without writing the text (a shared config's tree is megabytes).
 */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((v, i) => deepEqual(v ?? null, b[i] ?? null));
  }
  if (isPlainObject(a) || isPlainObject(b)) {
    if (!isPlainObject(a) || !isPlainObject(b)) return false;
    const keys = Object.keys(a).filter((k) => a[k] !== undefined);
    if (keys.length !== Object.keys(b).filter((k) => b[k] !== undefined).length) return false;
    return keys.every((k) => getOwn(b, k) !== undefined && deepEqual(a[k], b[k]));
  }
  return tag(a) === tag(b);
}

/** SHA-256 of a string, or of a tree's canonical form. */
export function contentHash(value: unknown): string {
  const crypto = require("crypto") as typeof import("crypto");
  return crypto
    .createHash("sha256")
    .update(typeof value === "string" ? value : stableStringify(value))
    .digest("hex");
}

/** Copies tables and arrays; scalars (datetimes and big integers included) are shared as they are. */
export function deepClone<T>(value: T): T {
  if (Array.isArray(value)) return value.map(deepClone) as T;
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) setOwn(out, k, deepClone(v));
    return out as T;
  }
  return value;
}

/** The tree with null-prototype tables (as TOML parsers return them) made ordinary objects. */
export function plainTree<T>(value: T): T {
  return deepClone(value);
}

/** The first path whose value JSON (and so Pulumi state) cannot carry, or undefined. */
export function nonJsonPath(
  value: unknown,
  prefix = "",
): { path: string; value: unknown } | undefined {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = nonJsonPath(value[i], `${prefix}[${i}]`);
      if (found) return found;
    }
    return undefined;
  }
  if (isPlainObject(value)) {
    for (const [k, v] of Object.entries(value)) {
      const found = nonJsonPath(v, prefix ? `${prefix}.${k}` : k);
      if (found) return found;
    }
    return undefined;
  }
  if (value === null || typeof value === "string" || typeof value === "boolean") return undefined;
  if (typeof value === "number" && Number.isFinite(value)) return undefined;
  return { path: prefix, value };
}

/** JSON-safe copy for state and outputs: what JSON cannot carry becomes its TOML text. */
export function jsonSafe<T>(value: T): T {
  if (Array.isArray(value)) return value.map(jsonSafe) as T;
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) setOwn(out, k, jsonSafe(v));
    return out as T;
  }
  if (value instanceof Date) return dateText(value) as T;
  if (nonJsonPath(value)) return String(value) as T;
  return value;
}

/** Merges `over` into `base`: tables merge key by key, anything else replaces. */
export function deepMerge<T extends Record<string, unknown>>(
  base: T,
  over: Record<string, unknown>,
): T {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const at = getOwn(out, key);
    setOwn(out, key, isPlainObject(value) && isPlainObject(at) ? deepMerge(at, value) : value);
  }
  return out as T;
}

/**
 * Paths (`a.b.c`) whose values differ between two trees; tables are walked, arrays and
 * scalars compared whole, so a reviewer sees `dev.PublishedSSLPort` rather than `dev`.
 */
export function changedPaths(olds: unknown, news: unknown, prefix = ""): string[] {
  if (isPlainObject(olds) && isPlainObject(news)) {
    const keys = new Set([...Object.keys(olds), ...Object.keys(news)]);
    return [...keys]
      .sort()
      .flatMap((k) =>
        changedPaths(getOwn(olds, k), getOwn(news, k), prefix ? `${prefix}.${k}` : k),
      );
  }
  return deepEqual(olds, news) ? [] : [prefix];
}
