/**
 * What planning a stack's sections reads from the cluster: the preview (InterlockConfig's check)
 * and `npm run render` read it alike, so render prints what check would plan.
 */
import type Dockerode from "dockerode";
import type { DockerConnection } from "../docker/connection";
import { listNodes } from "../docker/swarm";
import type { NodeView } from "./constraints";
import { ConfigObject, listCoreConfigs, LiveConfig, readLiveConfig, toNodeView } from "./live";
import { ownersOf } from "./owners";
import type { Owners } from "./plan";
import type { Template } from "./render";
import { readSavedTemplate } from "./templateStore";

/** The live state a plan starts from. */
export interface PlanContext {
  live: LiveConfig;
  /** Every version of the core config, oldest first. */
  configs: ConfigObject[];
  /** As the live config records them, else as the newest recorded version does. */
  owners: Owners;
  nodes: NodeView[];
  /** The copy of UCP's template saved by the first stack that replaced it. */
  savedTemplate?: Template;
  /** The image `ucp-interlock` runs: its tag is MKE's release. */
  coreImage?: string;
}

/**
 * Reads the live config, its versions, the nodes and the saved `template`. `connection` only
 * names the endpoint in an unreachable cluster's message.
 */
export async function readPlanContext(
  docker: Dockerode,
  template: string,
  connection?: DockerConnection,
): Promise<PlanContext> {
  const live = await readLiveConfig(docker);
  const configs = await listCoreConfigs(docker);
  const owners = ownersOf(live, configs);
  const nodes = (await listNodes(docker, connection)).map(toNodeView);
  const savedTemplate = await readSavedTemplate(docker, template);
  const coreImage = live.service.Spec.TaskTemplate.ContainerSpec.Image as string | undefined;
  return { live, configs, owners, nodes, savedTemplate, coreImage };
}
