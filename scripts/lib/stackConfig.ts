/** A stack's config as committed in Pulumi.<stack>.yaml, read without the engine. */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { parseTopology, Topology, CONFIG_NAMESPACE } from "../../provider/config";
import { REPO } from "./workspace";

/**
 * The `config` of Pulumi.<stack>.yaml. A YAML error is named with the file and line (the
 * engine's own message for it is "could not create secrets manager").
 */
export function readStackFile(stack: string): Record<string, unknown> {
  const file = path.join(REPO, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(file)) throw new Error(`no stack file ${file}`);
  const doc = YAML.parseDocument(fs.readFileSync(file, "utf8"));
  if (doc.errors.length) {
    const e = doc.errors[0];
    const line = e.linePos?.[0] ? ` line ${e.linePos[0].line}` : "";
    throw new Error(
      `${path.basename(file)}${line}: ${e.message.split("\n")[0]}; fix the stack file (YAML)`,
    );
  }
  return ((doc.toJS() ?? {}) as { config?: Record<string, unknown> }).config ?? {};
}

/** What `npm run render` reads of a stack file, which it reads once. */
export interface StackSettings {
  topology: Topology;
  /**
   * The Docker host the stack file names in plain text (the lab stacks name the lab's socket);
   * undefined when it names none or keeps its connection as a secret (a client bundle), which
   * only the engine can decrypt.
   */
  dockerHost?: string;
}

export function readStackSettings(stack: string): StackSettings {
  const config = readStackFile(stack);
  const docker = config[`${CONFIG_NAMESPACE}:docker`] as { host?: unknown } | undefined;
  return {
    topology: topologyOf(config),
    dockerHost: typeof docker?.host === "string" ? docker.host : undefined,
  };
}

function topologyOf(config: Record<string, unknown>): Topology {
  return parseTopology({
    environments: config[`${CONFIG_NAMESPACE}:environments`],
    interlock: config[`${CONFIG_NAMESPACE}:interlock`],
  });
}

export function readStackTopology(stack: string): Topology {
  return topologyOf(readStackFile(stack));
}
