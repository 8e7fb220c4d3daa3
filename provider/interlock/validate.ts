/**
 * Checks a complete core config before it is written: everything the Interlock core or Swarm
 * would refuse, and every collision between service clusters. Problems in what this stack
 * writes, and collisions with it, are errors naming where the value came from (an override,
 * a stack setting or the template) and the fix; problems already present in sections it does
 * not own are warnings naming the section, since this stack neither caused nor can fix them.
 */
import { isPlainObject } from "../util/canonical";
import { knownConstraintKey, NodeView, parseConstraint, satisfies } from "./constraints";
import { documentedKey, EXTENSION_KEYS, sectionTypeProblems } from "./keys";
import { error, Problem, warning } from "./render";
import { CoreConfig, ExtensionSection } from "./schema";

/** What validation knows besides the config: owned sections and live nodes. */
export interface ValidationContext {
  /** Sections this stack renders, with where each of their values came from. */
  owned: Record<string, (path: string) => string>;
  /** Live nodes with the labels this stack is about to apply; omit to skip placement checks. */
  nodes?: NodeView[];
}

/** A section's key (a documented spelling), matched case-insensitively as Interlock's decoder does. */
export function get(section: ExtensionSection, key: string): unknown {
  if (key in section) return section[key];
  const lower = key.toLowerCase();
  for (const k in section) {
    if (k.length === key.length && k.toLowerCase() === lower) return section[k];
  }
  return undefined;
}

/** Where a section's key is set: its origin for owned sections, else the live section. */
export function fieldName(section: string, path: string, ctx: ValidationContext): string {
  const origin = ctx.owned[section];
  return origin
    ? origin(path)
    : `[Extensions.${section}].${path} (live config, not owned by this stack)`;
}

const isOwned = (name: string, ctx: ValidationContext) => name in ctx.owned;
const problem = (owned: boolean, message: string): Problem =>
  owned ? error(message) : warning(message);

function portsOf(s: ExtensionSection): number[] {
  return [get(s, "PublishedPort"), get(s, "PublishedSSLPort")].filter(
    (p): p is number => typeof p === "number",
  );
}

function modeOf(s: ExtensionSection): string {
  const mode = get(s, "PublishMode");
  return typeof mode === "string" ? mode.toLowerCase() : "ingress";
}

function constraintsOf(s: ExtensionSection, key: string): string[] {
  const list = get(s, key);
  return Array.isArray(list) ? list.map(String) : [];
}

/**
 * Index pairs (i < j, in order) of sections publishing a common port: only these can clash,
 * and a config with thousands of sections has millions of pairs.
 */
function pairsSharingAPort(ports: number[][]): Array<[number, number]> {
  const byPort = new Map<number, number[]>();
  ports.forEach((list, i) => {
    for (const p of new Set(list)) byPort.set(p, [...(byPort.get(p) ?? []), i]);
  });
  const pairs = new Map<string, [number, number]>();
  for (const at of byPort.values()) {
    for (let x = 0; x < at.length; x++)
      for (let y = x + 1; y < at.length; y++) pairs.set(`${at[x]},${at[y]}`, [at[x], at[y]]);
  }
  return [...pairs.values()].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
}

/** Nodes a section's proxies may be scheduled on. */
export function eligibleNodes(
  section: ExtensionSection,
  nodes: NodeView[],
  key = "ProxyConstraints",
): NodeView[] {
  return nodes.filter((n) => satisfies(n, constraintsOf(section, key)));
}

function sectionProblems(name: string, s: ExtensionSection, ctx: ValidationContext): Problem[] {
  const owned = isOwned(name, ctx);
  const field = (key: string) => fieldName(name, key, ctx);
  const out: Problem[] = [];
  const replicas = get(s, "ProxyReplicas");
  if (replicas === undefined) {
    out.push(
      problem(
        owned,
        `${field("ProxyReplicas")} is missing, and the Interlock core stops without it; set it`,
      ),
    );
  }
  const mode = get(s, "PublishMode");
  if (
    mode !== undefined &&
    !(typeof mode === "string" && ["ingress", "host"].includes(mode.toLowerCase()))
  ) {
    out.push(
      problem(owned, `${field("PublishMode")}: ${JSON.stringify(mode)} is not "ingress" or "host"`),
    );
  }
  for (const key of ["PublishedPort", "PublishedSSLPort", "TargetPort", "TargetSSLPort"]) {
    const v = get(s, key);
    if (typeof v === "number" && Number.isInteger(v) && !(v >= 1 && v <= 65535)) {
      out.push(problem(owned, `${field(key)}: ${v} is not a port number (1-65535)`));
    }
  }
  // Swarm names services without a name itself; only what this stack writes must have them.
  const required = owned
    ? ["ServiceName", "ProxyServiceName", "Image", "ProxyImage"]
    : ["Image", "ProxyImage"];
  for (const key of required) {
    if (typeof get(s, key) !== "string" || !get(s, key))
      out.push(problem(owned, `${field(key)} is missing; set a non-empty string`));
  }
  if (!owned) {
    // Owned sections had their types checked with their origins when rendered.
    const normalized: ExtensionSection = {};
    for (const k of Object.keys(s)) normalized[documentedKey(k, EXTENSION_KEYS) ?? k] = s[k];
    for (const [path, why] of sectionTypeProblems(normalized))
      out.push(warning(`${field(path)}: ${why}`));
  }
  for (const key of ["Constraints", "ProxyConstraints"]) {
    const list = get(s, key);
    if (!Array.isArray(list)) continue;
    list.forEach((c, i) => {
      const parsed = parseConstraint(String(c));
      if ("error" in parsed) out.push(problem(owned, `${field(`${key}[${i}]`)}: ${parsed.error}`));
      else if (!knownConstraintKey(parsed.key)) {
        out.push(
          problem(
            owned,
            `${field(`${key}[${i}]`)}: "${c}": Swarm accepts the key "${parsed.key}" but no node ever matches it; use node.id, ` +
              `node.hostname, node.ip, node.role, node.platform.os, node.platform.arch, node.labels.<label> or engine.labels.<label>`,
          ),
        );
      }
    });
  }
  return out;
}

/** Every problem with a complete config: errors for what this stack writes, warnings otherwise. */
export function validateCoreConfig(config: CoreConfig, ctx: ValidationContext): Problem[] {
  const problems: Problem[] = [];
  const sections = Object.entries(config.Extensions ?? {}).filter(([, s]) =>
    isPlainObject(s),
  ) as Array<[string, ExtensionSection]>;
  if (!sections.length) {
    return [
      error(
        "the config would have no [Extensions.<name>] section, and Interlock needs at least one",
      ),
    ];
  }
  for (const [name, s] of sections) problems.push(...sectionProblems(name, s, ctx));

  // Names Swarm needs unique across every cluster.
  const services = new Map<string, string>();
  for (const [name, s] of sections) {
    for (const key of ["ServiceName", "ProxyServiceName", "ConfigServiceName"]) {
      const svc = get(s, key);
      if (typeof svc !== "string" || !svc) continue;
      const other = services.get(svc);
      if (other === undefined) {
        services.set(svc, name);
        continue;
      }
      const [mine, theirs] =
        isOwned(name, ctx) || !isOwned(other, ctx) ? [name, other] : [other, name];
      problems.push(
        problem(
          isOwned(name, ctx) || isOwned(other, ctx),
          `${fieldName(mine, key, ctx)}: service name "${svc}" is also used by [Extensions.${theirs}]; every cluster needs its own extension and proxy service names`,
        ),
      );
    }
  }
  const clusters = new Map<string, string>();
  for (const [name, s] of sections) {
    const cluster = get(s, "ServiceCluster");
    if (typeof cluster !== "string") continue;
    const other = clusters.get(cluster);
    if (other === undefined) clusters.set(cluster, name);
    else if (isOwned(name, ctx) || isOwned(other, ctx)) {
      const [mine, theirs] = isOwned(name, ctx) ? [name, other] : [other, name];
      problems.push(
        error(
          `${fieldName(mine, "ServiceCluster", ctx)}: ServiceCluster ${JSON.stringify(cluster)} is also the ServiceCluster of [Extensions.${theirs}]; ` +
            `two extensions would serve the same applications; rename the environment or remove [Extensions.${theirs}]`,
        ),
      );
    }
  }

  const eligible = new Map<string, NodeView[]>();
  if (ctx.nodes) for (const [name, s] of sections) eligible.set(name, eligibleNodes(s, ctx.nodes));

  const ports = sections.map(([, s]) => portsOf(s));
  for (const [i, j] of pairsSharingAPort(ports)) {
    const [a, sa] = sections[i];
    const [b, sb] = sections[j];
    const [first, other] = isOwned(b, ctx) && !isOwned(a, ctx) ? [b, a] : [a, b];
    const firstSection = first === a ? sa : sb;
    const involved = isOwned(a, ctx) || isOwned(b, ctx);
    // The first of a's ports that b publishes too; the pair exists because there is one.
    const shared = ports[i].find((p) => ports[j].includes(p))!;
    const key =
      get(firstSection, "PublishedPort") === shared ? "PublishedPort" : "PublishedSSLPort";
    if (modeOf(sa) !== "host" || modeOf(sb) !== "host") {
      problems.push(
        problem(
          involved,
          `${fieldName(first, key, ctx)}: port ${shared} is also published by [Extensions.${other}], and ingress mode reserves a port on every node; give each cluster its own ports, or publish both in host mode on disjoint nodes`,
        ),
      );
      continue;
    }
    // Host mode: the same port is fine on different nodes, a clash where both may run.
    const overlap = (eligible.get(a) ?? []).filter((n) =>
      (eligible.get(b) ?? []).some((m) => m.id === n.id),
    );
    if (overlap.length) {
      problems.push(
        problem(
          involved,
          `${fieldName(first, key, ctx)}: host-mode clusters ${first} and ${other} both publish port ${shared} and can both place proxies on ${overlap
            .map((n) => n.hostname)
            .join(", ")}; use other ports or make their ingress nodes (ProxyConstraints) disjoint`,
        ),
      );
    }
  }

  if (ctx.nodes) {
    // A constraint Swarm refuses is reported above; placing with it would only repeat that.
    const parses = (s: ExtensionSection) =>
      ["Constraints", "ProxyConstraints"].every((k) =>
        constraintsOf(s, k).every((c) => !("error" in parseConstraint(c))),
      );
    for (const [name, s] of sections.filter(([, s]) => parses(s))) {
      const owned = isOwned(name, ctx);
      const replicas = get(s, "ProxyReplicas");
      const n = eligible.get(name)?.length ?? 0;
      const host = modeOf(s) === "host";
      const need =
        host && typeof replicas === "number"
          ? replicas
          : Math.min(1, typeof replicas === "number" ? replicas : 1);
      if (n < need) {
        problems.push(
          problem(
            owned,
            `${fieldName(name, "ProxyConstraints", ctx)}: ${host ? `${replicas} host-mode proxies need ${replicas} nodes` : "the proxies need a node"} matching ProxyConstraints ` +
              `[${constraintsOf(s, "ProxyConstraints").join(", ")}], but ${n} match; label more ingress nodes, fix the constraints or lower proxyReplicas`,
          ),
        );
      }
      if (owned && !eligibleNodes(s, ctx.nodes, "Constraints").length) {
        problems.push(
          error(
            `${fieldName(name, "Constraints", ctx)}: no node matches the extension's Constraints [${constraintsOf(s, "Constraints").join(", ")}]; fix the constraints`,
          ),
        );
      }
    }
  }
  return problems;
}
