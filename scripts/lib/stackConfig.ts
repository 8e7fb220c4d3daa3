/** A stack's config as committed in Pulumi.<stack>.yaml, read without the engine. */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { parseTopology, Topology, CONFIG_NAMESPACE } from "../../provider/topology";
import { REPO } from "./workspace";

export function readStackTopology(stack: string): Topology {
  const file = path.join(REPO, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(file)) throw new Error(`no stack file ${file}`);
  const config =
    ((YAML.parse(fs.readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> })
      .config ?? {};
  return parseTopology({
    environments: config[`${CONFIG_NAMESPACE}:environments`],
    interlock: config[`${CONFIG_NAMESPACE}:interlock`],
  });
}
