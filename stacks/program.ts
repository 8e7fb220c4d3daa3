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
import { RunError } from "@pulumi/pulumi/errors";
import * as log from "@pulumi/pulumi/log";
import { getStack } from "@pulumi/pulumi/metadata";
import {
  CONFIG_NAMESPACE,
  parseTopology,
  SERVICE_CLUSTER_LABEL,
  TopologyError,
} from "../provider/topology";
import { NodeLabels } from "../provider/swarm/nodeLabels";
import { InterlockConfig } from "../provider/interlock/interlockConfig";
import { parseAwsSettings } from "../provider/aws/settings";
import { connectionProblems, type DockerConnection } from "../provider/docker/connection";
import { deployApps, deployDemo, didYouMean, parseDemoSettings } from "./demo";

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
    if (!(err instanceof TopologyError)) throw err;
    await Promise.all(err.problems.map((problem) => log.error(problem)));
    throw new RunError(
      `the stack config has ${err.problems.length} problem(s), listed above; nothing was changed`,
    );
  }
}

/** The stack config keys of this project the program reads. */
const KNOWN_KEYS = ["environments", "interlock", "aws", "demo", "apps", "docker"];

/**
 * Keys of the project's namespace that nothing reads (a misspelled `environment` would
 * otherwise read as "no environment is configured"), and a malformed connection. Secret
 * stack-config keys that apps map their Compose secrets to are read, so they count as known.
 */
function stackConfigProblems(config: Config): string[] {
  const runtimeConfig =
    require("@pulumi/pulumi/runtime/config") as typeof import("@pulumi/pulumi/runtime/config");
  const apps = (config.getObject<Record<string, { secrets?: Record<string, string> }>>("apps") ??
    {}) as Record<string, { secrets?: Record<string, string> } | null>;
  const mapped = Object.values(apps).flatMap((a) =>
    a && typeof a.secrets === "object" ? Object.values(a.secrets ?? {}) : [],
  );
  const problems: string[] = [];
  for (const full of Object.keys(runtimeConfig.allConfig())) {
    if (!full.startsWith(`${CONFIG_NAMESPACE}:`)) continue;
    const key = full.slice(CONFIG_NAMESPACE.length + 1);
    if (KNOWN_KEYS.includes(key) || mapped.includes(key) || mapped.includes(full)) continue;
    problems.push(`${full}: unknown setting${didYouMean(key, KNOWN_KEYS)}`);
  }
  // The raw value, not Config's getter, which warns that a secret is read in plain: only
  // `host` is looked at, and no value is printed.
  const raw = runtimeConfig.getConfig(`${CONFIG_NAMESPACE}:docker`);
  if (raw !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      parsed = raw;
    }
    problems.push(...connectionProblems(parsed));
  }
  return problems;
}

async function program(): Promise<Record<string, unknown>> {
  const config = new Config(CONFIG_NAMESPACE);
  const configProblems = stackConfigProblems(config);
  if (configProblems.length) throw new TopologyError(configProblems);
  const topology = parseTopology({
    environments: config.getObject("environments"),
    interlock: config.getObject("interlock"),
  });
  const awsSettings = parseAwsSettings(config.getObject("aws"), topology.environments);
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

  const demo = parseDemoSettings(config.getObject("demo"), topology.environments);
  const demos = deployDemo(demo, topology, docker, [interlock]);
  const apps = deployApps(config.getObject("apps"), topology, config, docker, [interlock]);

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
  };
  return Object.fromEntries(Object.entries(outputs).filter(([, v]) => v !== undefined));
}
