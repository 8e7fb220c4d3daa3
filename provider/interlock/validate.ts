/**
 * Checks a complete core config before it is written: everything the Interlock core or Swarm
 * would refuse, and every collision between service clusters (shared reference §2.6). Each
 * problem names the field — the stack config key for sections this stack owns — and the fix.
 */
import { CONFIG_NAMESPACE } from "../topology";
import { NodeView, parseConstraint, satisfies } from "./constraints";
import { CoreConfig, ExtensionSection, serviceNames } from "./schema";

export interface ValidationContext {
  /** Sections this stack renders; their problems point at the stack config. */
  owned: string[];
  /** Live nodes with the labels this stack is about to apply; omit to skip placement checks. */
  nodes?: NodeView[];
}

const STACK_FIELD: Record<string, string> = {
  PublishedPort: "publishedPort",
  PublishedSSLPort: "publishedSSLPort",
  ProxyReplicas: "proxyReplicas",
  PublishMode: "publishMode",
};

/** Where a section's key is set: the stack config for owned sections, else the live config. */
export function fieldName(section: string, key: string, ctx: ValidationContext): string {
  if (ctx.owned.includes(section)) {
    const field = STACK_FIELD[key] ?? `overrides.${key}`;
    return `${CONFIG_NAMESPACE}:environments.${section}.${field}`;
  }
  return `[Extensions.${section}].${key} (live config, not owned by this stack)`;
}

function portsOf(s: ExtensionSection): number[] {
  return [s.PublishedPort, s.PublishedSSLPort].filter((p): p is number => typeof p === "number");
}

/** Nodes a section's proxies may be scheduled on. */
export function eligibleNodes(section: ExtensionSection, nodes: NodeView[]): NodeView[] {
  return nodes.filter((n) => satisfies(n, section.ProxyConstraints ?? []));
}

export function validateCoreConfig(config: CoreConfig, ctx: ValidationContext): string[] {
  const problems: string[] = [];
  const sections = Object.entries(config.Extensions ?? {});
  if (!sections.length) {
    return ["the config would have no [Extensions.<name>] section, and Interlock needs at least one"];
  }

  for (const [name, s] of sections) {
    const field = (key: string) => fieldName(name, key, ctx);
    if (s.ProxyReplicas === undefined) {
      problems.push(`${field("ProxyReplicas")} is missing, and the Interlock core stops without it; set it`);
    } else if (!Number.isInteger(s.ProxyReplicas) || s.ProxyReplicas < 0) {
      problems.push(`${field("ProxyReplicas")}: ${JSON.stringify(s.ProxyReplicas)} is not a whole number of replicas`);
    }
    if (s.PublishMode !== undefined && s.PublishMode !== "ingress" && s.PublishMode !== "host") {
      problems.push(`${field("PublishMode")}: ${JSON.stringify(s.PublishMode)} is not "ingress" or "host"`);
    }
    for (const key of ["PublishedPort", "PublishedSSLPort", "TargetPort", "TargetSSLPort"]) {
      const v = s[key];
      if (v !== undefined && !(Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 65535)) {
        problems.push(`${field(key)}: ${JSON.stringify(v)} is not a port number (1-65535)`);
      }
    }
    for (const key of ["ServiceName", "ProxyServiceName", "Image", "ProxyImage"]) {
      if (typeof s[key] !== "string" || !s[key]) problems.push(`${field(key)} is missing; set a non-empty string`);
    }
    for (const key of ["Constraints", "ProxyConstraints"]) {
      const list = s[key];
      if (list === undefined) continue;
      if (!Array.isArray(list)) {
        problems.push(`${field(key)} must be a list of constraints`);
        continue;
      }
      list.forEach((c, i) => {
        const parsed = parseConstraint(String(c));
        if ("error" in parsed) problems.push(`${field(key)}[${i}]: ${parsed.error}`);
      });
    }
  }

  // Names Swarm and the Interlock core need unique across every cluster.
  const services = new Map<string, string>();
  const clusters = new Map<string, string>();
  for (const [name, s] of sections) {
    for (const svc of serviceNames(s)) {
      const other = services.get(svc);
      if (other) {
        problems.push(
          `${fieldName(name, "ServiceName", ctx)}: service name "${svc}" is also used by [Extensions.${other}]; every cluster needs its own extension and proxy service names`,
        );
      } else services.set(svc, name);
    }
    const cluster = s.ServiceCluster ?? "";
    const other = clusters.get(cluster);
    if (other !== undefined) {
      problems.push(
        `${fieldName(name, "ServiceCluster", ctx)}: ServiceCluster ${JSON.stringify(cluster)} is also the ServiceCluster of [Extensions.${other}]; give each cluster its own`,
      );
    } else clusters.set(cluster, name);
  }

  const eligible = new Map<string, NodeView[]>();
  if (ctx.nodes) for (const [name, s] of sections) eligible.set(name, eligibleNodes(s, ctx.nodes));

  for (let i = 0; i < sections.length; i++) {
    for (let j = i + 1; j < sections.length; j++) {
      const [a, sa] = sections[i];
      const [b, sb] = sections[j];
      const [first, other] = ctx.owned.includes(b) && !ctx.owned.includes(a) ? [b, a] : [a, b];
      const firstSection = first === a ? sa : sb;
      const shared = portsOf(sa).filter((p) => portsOf(sb).includes(p));
      const hostBoth = (sa.PublishMode ?? "ingress") === "host" && (sb.PublishMode ?? "ingress") === "host";
      const overlap = (eligible.get(a) ?? []).filter((n) => (eligible.get(b) ?? []).some((m) => m.id === n.id));
      if (shared.length && !hostBoth) {
        const key = firstSection.PublishedPort === shared[0] ? "PublishedPort" : "PublishedSSLPort";
        problems.push(
          `${fieldName(first, key, ctx)}: port ${shared[0]} is also published by [Extensions.${other}], and ingress mode reserves a port on every node; give each cluster its own ports, or publish both in host mode on disjoint nodes`,
        );
      }
      if (hostBoth && overlap.length) {
        problems.push(
          `${fieldName(first, "ProxyConstraints", ctx)}: host-mode clusters ${first} and ${other} can both place proxies on ${overlap
            .map((n) => n.hostname)
            .join(", ")}; make their ingress nodes (ProxyConstraints) disjoint`,
        );
      }
    }
  }

  if (ctx.nodes) {
    for (const [name, s] of sections) {
      if ((s.PublishMode ?? "ingress") !== "host" || !Number.isInteger(s.ProxyReplicas)) continue;
      const n = eligible.get(name)?.length ?? 0;
      if (n < (s.ProxyReplicas as number)) {
        problems.push(
          `${fieldName(name, "ProxyReplicas", ctx)}: ${s.ProxyReplicas} host-mode proxies need ${s.ProxyReplicas} nodes matching ProxyConstraints, but only ${n} match; label more ingress nodes or lower proxyReplicas`,
        );
      }
    }
  }
  return problems;
}
