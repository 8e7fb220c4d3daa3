/**
 * The swarm as a whole and its nodes: where the Engine API is and why it cannot be used, the
 * nodes and their labels.
 */
import type Dockerode from "dockerode";
import { describeEndpoint, DockerConnection } from "./connection";
import { engineMessage, isUnreachable } from "./errors";
import { bundleProblems, credentialsProblem } from "./bundle";
import { listObjects } from "./objects";
import type { SwarmNode } from "./types";
import { withVersionRetry } from "./versionRetry";

/** Lists the swarm's nodes, turning an unreachable endpoint into an actionable message. */
export async function listNodes(docker: Dockerode, conn?: DockerConnection): Promise<SwarmNode[]> {
  return reaching(conn, () => listObjects(docker, "node"));
}

/** Why the Engine API could not be used, where it was, and what to check. */
export function unreachableMessage(err: unknown, conn?: DockerConnection): string {
  // An expired or refused client bundle is named as such, never as an OpenSSL line.
  const credentials = credentialsProblem(err, conn);
  if (credentials) {
    // Engines answer an expired certificate with "bad certificate" too; the bundle itself says.
    const expired = bundleProblems(conn, { warnDays: 0 }).find((p) => p.severity === "error");
    return expired?.message ?? credentials;
  }
  const where = describeEndpoint(conn);
  if (isUnreachable(err)) {
    return (
      `cannot reach the Docker Engine API at ${where} (${engineMessage(err)}); ` +
      `set DOCKER_HOST/DOCKER_CERT_PATH/DOCKER_TLS_VERIFY from your UCP client bundle (env.sh) ` +
      `or the interlock-ingress:docker stack config`
    );
  }
  return `the Docker Engine API at ${where} answered: ${engineMessage(err)}`;
}

/** Finds a node by ID or hostname. */
export function findNode(nodes: SwarmNode[], ref: string): SwarmNode | undefined {
  return nodes.find((n) => n.ID === ref) ?? nodes.find((n) => n.Description?.Hostname === ref);
}

/**
 * Changes a node's labels with Swarm's optimistic concurrency: on a stale version index the
 * node is read again and `mutate` re-applied, so a concurrent writer's labels survive.
 */
export async function updateNodeLabels(
  docker: Dockerode,
  nodeId: string,
  mutate: (labels: Record<string, string>) => Record<string, string>,
): Promise<SwarmNode> {
  const node = docker.getNode(nodeId);
  return withVersionRetry(
    async () => (await node.inspect()) as SwarmNode,
    async (info) => {
      const current = info.Spec.Labels ?? {};
      const labels = mutate({ ...current });
      if (
        JSON.stringify(Object.entries(labels).sort()) ===
        JSON.stringify(Object.entries(current).sort())
      )
        return info;
      await node.update({
        _query: { version: info.Version.Index },
        _body: { ...info.Spec, Labels: labels },
      });
      return (await node.inspect()) as SwarmNode;
    },
  );
}

/** Runs an Engine API call, turning a failure into a message that says where and what to check. */
export async function reaching<T>(
  conn: DockerConnection | undefined,
  fn: () => Promise<T>,
): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const message = unreachableMessage(err, conn);
    const wrapped = new Error(message, { cause: err });
    // The engine prints a provider error's stack: for a refused bundle the fix is the message.
    if (/^credentials (expired|rejected):/.test(message)) wrapped.stack = message;
    throw wrapped;
  }
}
