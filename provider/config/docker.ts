/**
 * `interlock-ingress:docker`: where the Swarm's Engine API is (provider/docker/connection.ts
 * opens it). Checked without printing a value: the PEM fields are secrets.
 */
import { isRecord } from "./predicates";

const CONNECTION_KEYS = ["host", "ca", "cert", "key"];

/**
 * Problems of `interlock-ingress:docker` as the stack config gives it, each naming the key
 * and the fix; never a PEM value.
 */
export function connectionProblems(raw: unknown): string[] {
  const at = "interlock-ingress:docker";
  if (raw === undefined || raw === null) return [];
  if (!isRecord(raw))
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

/**
 * Problems of the key's raw text as the engine hands it to the program (JSON for a table),
 * read without Config's getter, which warns that a secret is read in plain.
 */
export function dockerConfigProblems(raw: string | undefined): string[] {
  if (raw === undefined) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    parsed = raw;
  }
  return connectionProblems(parsed);
}

/** Why `host` is not an Engine API address, if it is not. */
export function hostProblem(host: string): string | undefined {
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
