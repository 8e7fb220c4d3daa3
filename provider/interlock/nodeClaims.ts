/**
 * Whose ingress node a node is. A node's `com.docker.interlock.service.cluster` label puts
 * it in one section's proxy placement; a stack that relabels a node another section's
 * proxies run on leaves that section's proxies Pending. So the labels this stack would
 * change are judged here, at preview, against the owners recorded on the config: another
 * stack's node, or the node of a live section no stack owns, is refused; a label naming no
 * section any more is stale and only said. Released stacks are left out of `owners` first.
 */
import { EnvironmentSpec, SERVICE_CLUSTER_LABEL } from "../config/environments";
import { CONFIG_NAMESPACE } from "../config/errors";
import { NodeView } from "./constraints";
import { Owners, ownedBy, ownerOf } from "./plan";
import { sectionNames } from "./fold";
import { Problem } from "./render";
import { CoreConfig } from "./schema";

/** What the claim check reads: the stack's environments and what is live. */
export interface NodeClaimInput {
  stack: string;
  environments: EnvironmentSpec[];
  owners: Owners;
  live: CoreConfig;
  nodes: NodeView[];
  /** Sections this stack wrote before (its state): a node of one it is giving up is its own. */
  previous?: string[];
}

const RELEASE = `${CONFIG_NAMESPACE}:interlock.release`;

/** One problem per ingress node whose label now names another section. */
export function nodeClaimProblems(input: NodeClaimInput): Problem[] {
  // Its own environments, and the sections it owns or wrote, even one it removes in this run
  // (an environment renamed or dropped on the same node).
  const mine = new Set([
    ...input.environments.map((e) => e.name),
    ...ownedBy(input.owners, input.stack),
    ...(input.previous ?? []),
  ]);
  // Every section Interlock reads, under any root spelling (`[extensions.prod]` too).
  const sections = new Set(sectionNames(input.live));
  const problems: Problem[] = [];
  for (const env of input.environments) {
    env.ingressNodes.forEach((ref, i) => {
      const node = input.nodes.find((n) => n.hostname === ref || n.id === ref);
      const current = node?.labels[SERVICE_CLUSTER_LABEL];
      if (!node || current === undefined || current === env.name || mine.has(current)) return;
      const at = `${CONFIG_NAMESPACE}:environments.${env.name}.ingressNodes[${i}]`;
      const carries = `node "${ref}" is the ingress node of environment ${current} (${SERVICE_CLUSTER_LABEL}=${current})`;
      const owner = ownerOf(input.owners, current, input.stack);
      if (owner) {
        problems.push({
          severity: "error",
          message:
            `${at}: ${carries}, whose section stack "${owner}" owns; relabelling it would leave ${current}'s proxies without a node. ` +
            `Pick another node, or take it out of stack "${owner}" first (${CONFIG_NAMESPACE}:environments.${current}.ingressNodes); ` +
            `if stack "${owner}" is gone, set ${RELEASE}: ["${owner}"] and declare environment ${current} in this stack (which then adopts its section and node)`,
        });
      } else if (sections.has(current)) {
        problems.push({
          severity: "error",
          message:
            `${at}: ${carries}, whose section [Extensions.${current}] is live and owned by no stack; relabelling it would leave ${current}'s proxies without a node. ` +
            `Pick another node, or, if ${current} no longer needs it, remove the label by hand (docker node update --label-rm ${SERVICE_CLUSTER_LABEL} ${ref})`,
        });
      } else {
        problems.push({
          severity: "warning",
          message: `${at}: node "${ref}" carries ${SERVICE_CLUSTER_LABEL}=${current}, a section that is gone; it is relabelled for ${env.name}, and ${current} is put back when this stack no longer labels the node`,
        });
      }
    });
  }
  return problems;
}
