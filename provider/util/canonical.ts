/** Canonical comparison of plain data, independent of key order. */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export function stableStringify(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === "object" && !(value instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}

export function deepEqual(a: unknown, b: unknown): boolean {
  return stableStringify(a) === stableStringify(b);
}

export function contentHash(value: unknown): string {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const crypto = require("crypto") as typeof import("crypto");
  return crypto.createHash("sha256").update(typeof value === "string" ? value : stableStringify(value)).digest("hex");
}

export function deepClone<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return Boolean(v) && typeof v === "object" && !Array.isArray(v) && !(v instanceof Date);
}

/** Merges `over` into `base`: tables merge key by key, anything else replaces. */
export function deepMerge<T extends Record<string, unknown>>(base: T, over: Record<string, unknown>): T {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    out[key] = isPlainObject(value) && isPlainObject(out[key]) ? deepMerge(out[key] as Record<string, unknown>, value) : value;
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
    return [...keys].sort().flatMap((k) => changedPaths(olds[k], news[k], prefix ? `${prefix}.${k}` : k));
  }
  return deepEqual(olds, news) ? [] : [prefix];
}
