/**
 * After a stack's services run, Interlock still has to route them: its extension attaches the
 * service cluster's proxy service to the network named by `com.docker.lb.network` and rolls
 * the proxy out with the new configuration. `up` waits for that (bounded), so the application
 * answers at its host name when `up` returns. Interlock not getting there is not this stack's
 * doing: it is a warning, never a failure.
 */
import type Dockerode from "dockerode";
import { findByName, listObjects } from "../docker/objects";
import type { SwarmService } from "../docker/types";
import type { ServiceSummary } from "./appStack";
import { deepEqual } from "../util/canonical";
import { engineWarn } from "../util/engineLog";
import { pollOnServiceEvents } from "../docker/events";
import { serviceTasks, stackServices } from "./stackObjects";

/** Swarm update states in which a service's tasks are being replaced right now. */
const ROLLING = ["updating", "rollback_started"];

/** The proxy service the product renders for a service cluster (`render.ts`). */
export function proxyServiceName(cluster: string): string {
  return cluster ? `ucp-interlock-proxy-${cluster}` : "ucp-interlock-proxy";
}

interface Route {
  service: string;
  proxy: string;
  networkId: string;
  network: string;
}

/** The proxy and network each routed service of the stack needs. */
async function routesOf(docker: Dockerode, services: SwarmService[]): Promise<Route[]> {
  const networks = await listObjects(docker, "network", { driver: ["overlay"] });
  const byId = new Map(networks.map((n) => [n.Id, n.Name]));
  const out: Route[] = [];
  for (const svc of services) {
    const labels = svc.Spec.Labels ?? {};
    if (!labels["com.docker.lb.hosts"]) continue;
    const attached = (svc.Spec.TaskTemplate.Networks ?? []).map((n) => n.Target);
    const named = labels["com.docker.lb.network"];
    const networkId = named
      ? attached.find((id) => byId.get(id) === named || id === named)
      : attached.length === 1
        ? attached[0]
        : undefined;
    if (!networkId) continue; // check refused it already; nothing Interlock could route
    out.push({
      service: svc.Spec.Name,
      proxy: proxyServiceName(labels["com.docker.lb.service_cluster"] ?? ""),
      networkId,
      network: byId.get(networkId) ?? networkId,
    });
  }
  return out;
}

/**
 * Why the proxy is not serving its current spec yet: still rolling out, or short of tasks.
 * Swarm's update state is waited for, not only running tasks: a proxy task counts as running
 * once its container starts, before NGINX listens, and `up` promises an answering host name.
 */
async function rollingOut(docker: Dockerode, proxy: SwarmService): Promise<string | undefined> {
  const name = proxy.Spec.Name;
  if (ROLLING.includes(proxy.UpdateStatus?.State ?? "")) return `${name} to finish rolling out`;
  const want = proxy.Spec.Mode?.Replicated?.Replicas ?? 1;
  const running = (await serviceTasks(docker, proxy.ID, true)).filter(
    (t) => t.Status?.State === "running",
  ).length;
  return running < want ? `${name} to run ${want} tasks (${running} now)` : undefined;
}

/** What is not yet routed: a proxy not on the network, still rolling, or short of tasks. */
async function unrouted(docker: Dockerode, routes: Route[]): Promise<string[]> {
  const pending: string[] = [];
  for (const r of routes) {
    const proxy = await findByName(docker, "service", r.proxy);
    if (!proxy) continue; // no such cluster running: the Interlock config's check says so
    const nets = proxy.Spec.TaskTemplate.Networks ?? [];
    if (!nets.some((n) => n.Target === r.networkId)) {
      pending.push(`${r.proxy} to join ${r.network} for ${r.service}`);
      continue;
    }
    const rolling = await rollingOut(docker, proxy);
    if (rolling) pending.push(rolling);
  }
  return [...new Set(pending)];
}

/** A proxy that routes some of the stack's services, and its spec's version before a change. */
export interface ProxyMark {
  proxy: string;
  version: number;
}

/** The proxies routing the stack's services now; taken before the services are removed. */
export async function routingProxies(docker: Dockerode, stack: string): Promise<ProxyMark[]> {
  const routes = await routesOf(docker, await stackServices(docker, stack));
  return markProxies(
    docker,
    routes.map((r) => r.proxy),
  );
}

/** Each named proxy that exists, marked at its current spec version. */
async function markProxies(docker: Dockerode, names: string[]): Promise<ProxyMark[]> {
  const out: ProxyMark[] = [];
  for (const name of new Set(names)) {
    const proxy = await findByName(docker, "service", name);
    if (proxy) out.push({ proxy: name, version: proxy.Version.Index });
  }
  return out;
}

/**
 * Waits (bounded) until each marked proxy's spec has moved past its mark and rolled out: after
 * the stack's routed services are gone, so no request meets a proxy in the middle of
 * restarting, or after a change of routes, so the host answers by its new route. `what` says
 * what a proxy still at its mark waits for.
 */
export async function awaitProxiesRolled(
  docker: Dockerode,
  stack: string,
  marks: ProxyMark[],
  what: "to drop its routes" | "to take the changed routes",
  timeoutMs: number,
  pollMs = 1000,
): Promise<void> {
  await waitForInterlock(docker, stack, timeoutMs, pollMs, async () => {
    const pending: string[] = [];
    for (const m of marks) {
      const proxy = await findByName(docker, "service", m.proxy);
      if (!proxy) continue;
      if (proxy.Version.Index <= m.version) pending.push(`${m.proxy} ${what}`);
      else {
        const rolling = await rollingOut(docker, proxy);
        if (rolling) pending.push(rolling);
      }
    }
    return pending;
  });
}

/**
 * The labels that say where a service's traffic goes, which every Interlock renders into its
 * proxies' configuration: a change to one is a new proxy configuration, rolled out.
 */
const ROUTE_LABELS = ["hosts", "port", "network", "ssl_passthrough", "service_cluster"].map(
  (k) => `com.docker.lb.${k}`,
);

/** A routed service's route labels (it has com.docker.lb.hosts), or undefined. */
function routeOf(labels: Record<string, string> | undefined): Record<string, string> | undefined {
  if (!labels?.["com.docker.lb.hosts"]) return undefined;
  return Object.fromEntries(ROUTE_LABELS.filter((k) => k in labels).map((k) => [k, labels[k]]));
}

/** Per routed service (one with com.docker.lb.hosts), its route labels only. */
export function routeLabels(
  services: Record<string, ServiceSummary>,
): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const [name, { labels }] of Object.entries(services ?? {})) {
    const route = routeOf(labels);
    if (route) out[name] = route;
  }
  return out;
}

/**
 * The proxies that must take new routes when `next` replaces the stack's `live` services: of
 * each service created, removed, or with a route label changed, the proxy of its old and new
 * cluster, marked at its current spec version. An existing route's proxy is already on the
 * network and not rolling, so only the version shows that Interlock has re-rendered it.
 */
export async function reroutedProxies(
  docker: Dockerode,
  live: SwarmService[],
  next: Array<Record<string, unknown>>,
): Promise<ProxyMark[]> {
  const before = new Map(live.map((s) => [s.Spec.Name, s.Spec.Labels]));
  const after = new Map(
    next.map((s) => [s.Name as string, s.Labels as Record<string, string> | undefined]),
  );
  const clusters = new Set<string>();
  for (const name of new Set([...before.keys(), ...after.keys()])) {
    const [was, will] = [before.get(name), after.get(name)];
    if (deepEqual(routeOf(was), routeOf(will))) continue;
    for (const labels of [was, will])
      if (routeOf(labels)) clusters.add(labels!["com.docker.lb.service_cluster"] ?? "");
  }
  return markProxies(docker, [...clusters].map(proxyServiceName));
}

/** Waits until `pending` finds nothing Interlock has left to do; warns at the bound. */
async function waitForInterlock(
  docker: Dockerode,
  stack: string,
  timeoutMs: number,
  pollMs: number,
  pending: () => Promise<string[]>,
): Promise<void> {
  await pollOnServiceEvents(
    docker,
    {
      timeoutMs,
      pollMs,
      pending: (now) => now.join(", "),
      describe: (now) => console.error(`stack ${stack}: waiting for Interlock: ${now}`),
      onTimeout: (now) =>
        engineWarn(
          `stack ${stack}: Interlock has not finished within ${Math.round(timeoutMs / 1000)} s (waiting for ${now.join(", ")}); ` +
            `see docker service logs of the cluster's ucp-interlock-extension service`,
        ),
    },
    pending,
  );
}

/** Waits until Interlock routes the stack's services; warns (once) if it does not in time. */
export async function awaitRouting(
  docker: Dockerode,
  stack: string,
  timeoutMs: number,
  pollMs = 1000,
): Promise<void> {
  const routes = await routesOf(docker, await stackServices(docker, stack));
  if (routes.length)
    await waitForInterlock(docker, stack, timeoutMs, pollMs, () => unrouted(docker, routes));
}
