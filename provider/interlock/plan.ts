/**
 * What a stack would write: its rendered sections merged over the live config, and every
 * problem with the result. Shared by the resource's check (preview) and `npm run render`.
 */
import { EnvironmentSpec, InterlockSettings, SERVICE_CLUSTER_LABEL } from "../topology";
import { NodeView } from "./constraints";
import { mergeConfig, renderSections, resolveTemplate } from "./render";
import { CoreConfig, ExtensionSection } from "./schema";
import { validateCoreConfig } from "./validate";

export interface PlanInput {
  live: CoreConfig;
  environments: EnvironmentSpec[];
  settings: InterlockSettings;
  /** Sections the stack owned last time (dropped when no longer declared). */
  previousSections?: Record<string, ExtensionSection>;
  /** The template copy kept from last time. */
  previousTemplate?: ExtensionSection;
  /** Name of the live config object, for messages. */
  liveName?: string;
  /** Live nodes, for placement checks; omitted when the cluster is not reachable. */
  nodes?: NodeView[];
}

export interface Plan {
  template?: ExtensionSection;
  sections: Record<string, ExtensionSection>;
  remove: string[];
  merged: CoreConfig;
  problems: string[];
}

/** Sections to drop: the template when replaced, and sections the stack no longer owns. */
export function sectionsToRemove(
  owned: string[],
  settings: InterlockSettings,
  previous?: Record<string, ExtensionSection>,
): string[] {
  const out = Object.keys(previous ?? {}).filter((s) => !owned.includes(s));
  if (settings.replaceTemplate && !owned.includes(settings.template)) out.push(settings.template);
  return out;
}

/** Nodes as they will be once the stack's own node labels are applied. */
export function withPlannedLabels(nodes: NodeView[], envs: EnvironmentSpec[]): NodeView[] {
  const out = nodes.map((n) => ({ ...n, labels: { ...n.labels } }));
  for (const env of envs) {
    for (const host of env.ingressNodes) {
      const node = out.find((n) => n.hostname === host || n.id === host);
      if (node) node.labels[SERVICE_CLUSTER_LABEL] = env.name;
    }
  }
  return out;
}

export function planConfig(input: PlanInput): Plan {
  const template = resolveTemplate(input.live, input.settings.template, input.previousTemplate);
  if (!template) {
    return {
      sections: {},
      remove: [],
      merged: input.live,
      problems: [
        `interlock-ingress:interlock.template: section [Extensions.${input.settings.template}] is not in the live config${input.liveName ? ` ${input.liveName}` : ""}; ` +
          `set it to one of: ${Object.keys(input.live.Extensions ?? {}).join(", ") || "(none)"}`,
      ],
    };
  }
  const sections = renderSections(input.environments, template);
  const owned = Object.keys(sections);
  const remove = sectionsToRemove(owned, input.settings, input.previousSections);
  const merged = mergeConfig(input.live, sections, remove);
  const nodes = input.nodes && withPlannedLabels(input.nodes, input.environments);
  return { template, sections, remove, merged, problems: validateCoreConfig(merged, { owned, nodes }) };
}
