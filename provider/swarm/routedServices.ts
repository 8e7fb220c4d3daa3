/**
 * The applications Interlock routes, read from the cluster's services: whoever deployed them
 * (this project's stacks, `docker stack deploy`, `docker service create`), since a change to a
 * service cluster reaches every one of them.
 */
import type Dockerode from "dockerode";
import { STACK_NAMESPACE } from "./compose";

const HOSTS = "com.docker.lb.hosts";
const SERVICE_CLUSTER = "com.docker.lb.service_cluster";
const SSL_PASSTHROUGH = "com.docker.lb.ssl_passthrough";

/** One routed Swarm service, as a reviewer of a change to its cluster needs to know it. */
export interface RoutedApp {
  /** `com.docker.stack.namespace`; absent for a service made outside any stack. */
  stack?: string;
  /** The Swarm service name. */
  service: string;
  /** `com.docker.lb.hosts`, split at its commas; empty for a default backend. */
  hosts: string[];
  /** `com.docker.lb.ssl_passthrough=true`: the proxy passes TLS to the service by SNI. */
  sslPassthrough: boolean;
}

/** What a service's labels say about its route: the cluster (absent: the default one), hosts, TLS. */
export function routeLabelsOf(labels: Record<string, string>): {
  cluster?: string;
  hosts: string[];
  sslPassthrough: boolean;
} {
  return {
    cluster: labels[SERVICE_CLUSTER],
    hosts: (labels[HOSTS] ?? "")
      .split(",")
      .map((h) => h.trim())
      .filter(Boolean),
    sslPassthrough: labels[SSL_PASSTHROUGH]?.trim().toLowerCase() === "true",
  };
}

interface ListedService {
  Spec?: { Name?: string; Labels?: Record<string, string> };
}

/**
 * Routed services per service cluster name; "" is the default cluster, which routes a service
 * with hosts and no `com.docker.lb.service_cluster`. Sorted by stack, then service.
 */
export async function routedServices(docker: Dockerode): Promise<Record<string, RoutedApp[]>> {
  // One unfiltered list: a label filter cannot say "hosts, or service_cluster, or both".
  const services = (await docker.listServices()) as ListedService[];
  const out: Record<string, RoutedApp[]> = {};
  for (const svc of services) {
    const labels = svc.Spec?.Labels ?? {};
    const { cluster, hosts, sslPassthrough } = routeLabelsOf(labels);
    // A service naming a cluster belongs to it even without hosts (a default backend).
    if (cluster === undefined && !labels[HOSTS]) continue;
    const app: RoutedApp = { service: svc.Spec?.Name ?? "", hosts, sslPassthrough };
    if (labels[STACK_NAMESPACE]) app.stack = labels[STACK_NAMESPACE];
    (out[cluster ?? ""] ??= []).push(app);
  }
  // By code point, not locale: a recorded review renders the same on every machine.
  const key = (a: RoutedApp) => `${a.stack ?? ""}\0${a.service}`;
  for (const apps of Object.values(out)) apps.sort((a, b) => (key(a) < key(b) ? -1 : 1));
  return out;
}
