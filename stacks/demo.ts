/**
 * The blog's step 9 per environment: an overlay network `ingress_<env>` in the environment's
 * collection, and the docker-demo stack `demo<env>` routed through that environment's
 * service cluster.
 */
import * as fs from "fs";
import * as path from "path";
import type * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";
import { CONFIG_NAMESPACE, EnvironmentSpec, Topology, TopologyError } from "../provider/topology";
import { AppStack } from "../provider/swarm/appStack";
import { OverlayNetwork } from "../provider/swarm/overlayNetwork";
import type { DockerConnection } from "../provider/docker/connection";
import { projectDir } from "./projectDir";

/** Where Pulumi.yaml is: Compose paths in stack config are relative to it. */
const PROJECT_DIR = projectDir(__dirname);

export interface DemoSettings {
  environments: string[];
  image: string;
  command?: string[];
  port: number;
  replicas: number;
  hosts: Record<string, string>;
}

const DEMO_KEYS = ["environments", "image", "command", "port", "replicas", "hosts"];

/** `interlock-ingress:demo`; absent means no demo. Every key is checked where it is set. */
export function parseDemoSettings(raw: unknown, envs: EnvironmentSpec[]): DemoSettings | undefined {
  if (raw === undefined || raw === null) return undefined;
  const at = (k: string) => `${CONFIG_NAMESPACE}:demo.${k}`;
  if (typeof raw !== "object" || Array.isArray(raw))
    throw new TopologyError([
      `${CONFIG_NAMESPACE}:demo: expected a table, e.g. {port: 8080, replicas: 2}`,
    ]);
  const r = { ...(raw as Record<string, unknown>) };
  const problems: string[] = [];
  for (const k of Object.keys(r)) {
    if (!DEMO_KEYS.includes(k))
      problems.push(`${at(k)}: unknown setting${didYouMean(k, DEMO_KEYS)}`);
  }
  const names = envs.map((e) => e.name);
  const environments = r.environments ?? names;
  if (!Array.isArray(environments) || !environments.every((e) => typeof e === "string"))
    problems.push(
      `${at("environments")}: expected a list of environment names (${names.join(", ")})`,
    );
  else
    for (const e of environments) {
      if (!names.includes(e))
        problems.push(
          `${at("environments")}: ${e} is not a configured environment (${names.join(", ")})`,
        );
    }
  if (r.image !== undefined && (typeof r.image !== "string" || !r.image))
    problems.push(`${at("image")}: expected an image reference, e.g. ehazlett/docker-demo`);
  if (
    r.command !== undefined &&
    (!Array.isArray(r.command) || !r.command.every((c) => typeof c === "string"))
  )
    problems.push(
      `${at("command")}: expected a list of strings, e.g. ["python", "-m", "http.server", "8080"]`,
    );
  // Hand-written YAML may quote a number ("8080"): read as the number it says.
  for (const k of ["port", "replicas"])
    if (typeof r[k] === "string" && /^\d+$/.test(r[k] as string)) r[k] = Number(r[k]);
  if (
    r.port !== undefined &&
    !(Number.isInteger(r.port) && (r.port as number) >= 1 && (r.port as number) <= 65535)
  )
    problems.push(
      `${at("port")}: ${JSON.stringify(r.port)} is not a port number (1-65535): the container port the proxy reaches`,
    );
  if (r.replicas !== undefined && !(Number.isInteger(r.replicas) && (r.replicas as number) >= 0))
    problems.push(
      `${at("replicas")}: expected a whole number of replicas, got ${JSON.stringify(r.replicas)}`,
    );
  if (r.hosts !== undefined) {
    if (typeof r.hosts !== "object" || r.hosts === null || Array.isArray(r.hosts))
      problems.push(
        `${at("hosts")}: expected a table of environment: host name, e.g. {dev: demo.dev.example.com}`,
      );
    else
      for (const [e, h] of Object.entries(r.hosts)) {
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
  if (problems.length) throw new TopologyError(problems);
  return {
    environments: environments as string[],
    image: (r.image as string) ?? "ehazlett/docker-demo",
    command: r.command as string[] | undefined,
    port: (r.port as number) ?? 8080,
    replicas: (r.replicas as number) ?? 2,
    hosts: (r.hosts as Record<string, string>) ?? {},
  };
}

const HOST = /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9][a-z0-9-]{0,61}[a-z0-9]$/i;

/** `; did you mean "x"?` for a key one edit or two from a known one. */
export function didYouMean(key: string, known: string[]): string {
  const { closest, distance } =
    require("fastest-levenshtein") as typeof import("fastest-levenshtein");
  const best = closest(key, known);
  return best && distance(key, best) <= 2
    ? `; did you mean ${best}?`
    : `; known: ${known.join(", ")}`;
}

/** The blog's docker-compose.yml for one environment. */
export function demoCompose(env: EnvironmentSpec, demo: DemoSettings): string {
  return YAML.stringify({
    version: "3.7",
    services: {
      demo: {
        image: demo.image,
        ...(demo.command ? { command: demo.command } : {}),
        deploy: {
          replicas: demo.replicas,
          labels: {
            "com.docker.lb.hosts": demo.hosts[env.name] ?? `demo.${env.name}.example.com`,
            "com.docker.lb.network": `ingress_${env.name}`,
            "com.docker.lb.port": String(demo.port),
            "com.docker.lb.service_cluster": env.name,
            "com.docker.ucp.access.label": env.collection,
          },
          // UCP schedules a collection's services on its nodes; say so for plain Swarm too.
          placement: {
            constraints: [`node.labels.com.docker.ucp.access.label==${env.collection}`],
          },
        },
        networks: [`ingress_${env.name}`],
      },
    },
    networks: { [`ingress_${env.name}`]: { external: true } },
  });
}

export function deployDemo(
  demo: DemoSettings | undefined,
  topology: Topology,
  connection: pulumi.Output<DockerConnection> | undefined,
  dependsOn: pulumi.Resource[],
): Record<string, pulumi.Output<unknown>> | undefined {
  if (!demo) return undefined;
  const out: Record<string, pulumi.Output<unknown>> = {};
  for (const env of topology.environments.filter((e) => demo.environments.includes(e.name))) {
    const network = new OverlayNetwork(`ingress_${env.name}`, {
      name: `ingress_${env.name}`,
      labels: { "com.docker.ucp.access.label": env.collection },
      connection,
    });
    const stack = new AppStack(
      `demo${env.name}`,
      {
        stack: `demo${env.name}`,
        compose: demoCompose(env, demo),
        source: `${CONFIG_NAMESPACE}:demo (the demo's Compose file for ${env.name})`,
        clusters: topology.environments.map((e) => e.name),
        collection: env.collection,
        connection,
      },
      { dependsOn: [...dependsOn, network] },
    );
    out[env.name] = stack.services;
  }
  return out;
}

/** One entry of `interlock-ingress:apps`: a Compose file deployed as a stack in an environment. */
export interface AppSettings {
  environment: string;
  /** Path of the Compose file, relative to the project. */
  composeFile: string;
  /** Compose secret name → name of a secret stack config key holding its value (TLS material). */
  secrets?: Record<string, string>;
}

type ComposeTop = {
  configs?: Record<string, { file?: string; external?: unknown } | null>;
  secrets?: Record<string, { external?: unknown } | null>;
};

/** The Compose file's YAML, or the problem naming the stack-config key, the file and the line. */
function readCompose(
  key: string,
  file: string,
  shown: string,
): { compose?: ComposeTop; problem?: string } {
  const doc = YAML.parseDocument(fs.readFileSync(file, "utf8"));
  if (doc.errors.length) {
    const e = doc.errors[0];
    const line = e.linePos?.[0] ? `line ${e.linePos[0].line}: ` : "";
    return {
      problem: `${key} (${shown}): ${line}${e.message.split("\n")[0]}; fix the Compose file`,
    };
  }
  const compose = doc.toJS() as unknown;
  if (!compose || typeof compose !== "object" || Array.isArray(compose))
    return { problem: `${key} (${shown}): not a Compose file (expected a table with services)` };
  return { compose: compose as ComposeTop };
}

/** Contents of a Compose file's non-external configs, read from their `file:` next to it. */
function configContents(composePath: string, compose: ComposeTop): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, def] of Object.entries(compose.configs ?? {})) {
    const file = def?.file && path.resolve(path.dirname(composePath), def.file);
    if (file && fs.existsSync(file)) out[key] = fs.readFileSync(file, "utf8");
  }
  return out;
}

const APP_KEYS = ["environment", "composeFile", "secrets"];

/** Deploys `interlock-ingress:apps`: each a Swarm stack named after its key. */
export function deployApps(
  raw: unknown,
  topology: Topology,
  config: pulumi.Config,
  connection: pulumi.Output<DockerConnection> | undefined,
  dependsOn: pulumi.Resource[],
): Record<string, pulumi.Output<unknown>> | undefined {
  if (raw === undefined || raw === null) return undefined;
  const apps = raw as Record<string, AppSettings>;
  const problems: string[] = [];
  const composes: Record<string, ComposeTop> = {};
  for (const [name, app] of Object.entries(apps)) {
    const at = `${CONFIG_NAMESPACE}:apps.${name}`;
    if (!app || typeof app !== "object" || Array.isArray(app)) {
      problems.push(`${at}: expected a table, e.g. {environment: dev, composeFile: apps/web.yml}`);
      continue;
    }
    for (const k of Object.keys(app))
      if (!APP_KEYS.includes(k))
        problems.push(`${at}.${k}: unknown setting${didYouMean(k, APP_KEYS)}`);
    if (!topology.environments.some((e) => e.name === app.environment)) {
      problems.push(
        `${at}.environment: ${JSON.stringify(app.environment)} is not a configured environment (${topology.environments.map((e) => e.name).join(", ")})`,
      );
    }
    const file = typeof app.composeFile === "string" && path.resolve(PROJECT_DIR, app.composeFile);
    if (!file || !fs.existsSync(file)) {
      problems.push(
        `${at}.composeFile: ${JSON.stringify(app.composeFile)} does not exist (paths are relative to the project)`,
      );
      continue;
    }
    const read = readCompose(`${at}.composeFile`, file, app.composeFile);
    if (read.problem) {
      problems.push(read.problem);
      continue;
    }
    composes[name] = read.compose!;
    const mapped = app.secrets ?? {};
    for (const [secret, def] of Object.entries(read.compose!.secrets ?? {})) {
      if (!def?.external && mapped[secret] === undefined)
        problems.push(
          `${at}.secrets.${secret}: the Compose file's secret ${secret} has no value; map it to a secret stack config key ` +
            `(apps.${name}.secrets: {${secret}: <key>}) and set that key with pulumi config set --secret <key> < file`,
        );
    }
    for (const secret of Object.keys(mapped)) {
      if (!(secret in (read.compose!.secrets ?? {})))
        problems.push(
          `${at}.secrets.${secret}: the Compose file declares no secret ${secret} (it declares: ${Object.keys(read.compose!.secrets ?? {}).join(", ") || "none"})`,
        );
    }
  }
  if (problems.length) throw new TopologyError(problems);
  const out: Record<string, pulumi.Output<unknown>> = {};
  for (const [name, app] of Object.entries(apps)) {
    const env = topology.environments.find((e) => e.name === app.environment)!;
    const secretValues = Object.fromEntries(
      // A mapping may name the key with or without the project's namespace.
      Object.entries(app.secrets ?? {}).map(([k, key]) => [
        k,
        config.requireSecret(key.replace(new RegExp(`^${CONFIG_NAMESPACE}:`), "")),
      ]),
    );
    const stack = new AppStack(
      name,
      {
        stack: name,
        compose: fs.readFileSync(path.resolve(PROJECT_DIR, app.composeFile), "utf8"),
        configValues: configContents(path.resolve(PROJECT_DIR, app.composeFile), composes[name]),
        source: `${CONFIG_NAMESPACE}:apps.${name}.composeFile (${app.composeFile})`,
        clusters: topology.environments.map((e) => e.name),
        collection: env.collection,
        secretValues,
        connection,
      },
      { dependsOn },
    );
    out[name] = stack.services;
  }
  return out;
}
