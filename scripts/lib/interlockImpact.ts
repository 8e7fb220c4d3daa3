/**
 * What an InterlockConfig step does to each service cluster's traffic, from its sections
 * before and after. A changed section makes the core (`ucp-interlock`, restarted with the new
 * `conf-N`) update that cluster's extension and proxy services, and Swarm replaces the proxy
 * tasks one at a time (Interlock's proxies update with parallelism 1, as the lab's stand-in,
 * lab/interlock/core.js, does); a change of replicas or of service labels alone restarts none.
 */
import type { ExtensionSection } from "../../provider/interlock/schema";
import { foldKey, valuesOf } from "../../provider/interlock/fold";
import { changedPaths, deepEqual, isPlainObject } from "../../provider/util/canonical";
import type { Step } from "./steps";

/** What one cluster's changes do, as the Impact summary lists it. */
export interface ClusterImpact {
  /** The environment: the section's name. */
  cluster: string;
  /** Its `ServiceCluster`, which routed services name in `com.docker.lb.service_cluster`. */
  serviceCluster: string;
  /** The cluster as it will run (proxies, mode, ports, nodes), when the preview shows it. */
  facts?: string;
  /** What each change does to traffic, one sentence each (Markdown). */
  effects: string[];
}

/** Only the extension service reads these: its restart leaves the proxies serving. */
const EXTENSION_ONLY = new Set([
  "image",
  "args",
  "constraints",
  "labels",
  "containerlabels",
  "servicename",
]);
/** Service-level labels: Swarm updates the proxy service without replacing its tasks. */
const SERVICE_LABELS = new Set(["proxylabels"]);

const code = (s: unknown) => "`" + String(s).replace(/`/g, "'") + "`";
const get = (section: ExtensionSection, key: string) => valuesOf(section, key)[0];

function listed(items: string[], max = 4): string {
  const shown = items.slice(0, max).join(", ");
  return items.length > max ? `${shown} and ${items.length - max} more` : shown;
}

function sectionsOf(props?: Record<string, unknown>): Record<string, ExtensionSection> | undefined {
  return isPlainObject(props?.sections)
    ? (props.sections as Record<string, ExtensionSection>)
    : undefined;
}

interface Env {
  name: string;
  ingressNodes?: string[];
  [key: string]: unknown;
}

function environmentsOf(props?: Record<string, unknown>): Map<string, Env> {
  const list = Array.isArray(props?.environments) ? (props.environments as Env[]) : [];
  return new Map(list.filter((e) => isPlainObject(e)).map((e) => [e.name, e]));
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** "1 proxy (`ucp-interlock-proxy-dev`), host mode, ports 8082/8445, on `node-1`". */
function factsOf(section: ExtensionSection, env?: Env): string {
  const replicas = Number(get(section, "ProxyReplicas") ?? 0);
  const nodes = env?.ingressNodes ?? [];
  return [
    `${plural(replicas, "proxy", "proxies")} (${code(get(section, "ProxyServiceName"))})`,
    `${get(section, "PublishMode") ?? "ingress"} mode`,
    `ports ${get(section, "PublishedPort")}/${get(section, "PublishedSSLPort")}`,
    ...(nodes.length ? [`on ${listed(nodes.map(code), 3)}`] : []),
  ].join(", ");
}

/** How a rolling restart of the proxies reaches clients. */
function restartEffect(name: string, section: ExtensionSection, keys: string[]): string {
  const replicas = Number(get(section, "ProxyReplicas") ?? 1);
  const delay = get(section, "ProxyUpdateDelay");
  const how =
    replicas <= 1
      ? `${name} does not answer while its only proxy restarts`
      : get(section, "PublishMode") === "host"
        ? `while one restarts its node refuses connections on ${name}'s ports; the others keep serving`
        : "the routing mesh sends requests to the others meanwhile";
  return (
    `Proxies restarted for ${listed(keys.map(code))}, rolled one at a time ` +
    `(${plural(replicas, "replica")}${delay ? `, ${code(delay)} apart` : ""}): ${how}.`
  );
}

/** The effects of one section changing from `b` to `a`. */
function sectionEffects(name: string, b: ExtensionSection, a: ExtensionSection): string[] {
  const paths = changedPaths(b, a);
  if (!paths.length) return [];
  const top = (p: string) => foldKey(p.split(".")[0]);
  const effects: string[] = [];
  const host = get(a, "PublishMode") === "host";
  for (const key of ["PublishedPort", "PublishedSSLPort"]) {
    if (!paths.some((p) => top(p) === foldKey(key))) continue;
    const was = get(b, key);
    const now = get(a, key);
    effects.push(
      host
        ? `${code(key)} ${was} → ${now}: clients on ${was} stop reaching ${name} once the rollout ends; ${now} answers from each proxy as it restarts.`
        : `${code(key)} ${was} → ${now}: the routing mesh moves ${name} from ${was} to ${now} with the update; clients on ${was} stop reaching it.`,
    );
  }
  if (paths.some((p) => top(p) === "publishmode")) {
    const was = get(b, "PublishMode") ?? "ingress";
    const now = get(a, "PublishMode") ?? "ingress";
    effects.push(
      now === "host"
        ? `${code("PublishMode")} ${was} → ${now}: from then on only the nodes running a ${name} proxy answer on its ports (clients or targets pointing at other nodes stop reaching ${name}), and the proxies see the clients' addresses.`
        : `${code("PublishMode")} ${was} → ${now}: ${name}'s ports move to Swarm's routing mesh, so every node answers on them, and the proxies see the mesh's addresses instead of the clients'.`,
    );
  }
  const restarting = paths.filter(
    (p) => !EXTENSION_ONLY.has(top(p)) && !SERVICE_LABELS.has(top(p)) && top(p) !== "proxyreplicas",
  );
  if (restarting.length) effects.push(restartEffect(name, a, restarting));
  const was = Number(get(b, "ProxyReplicas") ?? 0);
  const now = Number(get(a, "ProxyReplicas") ?? 0);
  if (was !== now) {
    effects.push(
      now > was
        ? `${code("ProxyReplicas")} ${was} → ${now}: Swarm starts ${plural(now - was, "more proxy", "more proxies")}; the running ones keep serving.`
        : `${code("ProxyReplicas")} ${was} → ${now}: Swarm stops ${plural(was - now, "proxy", "proxies")}; the connections they hold end, the others keep serving.`,
    );
  }
  const extension = paths.filter((p) => EXTENSION_ONLY.has(top(p)));
  if (extension.length) {
    effects.push(
      `The extension ${code(get(a, "ServiceName"))} restarts for ${listed(extension.map(code))}; ` +
        `the proxies keep serving, and route changes (an application deployed or removed) wait until it runs again.`,
    );
  }
  const labels = paths.filter((p) => SERVICE_LABELS.has(top(p)));
  if (labels.length && !restarting.length) {
    effects.push(
      `${listed(labels.map(code))} changes on the proxy service only: nothing for traffic (no proxy restarts).`,
    );
  }
  return effects;
}

function created(name: string, a: ExtensionSection): string {
  return (
    `New service cluster: Interlock starts ${code(get(a, "ServiceName"))} and ` +
    `${plural(Number(get(a, "ProxyReplicas") ?? 0), "proxy", "proxies")} on ports ${get(a, "PublishedPort")}/${get(a, "PublishedSSLPort")}; ` +
    `services labelled ${code(`com.docker.lb.service_cluster=${get(a, "ServiceCluster") ?? name}`)} are routed through it once it runs.`
  );
}

function removed(name: string, b: ExtensionSection): string {
  return (
    `Service cluster removed: Interlock stops ${code(get(b, "ServiceName"))} and ${code(get(b, "ProxyServiceName"))}; ` +
    `${name}'s ports ${get(b, "PublishedPort")}/${get(b, "PublishedSSLPort")} stop answering and the applications below are no longer routed.`
  );
}

/** Top-level inputs that concern no one section; the connection and versions are not shown. */
const OVERALL = ["settings", "stack", "adoptedBases"];

/** Per cluster, what the InterlockConfig step does; `other` for what concerns none alone. */
export function interlockImpact(step: Step): {
  clusters: ClusterImpact[];
  other: string[];
  /** True when any section changes: a new config version is rolled out. */
  rollout: boolean;
} {
  const before = sectionsOf(step.before) ?? {};
  const after = sectionsOf(step.after);
  if (step.after && !after) {
    return {
      clusters: [],
      other: [
        `${code(step.name)}: the sections are not known before \`up\`, so their effect cannot be told here.`,
      ],
      rollout: true,
    };
  }
  const envsBefore = environmentsOf(step.before);
  const envsAfter = environmentsOf(step.after);
  const names = [
    ...new Set([...Object.keys(before), ...Object.keys(after ?? {}), ...envsAfter.keys()]),
  ].sort();
  const clusters: ClusterImpact[] = [];
  for (const name of names) {
    const b = before[name];
    const a = after?.[name];
    const section = a ?? b;
    const effects =
      !b && a
        ? [created(name, a)]
        : b && !a
          ? [removed(name, b)]
          : b && a
            ? sectionEffects(name, b, a)
            : [];
    const envPaths = changedPaths(envsBefore.get(name), envsAfter.get(name)).filter(
      (p) => !p.startsWith("ingressNodes"),
    );
    if (!effects.length && envPaths.length) {
      effects.push(
        `${listed(envPaths.map((p) => code(`environments.${name}.${p}`)))} changes, the section does not: nothing for traffic.`,
      );
    }
    if (!effects.length) continue;
    clusters.push({
      cluster: name,
      serviceCluster: String((section && get(section, "ServiceCluster")) ?? name),
      facts: section ? factsOf(section, envsAfter.get(name) ?? envsBefore.get(name)) : undefined,
      effects,
    });
  }
  const other: string[] = [];
  const overall = OVERALL.filter((k) => !deepEqual(step.before?.[k], step.after?.[k]));
  if (overall.length && !clusters.length) {
    other.push(
      `${code(step.name)}: ${listed(overall.map(code))} ${overall.length === 1 ? "changes" : "change"}, no section does: nothing for traffic.`,
    );
  }
  const takeover = (step.after?.takeoverServices ?? []) as string[];
  if (takeover.length) {
    other.push(
      `\`up\` removes the Interlock services of a taken-over hand-made section: ${listed(takeover.map(code))} (their proxies stop).`,
    );
  }
  return { clusters, other, rollout: !deepEqual(before, after ?? {}) };
}
