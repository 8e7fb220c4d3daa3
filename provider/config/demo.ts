/** `interlock-ingress:demo`: the blog's docker-demo stack, per environment. */
import { configKey, StackConfigError, throwIfAny } from "./errors";
import { isPort, isRecord, isStringList, isWholeIn } from "./predicates";
import { didYouMean, WITHIN_TWO } from "./didYouMean";
import type { EnvironmentSpec } from "./environments";

export interface DemoSettings {
  environments: string[];
  image: string;
  command?: string[];
  port: number;
  replicas: number;
  hosts: Record<string, string>;
}

const DEMO_KEYS = ["environments", "image", "command", "port", "replicas", "hosts"];

const HOST = /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9][a-z0-9-]{0,61}[a-z0-9]$/i;

/** `interlock-ingress:demo.<k>`. */
const at = (k: string) => configKey(`demo.${k}`);

/** `interlock-ingress:demo`; absent means no demo. Every key is checked where it is set. */
export function parseDemoSettings(raw: unknown, envs: EnvironmentSpec[]): DemoSettings | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!isRecord(raw))
    throw new StackConfigError([
      `${configKey("demo")}: expected a table, e.g. {port: 8080, replicas: 2}`,
    ]);
  const r = { ...raw };
  // Hand-written YAML may quote a number ("8080"): read as the number it says.
  for (const k of ["port", "replicas"])
    if (typeof r[k] === "string" && /^\d+$/.test(r[k] as string)) r[k] = Number(r[k]);
  const names = envs.map((e) => e.name);
  const environments = r.environments ?? names;
  const problems: string[] = [];
  for (const k of Object.keys(r)) {
    if (!DEMO_KEYS.includes(k))
      problems.push(`${at(k)}: unknown setting${didYouMean(k, DEMO_KEYS, WITHIN_TWO)}`);
  }
  checkEnvironments(environments, names, problems);
  checkValues(r, problems);
  if (r.hosts !== undefined) checkHosts(r.hosts, names, problems);
  throwIfAny(problems);
  return {
    environments: environments as string[],
    image: (r.image as string) ?? "ehazlett/docker-demo",
    command: r.command as string[] | undefined,
    port: (r.port as number) ?? 8080,
    replicas: (r.replicas as number) ?? 2,
    hosts: (r.hosts as Record<string, string>) ?? {},
  };
}

/** `image`, `command`, `port` and `replicas`, where they are set. */
function checkValues(r: Record<string, unknown>, problems: string[]): void {
  if (r.image !== undefined && (typeof r.image !== "string" || !r.image))
    problems.push(`${at("image")}: expected an image reference, e.g. ehazlett/docker-demo`);
  if (r.command !== undefined && !isStringList(r.command, () => true))
    problems.push(
      `${at("command")}: expected a list of strings, e.g. ["python", "-m", "http.server", "8080"]`,
    );
  if (r.port !== undefined && !isPort(r.port))
    problems.push(
      `${at("port")}: ${JSON.stringify(r.port)} is not a port number (1-65535): the container port the proxy reaches`,
    );
  if (r.replicas !== undefined && !isWholeIn(r.replicas, 0))
    problems.push(
      `${at("replicas")}: expected a whole number of replicas, got ${JSON.stringify(r.replicas)}`,
    );
}

/** `environments`: names of configured environments. */
function checkEnvironments(environments: unknown, names: string[], problems: string[]): void {
  if (!isStringList(environments, () => true)) {
    problems.push(
      `${at("environments")}: expected a list of environment names (${names.join(", ")})`,
    );
    return;
  }
  for (const e of environments) {
    if (!names.includes(e))
      problems.push(
        `${at("environments")}: ${e} is not a configured environment (${names.join(", ")})`,
      );
  }
}

/** `hosts`: a host name per configured environment. */
function checkHosts(hosts: unknown, names: string[], problems: string[]): void {
  if (!isRecord(hosts)) {
    problems.push(
      `${at("hosts")}: expected a table of environment: host name, e.g. {dev: demo.dev.example.com}`,
    );
    return;
  }
  for (const [e, h] of Object.entries(hosts)) {
    if (!names.includes(e))
      problems.push(
        `${at(`hosts.${e}`)}: ${e} is not a configured environment (${names.join(", ")})`,
      );
    if (typeof h !== "string" || !HOST.test(h))
      problems.push(
        `${at(`hosts.${e}`)}: ${JSON.stringify(h)} is not a host name (no scheme, port or path); e.g. demo.${e}.example.com`,
      );
  }
}
