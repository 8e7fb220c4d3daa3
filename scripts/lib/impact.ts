/**
 * The review's Impact summary: per service cluster whose Interlock section, ingress nodes or
 * AWS edge the preview changes, what that does to traffic, and the applications routed
 * through it as the cluster runs them now.
 */
import { SERVICE_CLUSTER_LABEL } from "../../provider/config/environments";
import type { RoutedApp } from "../../provider/swarm/routedServices";
import type { Block } from "./commentLimit";
import { edgeImpact } from "./edgeImpact";
import { ClusterImpact, interlockImpact } from "./interlockImpact";
import type { RoutedRead } from "./routed";
import { propertyChanges, Step } from "./steps";

/** What the preview does to the service clusters. */
export interface Impact {
  clusters: ClusterImpact[];
  /** Changes that concern no one cluster (the shared NLB, a setting of the Interlock config). */
  other: string[];
  /** True when a section changes, so the core's config is swapped. */
  rollout: boolean;
}

const code = (s: unknown) => "`" + String(s).replace(/`/g, "'").replace(/\|/g, "\\|") + "`";

/** Ingress nodes gained and lost per environment, from its NodeLabels steps. */
function nodeImpact(steps: Step[]): Map<string, string[]> {
  const out = new Map<string, { added: string[]; removed: string[]; quiet: string[] }>();
  for (const s of steps.filter((s) => /swarm:NodeLabels$/.test(s.type))) {
    const labels = (s.after?.labels ?? s.before?.labels) as Record<string, string> | undefined;
    const env = labels?.[SERVICE_CLUSTER_LABEL] ?? /^(.+)-ingress-/.exec(s.name)?.[1] ?? s.name;
    const at = out.get(env) ?? { added: [], removed: [], quiet: [] };
    out.set(env, at);
    const was = s.before?.node as string | undefined;
    const now = s.after?.node as string | undefined;
    if (s.op === "create" && now) at.added.push(now);
    else if (s.op === "delete" && was) at.removed.push(was);
    else if (s.op === "replace" && was !== now) {
      if (was) at.removed.push(was);
      if (now) at.added.push(now);
    } else at.quiet.push(s.name);
  }
  const lines = new Map<string, string[]>();
  for (const [env, { added, removed, quiet }] of out) {
    const line: string[] = [];
    if (added.length || removed.length) {
      const moves = [
        removed.length
          ? `Swarm stops the ${env} proxy on a node that loses the label and starts it on another ${env} node with room`
          : "",
        added.length
          ? `a new node gets a ${env} proxy when Swarm next places one (the next proxy rollout, or a replica that had no node)`
          : "",
      ].filter(Boolean);
      const signs = [...added.map((n) => `+ ${code(n)}`), ...removed.map((n) => `− ${code(n)}`)];
      line.push(`Ingress nodes: ${signs.join(", ")} (proxies move: ${moves.join("; ")}).`);
    }
    if (quiet.length) {
      const paths = [
        ...new Set(
          steps
            .filter((s) => quiet.includes(s.name))
            .flatMap((s) => propertyChanges(s).map((c) => c.path)),
        ),
      ];
      line.push(
        `Node labels ${quiet.map(code).join(", ")} updated in place${paths.length ? ` (${paths.map(code).join(", ")})` : ""}: nothing for traffic.`,
      );
    }
    lines.set(env, line);
  }
  return lines;
}

/** Which clusters the steps change, and how. */
export function impactOf(steps: Step[]): Impact {
  const clusters = new Map<string, ClusterImpact>();
  const at = (cluster: string) => {
    const known = clusters.get(cluster) ?? { cluster, serviceCluster: cluster, effects: [] };
    clusters.set(cluster, known);
    return known;
  };
  const other: string[] = [];
  let rollout = false;
  for (const s of steps.filter((s) => /interlock:InterlockConfig$/.test(s.type))) {
    const found = interlockImpact(s);
    // First, so each cluster takes its ServiceCluster and facts from its section.
    for (const c of found.clusters) clusters.set(c.cluster, { ...c, effects: [...c.effects] });
    other.push(...found.other);
    rollout ||= found.rollout;
  }
  for (const [env, lines] of nodeImpact(steps)) at(env).effects.push(...lines);
  const edge = edgeImpact(steps);
  for (const [env, lines] of edge.byEnvironment) at(env).effects.push(...lines);
  other.push(...edge.other);
  return {
    clusters: [...clusters.values()].sort((a, b) => (a.cluster < b.cluster ? -1 : 1)),
    other,
    rollout,
  };
}

function appsBlock(c: ClusterImpact, apps: RoutedApp[]): Block {
  const through = `routed through ${code(c.cluster)}`;
  if (!apps.length) return { head: ["", `No application is ${through} now.`] };
  return {
    head: [
      "",
      `Applications ${through} (read from the cluster):`,
      "",
      "| stack | service | hosts | TLS passes through |",
      "|---|---|---|---|",
    ],
    body: apps.map(
      (a) =>
        `| ${a.stack ? code(a.stack) : "(no stack)"} | ${code(a.service)} | ${a.hosts.length ? a.hosts.map(code).join(", ") : "—"} | ${a.sslPassthrough ? "yes" : "no"} |`,
    ),
    rank: 3,
    label: "the application lists",
    cutNote: (n, all) =>
      all
        ? ["", `_${n} applications ${through} not shown._`]
        : ["", `_… ${n} more applications not shown._`],
  };
}

/** The Impact summary as comment blocks; only its application tables can be shortened. */
export function impactBlocks(impact: Impact, routed?: RoutedRead): Block[] {
  const lines = ["", "#### Impact"];
  if (impact.rollout) {
    lines.push(
      "",
      "A section change is a new `conf-N` swapped onto `ucp-interlock` (Swarm rolls the swap back if the core refuses it); the sections of clusters not listed here stay as they are.",
    );
  }
  if (!routed) {
    lines.push(
      "",
      "_Routed applications were not recorded with this preview (a recording from before the review read them from the cluster)._",
    );
  } else if ("error" in routed) {
    lines.push("", `_Routed applications are not listed: ${routed.error}._`);
  }
  if (!impact.clusters.length) {
    lines.push("", "No service cluster's Interlock section, ingress nodes or AWS edge changes.");
  }
  const blocks: Block[] = [{ head: lines }];
  for (const c of impact.clusters) {
    blocks.push({
      head: [
        "",
        `**${code(c.cluster)}**${c.facts ? `: ${c.facts}` : ""}`,
        "",
        ...c.effects.map((e) => `- ${e}`),
      ],
    });
    if (routed && "apps" in routed) blocks.push(appsBlock(c, routed.apps[c.serviceCluster] ?? []));
  }
  if (impact.other.length) {
    blocks.push({ head: ["", "**All environments**", "", ...impact.other.map((e) => `- ${e}`)] });
  }
  return blocks;
}
