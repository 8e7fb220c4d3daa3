/**
 * The Pulumi program: the blog's steps 1-8 per environment from one typed stack config,
 * and the AWS edge when the stack configures one. A function, so the unit tests can run it
 * under Pulumi's mocks; stacks/index.ts runs it for the engine.
 */
// Pulumi's modules one by one: its index also loads the closure serializer, the TypeScript
// compiler and the Automation API (~0.3 s of every program run), which the program does not
// use (provider/util/dynamicResource.ts). Likewise ../provider module by module: the AWS edge
// (and @pulumi/aws, a tenth of a second to load) is loaded only by a stack that configures one.
import { Config } from "@pulumi/pulumi/config";
import { programError } from "./programError";
import * as log from "@pulumi/pulumi/log";
import { getStack } from "@pulumi/pulumi/metadata";
import {
  CONFIG_NAMESPACE,
  parseAwsSettings,
  parseDemoSettings,
  parseSmokeSettings,
  parseTopology,
  SERVICE_CLUSTER_LABEL,
  StackConfigError,
  stackConfigProblems,
} from "../provider/config";
import { NodeLabels } from "../provider/swarm/nodeLabels";
import { InterlockConfig } from "../provider/interlock/interlockConfig";
import type { DockerConnection } from "../provider/docker/connection";
import { deployApps, deployDemo } from "./demo";
import { smokeCheck } from "./smoke";

/**
 * The program. Stack-config problems are engine errors, one diagnostic per problem naming the
 * key and the fix, with no stack trace. The run then fails with a RunError, so the engine
 * changes and deletes nothing (a program that returned normally would have its unregistered
 * resources planned for deletion).
 */
export async function ingressProgram(): Promise<Record<string, unknown>> {
  try {
    return await program();
  } catch (err) {
    if (!(err instanceof StackConfigError)) throw err;
    await Promise.all(err.problems.map((problem) => log.error(problem)));
    throw programError(
      `the stack config has ${err.problems.length} problem(s), listed above; nothing was changed`,
    );
  }
}

async function program(): Promise<Record<string, unknown>> {
  const config = new Config(CONFIG_NAMESPACE);
  const configProblems = stackConfigProblems(config);
  if (configProblems.length) throw new StackConfigError(configProblems);
  const topology = parseTopology({
    environments: config.getObject("environments"),
    interlock: config.getObject("interlock"),
  });
  const awsSettings = parseAwsSettings(config.getObject("aws"), topology.environments);
  const smokeSettings = parseSmokeSettings(config.getObject("smoke"), topology.environments);
  const demo = parseDemoSettings(config.getObject("demo"), topology.environments);
  const docker = config.getSecretObject<DockerConnection>("docker");

  const nodeLabels: Record<string, NodeLabels[]> = {};
  for (const env of topology.environments) {
    // Named by hostname, so reordering ingressNodes changes nothing; the alias adopts the
    // index-keyed names of earlier versions.
    nodeLabels[env.name] = env.ingressNodes.map(
      (node, i) =>
        new NodeLabels(
          `${env.name}-ingress-${node}`,
          {
            node,
            labels: { [SERVICE_CLUSTER_LABEL]: env.name },
            expectedCollection: env.collection,
            workersOnly: topology.interlock.workersOnly,
            source: `${CONFIG_NAMESPACE}:environments.${env.name}.ingressNodes[${i}]`,
            ownValues: topology.environments.map((e) => e.name),
            connection: docker,
          },
          { aliases: [{ name: `${env.name}-ingress-${i}` }] },
        ),
    );
  }

  const interlock = new InterlockConfig(
    "interlock",
    {
      stack: getStack(),
      environments: topology.environments,
      settings: topology.interlock,
      connection: docker,
    },
    { dependsOn: Object.values(nodeLabels).flat() },
  );

  // The lab configures no AWS edge, so it registers no AWS resource and needs no AWS plugin.
  const edge = awsSettings
    ? new (await import("../provider/aws/ingressEdge")).IngressEdge("edge", {
        environments: topology.environments,
        settings: awsSettings,
        stack: getStack(),
      })
    : undefined;

  const demos = deployDemo(demo, topology, docker, interlock);
  const apps = deployApps(config.getObject("apps"), topology, config, docker, interlock);
  const smoke = smokeCheck(smokeSettings, topology.environments, {
    ...Object.fromEntries(Object.entries(demos ?? {}).map(([env, s]) => [`demo${env}`, s])),
    ...apps,
  });

  // Absent parts (no apps, no demo, no AWS edge) are left out rather than exported as undefined.
  const outputs: Record<string, unknown> = {
    apps,
    demo: demos,
    edge: edge?.environments,
    ingressNodes: Object.fromEntries(
      Object.entries(nodeLabels).map(([env, labels]) => [env, labels.map((l) => l.hostname)]),
    ),
    interlockConfig: interlock.configName,
    clusters: interlock.clusters,
    smoke,
  };
  return Object.fromEntries(Object.entries(outputs).filter(([, v]) => v !== undefined));
}
