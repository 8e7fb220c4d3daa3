/**
 * The blog's step 9 per environment: an overlay network `ingress_<env>` in the environment's
 * collection, and the docker-demo stack `demo<env>` routed through that environment's
 * service cluster.
 */
import * as fs from "fs";
import * as path from "path";
import type * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";
import {
  CONFIG_NAMESPACE,
  type ComposeTop,
  type DemoSettings,
  type EnvironmentSpec,
  parseApps,
  type Topology,
} from "../provider/config";
import { AppStack, type ServiceSummary } from "../provider/swarm/appStack";
import { OverlayNetwork } from "../provider/swarm/overlayNetwork";
import type { DockerConnection } from "../provider/docker/connection";
import { projectDir } from "./projectDir";

/** Where Pulumi.yaml is: Compose paths in stack config are relative to it. */
const PROJECT_DIR = projectDir(__dirname);

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
): Record<string, pulumi.Output<Record<string, ServiceSummary>>> | undefined {
  if (!demo) return undefined;
  const out: Record<string, pulumi.Output<Record<string, ServiceSummary>>> = {};
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

/** Contents of a Compose file's non-external configs, read from their `file:` next to it. */
function configContents(composePath: string, compose: ComposeTop): Record<string, string> {
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
): Record<string, pulumi.Output<Record<string, ServiceSummary>>> | undefined {
  const parsed = parseApps(raw, topology.environments, PROJECT_DIR);
  if (!parsed) return undefined;
  const { apps, composes } = parsed;
  const out: Record<string, pulumi.Output<Record<string, ServiceSummary>>> = {};
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
