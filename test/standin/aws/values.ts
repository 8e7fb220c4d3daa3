/**
 * Property values as the engine sends them to a provider that accepts secrets: secrets as
 * Pulumi's signature objects, unknowns (preview) as a sentinel string.
 */

/** What an unknown value (an output not yet known at preview) arrives as. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const SIGNATURE = "4dabf18193072939515e22adb298388d";
const SECRET = "1b47061264138c4ac30d75fd1eb44270";

export type Props = Record<string, unknown>;

export function isRecord(v: unknown): v is Props {
  return Boolean(v) && typeof v === "object" && !Array.isArray(v);
}

/** The value with every secret replaced by what it wraps. */
export function unwrap<T>(v: T): T {
  if (Array.isArray(v)) return v.map(unwrap) as T;
  if (!isRecord(v)) return v;
  if (v[SIGNATURE] === SECRET) return unwrap(v.value) as T;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrap(x)])) as T;
}

/** True when the value is unknown or contains an unknown. */
export function hasUnknown(v: unknown): boolean {
  if (v === UNKNOWN) return true;
  if (Array.isArray(v)) return v.some(hasUnknown);
  if (isRecord(v)) return Object.values(v).some(hasUnknown);
  return false;
}

/** Absent, null, "", [] and {} are the same to Terraform's diff of an optional attribute. */
export function isEmpty(v: unknown): boolean {
  return (
    v === undefined ||
    v === null ||
    v === "" ||
    (Array.isArray(v) && v.length === 0) ||
    (isRecord(v) && Object.keys(v).length === 0)
  );
}

function canonical(v: unknown, set: boolean): unknown {
  if (Array.isArray(v)) {
    const items = v.map((x) => canonical(x, false));
    return set ? items.map((x) => JSON.stringify(x)).sort() : items;
  }
  if (isRecord(v)) {
    return Object.fromEntries(
      Object.keys(v)
        .filter((k) => !isEmpty(v[k]))
        .sort()
        .map((k) => [k, canonical(v[k], false)]),
    );
  }
  // Terraform holds numbers and booleans of string attributes as strings, and back.
  return typeof v === "number" || typeof v === "boolean" ? String(v) : v;
}

/** Terraform's equality of two attribute values; `set` compares lists without order. */
export function same(a: unknown, b: unknown, set = false): boolean {
  if (isEmpty(a) && isEmpty(b)) return true;
  return JSON.stringify(canonical(a, set)) === JSON.stringify(canonical(b, set));
}
