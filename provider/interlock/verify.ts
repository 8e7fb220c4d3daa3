/**
 * Blog step 8, and its NOTE: after a rollout, every owned cluster's extension and proxy
 * services must exist and run their replicas on nodes that satisfy ProxyConstraints with the
 * expected ports; services of sections that are gone are removed.
 */
import type Dockerode from "dockerode";
import { extensionsOf } from "./fold";
import { listObjects, removeNamed } from "../docker/objects";
import type { SwarmNode, SwarmService, SwarmTask } from "../docker/types";
import { satisfies } from "./constraints";
import { toNodeView } from "./live";
import { Reporter } from "./rollout";
import { CoreConfig, ExtensionSection, serviceNames } from "./schema";
import { pollOnServiceEvents } from "../docker/events";
import { pollUntil } from "../util/poll";

/** What a stack outputs per cluster. */
export interface ClusterStatus {
  extensionService: string;
  proxyService: string;
  proxyNodes: string[];
  publishMode: string;
  httpPort: number;
  httpsPort: number;
  /** What is not yet as the section says, when read found the cluster still converging. */
  pending?: string[];
}

/** Task failures Swarm keeps retrying: after this many, waiting longer will not help. */
const GIVE_UP_AFTER = 3;
const FAILED = ["rejected", "failed"];

/** Swarm's own reason for `svc`'s tasks failing since `since`, once they failed repeatedly. */
function repeatedFailure(svc: SwarmService, tasks: SwarmTask[], since: number): string | undefined {
  const failed = tasks.filter(
    (t) => FAILED.includes(t.Status?.State ?? "") && Date.parse(t.CreatedAt ?? "") >= since,
  );
  if (failed.length < GIVE_UP_AFTER) return undefined;
  const errors = [
    ...new Set(failed.map((t) => t.Status?.Err || t.Status?.Message || t.Status?.State)),
  ];
  return `${svc.Spec.Name}: ${failed.length} tasks ${[...new Set(failed.map((t) => t.Status?.State))].join("/")} since the rollout: ${errors.join("; ")}`;
}

/** Problems with one cluster right now; empty when it is as its section says. */
function clusterProblems(
  name: string,
  section: ExtensionSection,
  nodes: Map<string, SwarmNode>,
  services: SwarmService[],
  tasks: Map<string, SwarmTask[]>,
  since: number,
): { problems: string[]; status?: ClusterStatus; fatal?: string } {
  const problems: string[] = [];
  const byName = (n?: string) => services.find((s) => s.Spec.Name === n);
  const ext = byName(section.ServiceName);
  const proxy = byName(section.ProxyServiceName);
  if (!ext) problems.push(`[${name}] extension service ${section.ServiceName} does not exist yet`);
  if (!proxy)
    problems.push(`[${name}] proxy service ${section.ProxyServiceName} does not exist yet`);
  if (!ext || !proxy) return { problems };

  const desired = (svc: SwarmService) =>
    (tasks.get(svc.ID) ?? []).filter((t) => t.DesiredState === "running");
  if (!desired(ext).some((t) => t.Status?.State === "running")) {
    problems.push(`[${name}] ${section.ServiceName} has no running task`);
  }

  const want = section.ProxyReplicas ?? 0;
  for (const svc of [ext, proxy]) {
    const failure = repeatedFailure(svc, tasks.get(svc.ID) ?? [], since);
    if (failure) return { problems: [`[${name}] ${failure}`], fatal: failure };
  }
  const proxyTasks = desired(proxy);
  const running = proxyTasks.filter((t) => t.Status?.State === "running");
  if (running.length !== want) {
    const pending = [
      ...new Set(
        proxyTasks
          .filter((t) => t.Status?.State !== "running")
          .map((t) => `${t.Status?.State}${t.Status?.Err ? `: ${t.Status.Err}` : ""}`),
      ),
    ];
    problems.push(
      `[${name}] ${section.ProxyServiceName} runs ${running.length} of ${want} replicas${pending.length ? ` (others: ${pending.join("; ")})` : ""}`,
    );
  }
  const hostnames: string[] = [];
  for (const t of running) {
    const node = t.NodeID ? nodes.get(t.NodeID) : undefined;
    const hostname = node?.Description?.Hostname ?? t.NodeID ?? "?";
    hostnames.push(hostname);
    if (node && !satisfies(toNodeView(node), section.ProxyConstraints ?? [])) {
      problems.push(
        `[${name}] a ${section.ProxyServiceName} task runs on ${hostname}, which does not satisfy ProxyConstraints`,
      );
    }
  }
  const ports = proxy.Endpoint?.Ports ?? [];
  for (const [published, target] of [
    [section.PublishedPort, section.TargetPort ?? 80],
    [section.PublishedSSLPort, section.TargetSSLPort ?? 443],
  ]) {
    if (!ports.some((p) => p.PublishedPort === published && p.TargetPort === target)) {
      problems.push(
        `[${name}] ${section.ProxyServiceName} does not publish ${published}->${target}`,
      );
    }
  }
  return {
    problems,
    status: {
      extensionService: section.ServiceName!,
      proxyService: section.ProxyServiceName!,
      proxyNodes: [...new Set(hostnames)].sort(),
      publishMode: ports[0]?.PublishMode ?? section.PublishMode ?? "ingress",
      httpPort: section.PublishedPort!,
      httpsPort: section.PublishedSSLPort!,
    },
  };
}

/**
 * The tasks of the services, by service ID: one call for every cluster (four per cluster made
 * a read of 27 clusters about a hundred calls in a row).
 */
async function tasksByService(docker: Dockerode, ids: string[]): Promise<Map<string, SwarmTask[]>> {
  const out = new Map(ids.map((id) => [id, [] as SwarmTask[]]));
  if (!ids.length) return out;
  // The service filter also matches name prefixes; grouping by ID keeps only these services'.
  for (const t of await listObjects(docker, "task", { service: ids }))
    out.get(t.ServiceID ?? "")?.push(t);
  return out;
}

/** The extension and proxy services of the named clusters. */
function ownedServiceNames(config: CoreConfig, owned: string[]): Set<string> {
  return new Set(owned.flatMap((n) => serviceNames(config.Extensions?.[n] ?? {})));
}

/** Every named cluster as it runs now, and what is not yet as its section says. */
export async function clusterSnapshot(
  docker: Dockerode,
  config: CoreConfig,
  owned: string[],
  since: number,
): Promise<{ clusters: Record<string, ClusterStatus>; problems: string[]; fatal: string[] }> {
  const nodes = new Map((await listObjects(docker, "node")).map((n) => [n.ID, n]));
  const services = await listObjects(docker, "service");
  const names = ownedServiceNames(config, owned);
  const tasks = await tasksByService(
    docker,
    services.filter((svc) => names.has(svc.Spec.Name)).map((svc) => svc.ID),
  );
  const clusters: Record<string, ClusterStatus> = {};
  const problems: string[] = [];
  const fatal: string[] = [];
  for (const name of owned) {
    const section = config.Extensions?.[name];
    if (!section) continue;
    const r = clusterProblems(name, section, nodes, services, tasks, since);
    problems.push(...r.problems);
    if (r.fatal) fatal.push(r.fatal);
    clusters[name] = {
      ...(r.status ?? emptyStatus(section)),
      ...(r.problems.length ? { pending: r.problems } : {}),
    };
  }
  return { clusters, problems, fatal };
}

/** Swarm update states in which a service's tasks are being replaced right now. */
const ROLLING = ["updating", "rollback_started"];

/**
 * The clusters as `read` reports them. Interlock itself updates its proxies (a new NGINX
 * configuration, an application network attached) whenever an application changes; a cluster
 * caught in such an update is waited for (bounded), not reported as drift. A cluster that is
 * wrong without an update in progress is reported at once.
 */
export async function settledSnapshot(
  docker: Dockerode,
  config: CoreConfig,
  owned: string[],
  timeoutMs: number,
  report: Reporter,
  pollMs = 1000,
): Promise<Record<string, ClusterStatus>> {
  const names = ownedServiceNames(config, owned);
  const settled = await pollUntil(
    {
      timeoutMs,
      pollMs,
      pending: (s) => s.rolling.join(", "),
      describe: (now) => report(`waiting for Swarm to finish updating ${now}`),
      onTimeout: (s) => s,
    },
    async () => {
      const { clusters, problems } = await clusterSnapshot(docker, config, owned, Date.now());
      if (!problems.length) return { clusters, rolling: [] };
      const rolling = (await listObjects(docker, "service"))
        .filter(
          (svc) => names.has(svc.Spec.Name) && ROLLING.includes(svc.UpdateStatus?.State ?? ""),
        )
        .map((svc) => svc.Spec.Name)
        .sort();
      return { clusters, rolling };
    },
  );
  return settled.clusters;
}

function emptyStatus(section: ExtensionSection): ClusterStatus {
  return {
    extensionService: String(section.ServiceName ?? ""),
    proxyService: String(section.ProxyServiceName ?? ""),
    proxyNodes: [],
    publishMode: String(section.PublishMode ?? "ingress"),
    httpPort: Number(section.PublishedPort ?? 0),
    httpsPort: Number(section.PublishedSSLPort ?? 0),
  };
}

/**
 * Waits (bounded) until every named cluster runs as configured; throws what is still wrong.
 * Progress is reported when it changes; tasks Swarm rejects or that fail again and again
 * (image missing, port taken, no suitable node) end the wait at once with Swarm's error.
 */
export async function verifyClusters(
  docker: Dockerode,
  config: CoreConfig,
  owned: string[],
  timeoutMs: number,
  report: Reporter,
  pollMs = 1000,
): Promise<Record<string, ClusterStatus>> {
  // Task failures count from a little before the wait: the rollout before it started them.
  const since = Date.now() - 5_000;
  const verified = await pollOnServiceEvents(
    docker,
    {
      timeoutMs,
      pollMs,
      pending: (s) => s.problems.join("; "),
      describe: (now) => report(`waiting for service clusters: ${now}`),
      onTimeout: (s) => {
        throw new Error(
          `Interlock service clusters did not converge within ${Math.round(timeoutMs / 1000)} s:\n  - ${s.problems.join("\n  - ")}\n` +
            `Check ingress node labels and free ports, or raise interlock-ingress:interlock.verifyTimeoutSeconds.`,
        );
      },
    },
    async () => {
      const snapshot = await clusterSnapshot(docker, config, owned, since);
      if (snapshot.fatal.length) {
        throw new Error(
          `Interlock service clusters cannot start; Swarm keeps refusing their tasks:\n  - ${snapshot.fatal.join("\n  - ")}\n` +
            `See docker service ps --no-trunc <service>; the config stays rolled out, fix the cause and run up again.`,
        );
      }
      return snapshot;
    },
  );
  return verified.clusters;
}

/**
 * Removes the services of sections that are gone from the config (the blog's
 * `docker service rm ucp-interlock-extension ucp-interlock-proxy`), unless the new config
 * still names them.
 */
export async function removeStaleServices(
  docker: Dockerode,
  gone: ExtensionSection[],
  config: CoreConfig,
  report: Reporter,
): Promise<string[]> {
  // Every section Interlock reads, under any root spelling (`[extensions.x]` too).
  const still = new Set([...extensionsOf(config).sections.values()].flatMap(serviceNames));
  const removed: string[] = [];
  for (const name of gone.flatMap(serviceNames)) {
    if (still.has(name)) continue;
    if (await removeNamed(docker, "service", name)) removed.push(name);
  }
  if (removed.length) report(`removed stale services: ${removed.join(", ")}`);
  return removed;
}
