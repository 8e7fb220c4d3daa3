/**
 * Checks a complete core config before it is written: everything the Interlock core or Swarm
 * would refuse, and every collision between service clusters. Problems in what this stack
 * writes, and collisions with it, are errors naming where the value came from (an override,
 * a stack setting or the template) and the fix; problems already present in sections it does
 * not own are warnings naming the section, since this stack neither caused nor can fix them.
 */
import { getOwn, isPlainObject } from "../util/canonical";
import { knownConstraintKey, NodeView, parseConstraint, satisfies } from "./constraints";
import { EXTENSIONS, extensionsOf, foldKey, sectionLabel, valuesOf } from "./fold";
import { normalizeSection, sectionTypeProblems } from "./keys";
import { error, Problem, warning } from "./render";
import { CoreConfig, ExtensionSection } from "./schema";

/** What validation knows besides the config: owned sections and live nodes. */
export interface ValidationContext {
  /** Sections this stack renders, with where each of their values came from. */
  owned: Record<string, (path: string) => string>;
  /** Live nodes with the labels this stack is about to apply; omit to skip placement checks. */
  nodes?: NodeView[];
}

/** A section's key (a documented spelling), matched as Interlock's decoder does (`foldEqual`). */
export function get(section: ExtensionSection, key: string): unknown {
  if (Object.hasOwn(section, key)) return section[key];
  const folded = foldKey(key);
  for (const k of Object.keys(section)) if (foldKey(k) === folded) return section[k];
  return undefined;
}

/**
 * A section of the config under the root it is spelled in: `[extensions.x]` is a section to
 * Interlock like `[Extensions.x]`, and only `Extensions` holds what this stack writes.
 */
interface Entry {
  name: string;
  root: string;
  section: ExtensionSection;
}

/** Where a section's key is set: its origin for owned sections, else the live section. */
export function fieldName(
  section: string,
  path: string,
  ctx: ValidationContext,
  root = EXTENSIONS,
): string {
  const origin = root === EXTENSIONS ? getOwn(ctx.owned, section) : undefined;
  return origin
    ? origin(path)
    : `${sectionLabel(section, root)}.${path} (live config, not owned by this stack)`;
}

const isOwned = (e: Entry, ctx: ValidationContext) =>
  e.root === EXTENSIONS && Object.hasOwn(ctx.owned, e.name);
const labelOf = (e: Entry) => sectionLabel(e.name, e.root);
const field = (e: Entry, path: string, ctx: ValidationContext) =>
  fieldName(e.name, path, ctx, e.root);
const problem = (owned: boolean, message: string): Problem =>
  owned ? error(message) : warning(message);

/** Every port a section may publish: each spelling of the key counts, Interlock reads one. */
function portsOf(s: ExtensionSection): number[] {
  return [...valuesOf(s, "PublishedPort"), ...valuesOf(s, "PublishedSSLPort")].filter(
    (p): p is number => typeof p === "number",
  );
}

/** The spelling of a port key holding `port` (for messages). */
function portKey(s: ExtensionSection, port: number): string {
  const key = Object.keys(s).find(
    (k) =>
      s[k] === port && [foldKey("PublishedPort"), foldKey("PublishedSSLPort")].includes(foldKey(k)),
  );
  return key === undefined ? "PublishedPort" : key;
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

function sectionProblems(e: Entry, ctx: ValidationContext): Problem[] {
  const s = e.section;
  const owned = isOwned(e, ctx);
  const field = (key: string) => fieldName(e.name, key, ctx, e.root);
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
    // Owned sections had their types and spellings checked with their origins when rendered.
    const normalized = normalizeSection(s);
    for (const d of normalized.duplicates) {
      out.push(
        warning(
          `${labelOf(e)} (live config, not owned by this stack): ${d.spellings.join(" and ")} are one key to Interlock (${d.key}), ` +
            `whose decoder reads them in random order, so which value the core uses changes from one start to the next; keep one`,
        ),
      );
    }
    for (const [path, why] of sectionTypeProblems(normalized.table))
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

/** The spelling of `key` in `section` whose value is `value` (for messages). */
function spelling(section: ExtensionSection, key: string, value: unknown): string {
  const folded = foldKey(key);
  return Object.keys(section).find((k) => foldKey(k) === folded && section[k] === value) ?? key;
}

/** Every problem with a complete config: errors for what this stack writes, warnings otherwise. */
export function validateCoreConfig(config: CoreConfig, ctx: ValidationContext): Problem[] {
  // Every section Interlock decodes, under every root spelling; what it cannot decode is
  // named by the plan (decoderProblems), which knows whether it is this stack's.
  const sections: Entry[] = extensionsOf(config)
    .entries.filter((e) => isPlainObject(e.value))
    .map((e) => ({ name: e.name, root: e.root, section: e.value as ExtensionSection }));
  if (!sections.length) {
    return [
      error(
        "the config would have no [Extensions.<name>] section, and Interlock needs at least one",
      ),
    ];
  }
  const problems = [
    ...sections.flatMap((e) => sectionProblems(e, ctx)),
    ...serviceNameProblems(sections, ctx),
    ...serviceClusterProblems(sections, ctx),
  ];
  const eligible = new Map<Entry, NodeView[]>();
  if (ctx.nodes) for (const e of sections) eligible.set(e, eligibleNodes(e.section, ctx.nodes));
  problems.push(...sharedPortProblems(sections, eligible, ctx));
  if (ctx.nodes) problems.push(...placementProblems(sections, eligible, ctx.nodes, ctx));
  return problems;
}

/**
 * Names Swarm needs unique across every cluster; every spelling of a key counts, since
 * Interlock may read any of them.
 */
function serviceNameProblems(sections: Entry[], ctx: ValidationContext): Problem[] {
  const problems: Problem[] = [];
  const services = new Map<string, Entry>();
  for (const e of sections) {
    for (const key of ["ServiceName", "ProxyServiceName", "ConfigServiceName"]) {
      for (const svc of new Set(valuesOf(e.section, key))) {
        if (typeof svc !== "string" || !svc) continue;
        const other = services.get(svc);
        if (other === undefined) services.set(svc, e);
        // One section in two root spellings is named once, as ambiguous, by the plan.
        else if (other.name !== e.name) problems.push(serviceNameClash(e, other, key, svc, ctx));
      }
    }
  }
  return problems;
}

/** `e`'s service name `svc` (under `key`) is already used by the earlier section `other`. */
function serviceNameClash(
  e: Entry,
  other: Entry,
  key: string,
  svc: string,
  ctx: ValidationContext,
): Problem {
  const [mine, theirs] = isOwned(e, ctx) || !isOwned(other, ctx) ? [e, other] : [other, e];
  return problem(
    isOwned(e, ctx) || isOwned(other, ctx),
    `${field(mine, spelling(mine.section, key, svc), ctx)}: service name "${svc}" is also used by ${labelOf(theirs)}; every cluster needs its own extension and proxy service names`,
  );
}

function serviceClusterProblems(sections: Entry[], ctx: ValidationContext): Problem[] {
  const problems: Problem[] = [];
  const clusters = new Map<string, Entry>();
  for (const e of sections) {
    for (const cluster of new Set(valuesOf(e.section, "ServiceCluster"))) {
      if (typeof cluster !== "string") continue;
      const other = clusters.get(cluster);
      if (other === undefined) clusters.set(cluster, e);
      else if (other.name !== e.name && (isOwned(e, ctx) || isOwned(other, ctx))) {
        const [mine, theirs] = isOwned(e, ctx) ? [e, other] : [other, e];
        problems.push(
          error(
            `${field(mine, "ServiceCluster", ctx)}: ServiceCluster ${JSON.stringify(cluster)} is also the ServiceCluster of ${labelOf(theirs)}; ` +
              `two extensions would serve the same applications; rename the environment or remove ${labelOf(theirs)}`,
          ),
        );
      }
    }
  }
  return problems;
}

function sharedPortProblems(
  sections: Entry[],
  eligible: Map<Entry, NodeView[]>,
  ctx: ValidationContext,
): Problem[] {
  const ports = sections.map((e) => portsOf(e.section));
  const problems: Problem[] = [];
  for (const [i, j] of pairsSharingAPort(ports)) {
    if (sections[i].name === sections[j].name) continue;
    // The first of i's ports that j publishes too; the pair exists because there is one.
    const shared = ports[i].find((p) => ports[j].includes(p))!;
    const clash = portClash(sections[i], sections[j], shared, eligible, ctx);
    if (clash) problems.push(clash);
  }
  return problems;
}

/** The problem with sections `a` and `b` (in config order) both publishing `shared`, if any. */
function portClash(
  a: Entry,
  b: Entry,
  shared: number,
  eligible: Map<Entry, NodeView[]>,
  ctx: ValidationContext,
): Problem | undefined {
  const [first, other] = isOwned(b, ctx) && !isOwned(a, ctx) ? [b, a] : [a, b];
  const involved = isOwned(a, ctx) || isOwned(b, ctx);
  const key = portKey(first.section, shared);
  if (modeOf(a.section) !== "host" || modeOf(b.section) !== "host") {
    return problem(
      involved,
      `${field(first, key, ctx)}: port ${shared} is also published by ${labelOf(other)}, and ingress mode reserves a port on every node; give each cluster its own ports, or publish both in host mode on disjoint nodes`,
    );
  }
  // Host mode: the same port is fine on different nodes, a clash where both may run.
  const overlap = (eligible.get(a) ?? []).filter((n) =>
    (eligible.get(b) ?? []).some((m) => m.id === n.id),
  );
  if (!overlap.length) return undefined;
  return problem(
    involved,
    `${field(first, key, ctx)}: host-mode clusters ${first.name} and ${other.name} both publish port ${shared} and can both place proxies on ${overlap
      .map((n) => n.hostname)
      .join(", ")}; use other ports or make their ingress nodes (ProxyConstraints) disjoint`,
  );
}

/** Whether the live nodes can run each section's proxies and extension. */
function placementProblems(
  sections: Entry[],
  eligible: Map<Entry, NodeView[]>,
  nodes: NodeView[],
  ctx: ValidationContext,
): Problem[] {
  // A constraint Swarm refuses is reported by sectionProblems; placing with it would only
  // repeat that.
  const parses = (s: ExtensionSection) =>
    ["Constraints", "ProxyConstraints"].every((k) =>
      constraintsOf(s, k).every((c) => !("error" in parseConstraint(c))),
    );
  const problems: Problem[] = [];
  for (const e of sections.filter((e) => parses(e.section))) {
    const proxies = proxyPlacementProblem(e, eligible.get(e)?.length ?? 0, ctx);
    if (proxies) problems.push(proxies);
    if (isOwned(e, ctx) && !eligibleNodes(e.section, nodes, "Constraints").length) {
      problems.push(
        error(
          `${field(e, "Constraints", ctx)}: no node matches the extension's Constraints [${constraintsOf(e.section, "Constraints").join(", ")}]; fix the constraints`,
        ),
      );
    }
  }
  return problems;
}

/** The problem when fewer than the section's proxies need match its ProxyConstraints (`n`). */
function proxyPlacementProblem(e: Entry, n: number, ctx: ValidationContext): Problem | undefined {
  const s = e.section;
  const replicas = get(s, "ProxyReplicas");
  const host = modeOf(s) === "host";
  // A host-mode proxy holds its ports on its node, so each replica needs a node of its own;
  // ingress-mode replicas can share one.
  const need =
    host && typeof replicas === "number"
      ? replicas
      : Math.min(1, typeof replicas === "number" ? replicas : 1);
  if (n >= need) return undefined;
  return problem(
    isOwned(e, ctx),
    `${field(e, "ProxyConstraints", ctx)}: ${host ? `${replicas} host-mode proxies need ${replicas} nodes` : "the proxies need a node"} matching ProxyConstraints ` +
      `[${constraintsOf(s, "ProxyConstraints").join(", ")}], but ${n} match; label more ingress nodes, fix the constraints or lower proxyReplicas`,
  );
}
