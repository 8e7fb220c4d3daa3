/**
 * The blog's step 9 per environment: an overlay network `ingress_<env>` in the environment's
 * collection, and the docker-demo stack `demo<env>` routed through that environment's
 * service cluster.
 */
import * as fs from "fs";
import * as path from "path";
import type * as pulumi from "@pulumi/pulumi";
import { all } from "@pulumi/pulumi/output";
import * as YAML from "yaml";
import {
  CONFIG_NAMESPACE,
  type ComposeTop,
  type DemoSettings,
  type EnvironmentSpec,
  parseApps,
  type Topology,
} from "../provider/config";
import { AppStack, type AppStackArgs, type ServiceSummary } from "../provider/swarm/appStack";
import { AppRoutes } from "../provider/swarm/appRoutes";
import type { InterlockConfig } from "../provider/interlock/interlockConfig";
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

/**
 * An app stack and the wait for its routes. The stack's services start during Interlock's
 * rollout; only the routes wait for it (AppRoutes). The services as exported are those of a
 * routed stack, so the smoke check after them asks an app Interlock already routes.
 */
function routedStack(
  name: string,
  args: Omit<AppStackArgs, "awaitRouting" | "connection">,
  interlock: InterlockConfig,
  connection: pulumi.Output<DockerConnection> | undefined,
  dependsOn: pulumi.Resource[],
): pulumi.Output<Record<string, ServiceSummary>> {
  const stack = new AppStack(name, { ...args, awaitRouting: false, connection }, { dependsOn });
  const routes = new AppRoutes(`${name}-routes`, {
    stack: args.stack,
    services: stack.services,
    interlockConfig: interlock.configName,
    connection,
  });
  return all([stack.services, routes.routes]).apply(([services]) => services);
}

export function deployDemo(
  demo: DemoSettings | undefined,
  topology: Topology,
  connection: pulumi.Output<DockerConnection> | undefined,
  interlock: InterlockConfig,
): Record<string, pulumi.Output<Record<string, ServiceSummary>>> | undefined {
  if (!demo) return undefined;
  const out: Record<string, pulumi.Output<Record<string, ServiceSummary>>> = {};
  for (const env of topology.environments.filter((e) => demo.environments.includes(e.name))) {
    const network = new OverlayNetwork(`ingress_${env.name}`, {
      name: `ingress_${env.name}`,
      labels: { "com.docker.ucp.access.label": env.collection },
      connection,
    });
    out[env.name] = routedStack(
      `demo${env.name}`,
      {
        stack: `demo${env.name}`,
        compose: demoCompose(env, demo),
        source: `${CONFIG_NAMESPACE}:demo (the demo's Compose file for ${env.name})`,
        clusters: topology.environments.map((e) => e.name),
        collection: env.collection,
      },
      interlock,
      connection,
      [network],
    );
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
  interlock: InterlockConfig,
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
    out[name] = routedStack(
      name,
      {
        stack: name,
        compose: fs.readFileSync(path.resolve(PROJECT_DIR, app.composeFile), "utf8"),
        configValues: configContents(path.resolve(PROJECT_DIR, app.composeFile), composes[name]),
        source: `${CONFIG_NAMESPACE}:apps.${name}.composeFile (${app.composeFile})`,
        clusters: topology.environments.map((e) => e.name),
        collection: env.collection,
        secretValues,
      },
      interlock,
      connection,
      [],
    );
  }
  return out;
}
