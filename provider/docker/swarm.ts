import type Dockerode from "dockerode";
import { connect as openDocker, describeEndpoint, DockerConnection } from "./connection";
import { engineMessage, isOutOfSequence, isUnreachable } from "./errors";
import { bundleProblems, credentialsProblem } from "./bundle";

/** How many times an update with a stale version index is re-read and retried. */
export const VERSION_RETRIES = 8;

/** Swarm node as the Engine API returns it, narrowed to what this project reads. */
export interface SwarmNode {
  ID: string;
  Version: { Index: number };
  Spec: { Labels?: Record<string, string>; Role?: string; Availability?: string; Name?: string };
  Description?: {
    Hostname?: string;
    Platform?: { OS?: string; Architecture?: string };
    Engine?: { Labels?: Record<string, string> };
  };
  Status?: { State?: string; Addr?: string };
}

/** Lists the swarm's nodes, turning an unreachable endpoint into an actionable message. */
export async function listNodes(docker: Dockerode, conn?: DockerConnection): Promise<SwarmNode[]> {
  try {
    return (await docker.listNodes()) as SwarmNode[];
  } catch (err) {
    const message = unreachableMessage(err, conn);
    const wrapped = new Error(message, { cause: err });
    // The engine prints a provider error's stack: for a refused bundle the fix is the message.
    if (/^credentials (expired|rejected):/.test(message)) wrapped.stack = message;
    throw wrapped;
  }
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
  for (let attempt = 0; ; attempt++) {
    const node = docker.getNode(nodeId);
    const info = (await node.inspect()) as SwarmNode;
    const current = info.Spec.Labels ?? {};
    const labels = mutate({ ...current });
    if (
      JSON.stringify(Object.entries(labels).sort()) ===
      JSON.stringify(Object.entries(current).sort())
    )
      return info;
    try {
      await node.update({
        _query: { version: info.Version.Index },
        _body: { ...info.Spec, Labels: labels },
      });
      return (await node.inspect()) as SwarmNode;
    } catch (err) {
      if (isOutOfSequence(err) && attempt < VERSION_RETRIES) continue;
      throw err;
    }
  }
}

/**
 * A create call's options with the spec in the request body only. dockerode's create calls
 * (`createConfig`, `createSecret`, `createNetwork`) copy every option into the query string as
 * well: a config's or secret's Data would travel in the request line, where any proxy in front
 * of the Engine API logs it, and a config of a few hundred KB would pass the Engine's 1 MiB
 * header limit (HTTP 431). Updates pass `_query` (the version) and `_body` the same way.
 */
export function bodyOnly<T extends object>(spec: T): T {
  return { _query: {}, _body: spec } as unknown as T;
}

/** Opens a Docker client for `conn` (see `connect` in ./connection). */
export function connect(conn?: DockerConnection): Dockerode {
  return openDocker(conn);
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
