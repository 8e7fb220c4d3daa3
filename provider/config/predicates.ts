/** The value checks every stack-config parser shares. */

/** A YAML table: an object that is not a list. */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return Boolean(v) && typeof v === "object" && !Array.isArray(v);
}

/** A TCP port number, 1-65535. */
export function isPort(v: unknown): v is number {
  return isWholeIn(v, 1, 65535);
}

/** A whole number in `low`-`high` (inclusive). */
export function isWholeIn(v: unknown, low: number, high = Infinity): v is number {
  return Number.isInteger(v) && (v as number) >= low && (v as number) <= high;
}

/** A list of strings, each passing `ok` (non-empty by default). */
export function isStringList(v: unknown, ok = (s: string) => s !== ""): v is string[] {
  return Array.isArray(v) && v.every((s) => typeof s === "string" && ok(s));
}
