/**
 * The routed applications for a review, read from the stack's cluster with the connection
 * the stack config gives now (as `npm run drift` reaches it). The review renders without
 * them when the cluster does not answer, saying why.
 */
import type { Stack } from "@pulumi/pulumi/automation";
import { CONFIG_NAMESPACE } from "../../provider/config/errors";
import { connect, describeEndpoint, DockerConnection } from "../../provider/docker/connection";
import { unreachableMessage } from "../../provider/docker/swarm";
import { RoutedApp, routedServices } from "../../provider/swarm/routedServices";

/** What a review knows of the routed applications: per service cluster, or why not. */
export type RoutedRead = { apps: Record<string, RoutedApp[]> } | { error: string };

/** A host that drops packets would otherwise hold the review for the TCP timeout (minutes). */
const TIMEOUT_MS = 20_000;

/** The routed applications on the cluster `conn` reaches (DOCKER_HOST & co. without one). */
export async function routedFrom(
  conn?: DockerConnection,
  timeoutMs = TIMEOUT_MS,
): Promise<RoutedRead> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Error("timed out");
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timedOut), timeoutMs);
  });
  try {
    return { apps: await Promise.race([routedServices(connect(conn)), timeout]) };
  } catch (err) {
    if (err === timedOut) {
      return {
        error: `the Docker Engine API at ${describeEndpoint(conn)} did not answer within ${timeoutMs / 1000} s`,
      };
    }
    return { error: unreachableMessage(err, conn) };
  } finally {
    clearTimeout(timer);
  }
}

/** The routed applications on the stack's cluster, by its `interlock-ingress:docker` config. */
export async function readRouted(stack: Stack): Promise<RoutedRead> {
  let conn: DockerConnection | undefined;
  try {
    const raw = (await stack.getAllConfig())[`${CONFIG_NAMESPACE}:docker`]?.value;
    conn = raw ? (JSON.parse(raw) as DockerConnection) : undefined;
  } catch (err) {
    return {
      error: `the stack's ${CONFIG_NAMESPACE}:docker config could not be read: ${(err as Error).message}`,
    };
  }
  return routedFrom(conn);
}
