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

/** `interlock-ingress:demo`; absent means no demo. */
export function parseDemoSettings(raw: unknown, envs: EnvironmentSpec[]): DemoSettings | undefined {
  if (raw === undefined || raw === null) return undefined;
  const r = raw as Partial<DemoSettings>;
  const problems: string[] = [];
  const names = envs.map((e) => e.name);
  const environments = r.environments ?? names;
  for (const e of environments) {
    if (!names.includes(e))
      problems.push(
        `${CONFIG_NAMESPACE}:demo.environments: ${e} is not a configured environment (${names.join(", ")})`,
      );
  }
  if (problems.length) throw new TopologyError(problems);
  return {
    environments,
    image: r.image ?? "ehazlett/docker-demo",
    command: r.command,
    port: r.port ?? 8080,
    replicas: r.replicas ?? 2,
    hosts: r.hosts ?? {},
  };
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

/** Contents of a Compose file's non-external configs, read from their `file:` next to it. */
function configContents(composePath: string): Record<string, string> {
  const compose = (YAML.parse(fs.readFileSync(composePath, "utf8")) ?? {}) as {
    configs?: Record<string, { file?: string; external?: unknown }>;
  };
  const out: Record<string, string> = {};
  for (const [key, def] of Object.entries(compose.configs ?? {})) {
    const file = def?.file && path.resolve(path.dirname(composePath), def.file);
    if (file && fs.existsSync(file)) out[key] = fs.readFileSync(file, "utf8");
  }
  return out;
}

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
  for (const [name, app] of Object.entries(apps)) {
    if (!topology.environments.some((e) => e.name === app?.environment)) {
      problems.push(
        `${CONFIG_NAMESPACE}:apps.${name}.environment: ${JSON.stringify(app?.environment)} is not a configured environment`,
      );
    }
    if (
      typeof app?.composeFile !== "string" ||
      !fs.existsSync(path.resolve(PROJECT_DIR, app.composeFile))
    ) {
      problems.push(
        `${CONFIG_NAMESPACE}:apps.${name}.composeFile: ${JSON.stringify(app?.composeFile)} does not exist (paths are relative to the project)`,
      );
    }
  }
  if (problems.length) throw new TopologyError(problems);
  const out: Record<string, pulumi.Output<unknown>> = {};
  for (const [name, app] of Object.entries(apps)) {
    const env = topology.environments.find((e) => e.name === app.environment)!;
    const secretValues = Object.fromEntries(
      Object.entries(app.secrets ?? {}).map(([k, key]) => [k, config.requireSecret(key)]),
    );
    const stack = new AppStack(
      name,
      {
        stack: name,
        compose: fs.readFileSync(path.resolve(PROJECT_DIR, app.composeFile), "utf8"),
        configValues: configContents(path.resolve(PROJECT_DIR, app.composeFile)),
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
