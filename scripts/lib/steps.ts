/**
 * Engine events (from the Automation API's onEvent, or recorded as JSON) reduced to what a
 * person reviews: one step per resource with its operation and before/after properties.
 */
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { changedPaths } from "../../provider/util/canonical";
import { CONTRACT_PROPERTIES } from "../../provider/util/contract";

export interface Step {
  op: string;
  urn: string;
  type: string;
  name: string;
  /** Inputs before and after (what the program declares), or outputs for refresh. */
  before?: Record<string, unknown>;
  after?: Record<string, unknown>;
  /** Top-level properties the engine says changed, and those forcing a replacement. */
  diffs: string[];
  replaces: string[];
}

/**
 * Pulumi's marker of a secret value, in event payloads as in exported state: the SDK's
 * `runtime.specialSigKey`, copied because importing it loads the SDK's gRPC runtime (about
 * 0.3 s of every drift check); test/unit/review.test.ts holds the copy to the SDK's value.
 */
export const SECRET_SIG = "4dabf18193072939515e22adb298388d";

/** Replaces secret values (however the engine encodes them) with "[secret]". */
export function maskSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskSecrets);
  if (value && typeof value === "object") {
    if (SECRET_SIG in (value as object)) return "[secret]";
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskSecrets(v)]));
  }
  return value;
}

/**
 * Engine events as they are kept for review (--record, fixtures): resource steps only,
 * secrets masked, and without the serialized provider code (large, and nothing to review).
 */
export function recordable(events: EngineEvent[]): EngineEvent[] {
  return events
    .filter((e) => e.resourcePreEvent)
    .map(
      (e) =>
        JSON.parse(
          JSON.stringify(maskSecrets(e), (k, v) => (k === "__provider" ? undefined : v)),
        ) as EngineEvent,
    );
}

const HIDDEN = new Set<string>(CONTRACT_PROPERTIES);

/** Properties as a person reviews them: no provider code, version or connection; secrets masked. */
export function visible(props?: Record<string, unknown>): Record<string, unknown> | undefined {
  if (!props) return undefined;
  return maskSecrets(
    Object.fromEntries(Object.entries(props).filter(([k]) => !HIDDEN.has(k))),
  ) as Record<string, unknown>;
}

/** Steps that change something (`same` and the stack itself are left out), in event order. */
export function stepsOf(events: EngineEvent[], which: "inputs" | "outputs" = "inputs"): Step[] {
  const steps = new Map<string, Step>();
  for (const e of events) {
    // A refresh announces each resource unchanged and reports what it read afterwards.
    const m = which === "outputs" ? e.resOutputsEvent?.metadata : e.resourcePreEvent?.metadata;
    // The stack and the default providers (which carry the stack config) say nothing new.
    // A refresh can call a step "same" whose read values still differ (an output only).
    // Of a refreshed preview (`refresh: always`), what the refresh read shows in the steps
    // that follow it: a refresh step itself changes nothing the program declares.
    if (
      !m ||
      ((m.op === "same" || m.op === "refresh") && which === "inputs") ||
      m.type === "pulumi:pulumi:Stack" ||
      m.type.startsWith("pulumi:providers:")
    )
      continue;
    const replacing = /replace/.test(m.op);
    const key = `${m.urn}|${replacing ? "replace" : m.op}`;
    const seen = steps.get(key);
    // A replacement arrives as replace, create-replacement and delete-replaced: keep one,
    // with the state before and after.
    if (seen && !replacing) continue;
    const detailed = (m.detailedDiff ?? {}) as Record<string, { kind?: string }>;
    const replaces = [
      ...Object.entries(detailed)
        .filter(([, d]) => /replace/.test(d.kind ?? ""))
        .map(([k]) => k),
      ...(replacing ? (m.keys ?? []) : []),
    ];
    steps.set(key, {
      op: replacing ? "replace" : m.op,
      urn: m.urn,
      type: m.type,
      name: m.urn.split("::").pop() ?? m.urn,
      before: seen?.before ?? visible(m.old?.[which] as Record<string, unknown> | undefined),
      after: seen?.after ?? visible(m.new?.[which] as Record<string, unknown> | undefined),
      diffs: [...new Set([...(seen?.diffs ?? []), ...(m.diffs ?? [])])],
      replaces: [...new Set([...(seen?.replaces ?? []), ...replaces])],
    });
  }
  return [...steps.values()];
}

export interface PropertyChange {
  path: string;
  before: unknown;
  after: unknown;
}

function isTable(v: unknown): v is Record<string, unknown> {
  return Boolean(v) && typeof v === "object" && !Array.isArray(v);
}

/** A key as it reads in a path: label keys with dots are quoted. */
const segment = (k: string) => (/^[A-Za-z0-9_-]+$/.test(k) ? k : JSON.stringify(k));

/** Leaf properties that differ (tables walked, lists and scalars compared whole). */
export function propertyChanges(step: Step): PropertyChange[] {
  const out: PropertyChange[] = [];
  const walk = (a: unknown, b: unknown, path: string[]) => {
    if (isTable(a) && isTable(b)) {
      for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort())
        walk(a[k], b[k], [...path, segment(k)]);
    } else if (Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.some(isTable)) {
      a.forEach((x, i) =>
        walk(x, b[i], [...path.slice(0, -1), `${path[path.length - 1] ?? ""}[${i}]`]),
      );
    } else if (changedPaths(a, b).length) {
      out.push({ path: path.join("."), before: a, after: b });
    }
  };
  walk(step.before ?? {}, step.after ?? {}, []);
  return out;
}
