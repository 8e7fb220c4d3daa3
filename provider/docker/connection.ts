import type Dockerode from "dockerode";
import { hostProblem } from "../config/docker";

/**
 * Where the Swarm's Engine API is. Every field is optional: without `host` the standard
 * DOCKER_HOST / DOCKER_TLS_VERIFY / DOCKER_CERT_PATH variables apply, as UCP's client
 * bundle `env.sh` sets them. PEM fields are expected to arrive as Pulumi secrets.
 */
export interface DockerConnection {
  /** e.g. `tcp://ucp.example.com:443` or `unix:///var/run/docker.sock`. */
  host?: string;
  /** Client bundle `ca.pem`. */
  ca?: string;
  /** Client bundle `cert.pem`. */
  cert?: string;
  /** Client bundle `key.pem`. */
  key?: string;
}

/**
 * Where a provider process keeps the stack's connection as configured now. A global, not a
 * captured variable: each resource's provider is deserialized from its own closure.
 */
const STACK_CONNECTION = "__interlockIngressStackConnection";

/**
 * The dynamic providers' `configure`: the engine hands it the stack's config (as of the last `up`
 * for refresh and destroy, which Pulumi keeps with the default provider). A resource whose stored
 * connection is older (moved from env.sh to the stack config) then reads with the stack's.
 * `npm run drift` calls it with the stack file's connection as it is now.
 */
export async function configureConnection(req: {
  config: { get(key: string): string | undefined };
}): Promise<void> {
  exitWhenEngineGone();
  const raw = req.config.get("interlock-ingress:docker");
  (globalThis as Record<string, unknown>)[STACK_CONNECTION] = {
    conn: raw ? (JSON.parse(raw) as DockerConnection) : undefined,
  };
}

const ENGINE_GUARD = "__interlockIngressExitWhenEngineGone";

/**
 * Ends a provider's process once the engine that started it is gone. Its stdout and stderr are
 * pipes to the engine; after the engine dies (a CLI killed with SIGKILL, or crashed) every
 * write fails with EPIPE, and Pulumi's dynamic-provider host logs each uncaught error to that
 * same stderr, which fails again: the orphan spun on a core, growing by gigabytes, for minutes.
 */
function exitWhenEngineGone(): void {
  const g = globalThis as Record<string, unknown>;
  if (g[ENGINE_GUARD]) return;
  g[ENGINE_GUARD] = true;
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (e: NodeJS.ErrnoException) => {
      if (e.code === "EPIPE") process.exit(1);
    });
  }
}

/** Undoes configureConnection in a process that checks several stacks (`npm run drift`). */
export function forgetConnection(): void {
  delete (globalThis as Record<string, unknown>)[STACK_CONNECTION];
}

/** The stack's connection as configured now when a provider was configured, else `conn`. */
export function currentConnection(conn?: DockerConnection): DockerConnection | undefined {
  const configured = (globalThis as Record<string, unknown>)[STACK_CONNECTION] as
    { conn?: DockerConnection } | undefined;
  return configured ? configured.conn : conn;
}

/** Opens a Docker client; loads dockerode lazily so dynamic providers serialize without it. */
export function connect(given?: DockerConnection): Dockerode {
  const Docker = require("dockerode") as typeof Dockerode;
  const conn = currentConnection(given);
  if (!conn?.host) return new Docker();
  const problem = hostProblem(conn.host);
  if (problem) throw new Error(`interlock-ingress:docker.host: ${problem}`);
  const url = new URL(conn.host);
  if (url.protocol === "unix:") return new Docker({ socketPath: url.pathname });
  const tls = Boolean(conn.ca || conn.cert || conn.key);
  return new Docker({
    host: url.hostname,
    port: Number(url.port) || (tls ? 2376 : 2375),
    protocol: tls ? "https" : "http",
    ca: conn.ca,
    cert: conn.cert,
    key: conn.key,
  });
}

/** Says where a client points, for error messages (never includes key material). */
export function describeEndpoint(conn?: DockerConnection): string {
  return currentConnection(conn)?.host ?? process.env.DOCKER_HOST ?? "unix:///var/run/docker.sock";
}

/**
 * True when the stack now reaches the Engine API another way (a client bundle moved into the
 * stack config, a rotated certificate). Reads and deletes use the connection stored in state,
 * so a change is an update that stores the new one; it never replaces anything.
 */
export function connectionChanged(olds?: DockerConnection, news?: DockerConnection): boolean {
  const key = (c?: DockerConnection) =>
    JSON.stringify([c?.host ?? null, c?.ca ?? null, c?.cert ?? null, c?.key ?? null]);
  return key(olds) !== key(news);
}
