import type Dockerode from "dockerode";

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
  const raw = req.config.get("interlock-ingress:docker");
  (globalThis as Record<string, unknown>)[STACK_CONNECTION] = {
    conn: raw ? (JSON.parse(raw) as DockerConnection) : undefined,
  };
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

const CONNECTION_KEYS = ["host", "ca", "cert", "key"];

/**
 * Problems of `interlock-ingress:docker` as the stack config gives it, each naming the key
 * and the fix; never a PEM value.
 */
export function connectionProblems(raw: unknown): string[] {
  const at = "interlock-ingress:docker";
  if (raw === undefined || raw === null) return [];
  if (typeof raw !== "object" || Array.isArray(raw))
    return [
      `${at}: expected a table {host, ca, cert, key} (the client bundle's env.sh and PEM files)`,
    ];
  const problems: string[] = [];
  for (const [k, v] of Object.entries(raw)) {
    if (!CONNECTION_KEYS.includes(k)) {
      problems.push(`${at}.${k}: unknown setting; known: ${CONNECTION_KEYS.join(", ")}`);
    } else if (typeof v !== "string") {
      problems.push(`${at}.${k}: expected a string`);
    } else if (k === "host") {
      const problem = hostProblem(v);
      if (problem) problems.push(`${at}.host: ${problem}`);
    } else if (!v.includes("-----BEGIN ")) {
      problems.push(
        `${at}.${k}: not PEM text; set it from the client bundle's ${k}.pem: pulumi config set --secret --path '${at}.${k}' < ${k}.pem`,
      );
    }
  }
  return problems;
}

/** Why `host` is not an Engine API address, if it is not. */
function hostProblem(host: string): string | undefined {
  let url: URL;
  try {
    url = new URL(host);
  } catch {
    url = new URL("invalid:");
  }
  if (["tcp:", "unix:", "http:", "https:"].includes(url.protocol) && (url.hostname || url.pathname))
    return undefined;
  // A PEM pasted into the wrong key must not be printed.
  const shown =
    host.length <= 200 && !/[\r\n]|-----BEGIN/.test(host)
      ? JSON.stringify(host)
      : `the value (${host.length} characters, not shown)`;
  return (
    `${shown} is not an Engine API address; use the DOCKER_HOST of the client bundle's env.sh, ` +
    `e.g. tcp://ucp.example.com:443, or unix:///var/run/docker.sock`
  );
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
