/**
 * The blog's step 9 per environment: an overlay network `ingress_<env>` in the environment's
 * collection, and the docker-demo stack `demo<env>` routed through that environment's
 * service cluster.
 */
import * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";
import { AppStack } from "../provider/swarm/appStack";
import { OverlayNetwork } from "../provider/swarm/overlayNetwork";
import type { DockerConnection } from "../provider/docker/connection";
import { CONFIG_NAMESPACE, EnvironmentSpec, Topology, TopologyError } from "../provider/topology";

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
    if (!names.includes(e)) problems.push(`${CONFIG_NAMESPACE}:demo.environments: ${e} is not a configured environment (${names.join(", ")})`);
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
          placement: { constraints: [`node.labels.com.docker.ucp.access.label==${env.collection}`] },
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
