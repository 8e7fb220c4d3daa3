/**
 * What a stack would write: its rendered sections merged over the live config, which
 * sections it may remove, and every problem with the result. Shared by the resource's check
 * (preview), its rollout (merged again into whatever is live then) and `npm run render`.
 *
 * Rules for many owners (one stack per environment on one cluster):
 * - the template is read from the live config, else from the copy saved on the cluster the
 *   first time a stack replaced it (`interlock-ingress.template.<name>`), else from the copy
 *   in this stack's state; a section another stack owns is never a template;
 * - a stack removes only sections it owned before and no longer declares, and its template
 *   when `replaceTemplate` is set; never a section another stack owns.
 */
import {
  CONFIG_NAMESPACE,
  EnvironmentSpec,
  InterlockSettings,
  SERVICE_CLUSTER_LABEL,
} from "../topology";
import { NodeView } from "./constraints";
import { error, mergeConfig, Problem, renderSections, Template, warning } from "./render";
import { CoreConfig, ExtensionSection } from "./schema";
import { validateCoreConfig } from "./validate";

/** Which stack owns which sections, as recorded on the config objects. */
export type Owners = Record<string, string[]>;

/** Everything a plan reads: the live config, its owners, the stack's settings and state. */
export interface PlanInput {
  live: CoreConfig;
  /** This stack's name, as recorded in the owners label. */
  stack: string;
  owners: Owners;
  environments: EnvironmentSpec[];
  settings: InterlockSettings;
  /** Sections the stack owned last time (dropped when no longer declared). */
  previousSections?: Record<string, ExtensionSection>;
  /** The template copy kept in this stack's state. */
  previousTemplate?: ExtensionSection;
  /** The template copy saved on the cluster by the first stack that replaced it. */
  savedTemplate?: Template;
  /** Name of the live config object, for messages. */
  liveName?: string;
  /** Live nodes, for placement checks; omitted when the cluster is not reachable. */
  nodes?: NodeView[];
}

/** What a stack would write, what it removes, and every problem with the result. */
export interface Plan {
  template?: Template;
  sections: Record<string, ExtensionSection>;
  remove: string[];
  merged: CoreConfig;
  problems: Problem[];
}

/** The stack (other than `stack`) that owns `section`, if any. */
export function ownerOf(owners: Owners, section: string, stack: string): string | undefined {
  return Object.entries(owners).find(([s, owned]) => s !== stack && owned.includes(section))?.[0];
}

/**
 * Sections to drop: those the stack owned before and no longer declares, and the live
 * template when replaced, never one another stack owns.
 */
export function sectionsToRemove(input: {
  live: CoreConfig;
  stack: string;
  owners: Owners;
  declared: string[];
  settings: InterlockSettings;
  previous?: string[];
}): string[] {
  const { live, stack, owners, declared, settings } = input;
  const mine = new Set([...(input.previous ?? []), ...(owners[stack] ?? [])]);
  const out = [...mine].filter((s) => !declared.includes(s) && !ownerOf(owners, s, stack));
  const t = settings.template;
  if (
    settings.replaceTemplate &&
    live.Extensions?.[t] &&
    !declared.includes(t) &&
    !ownerOf(owners, t, stack) &&
    !out.includes(t)
  ) {
    out.push(t);
  }
  return out.filter((s) => live.Extensions?.[s] !== undefined);
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

function resolveTemplate(input: PlanInput): Template | Problem {
  const name = input.settings.template;
  const at = `${CONFIG_NAMESPACE}:interlock.template`;
  const declared = input.environments.map((e) => e.name);
  const usable = Object.keys(input.live.Extensions ?? {}).filter(
    (s) =>
      !ownerOf(input.owners, s, input.stack) &&
      !(input.owners[input.stack] ?? []).includes(s) &&
      !declared.includes(s),
  );
  if (input.savedTemplate && !usable.includes(input.savedTemplate.name))
    usable.push(input.savedTemplate.name);
  const choices = `templates that are safe to use: ${usable.join(", ") || "(none)"}`;
  if (declared.includes(name)) {
    return error(
      `${at}: "${name}" is one of this stack's environments; a template is a section the stack starts from (${choices})`,
    );
  }
  const owner = ownerOf(input.owners, name, input.stack);
  if (owner) {
    return error(
      `${at}: [Extensions.${name}] is owned by stack "${owner}", so it is not a template; ${choices}`,
    );
  }
  const live = input.live.Extensions?.[name];
  if (live)
    return {
      name,
      section: live,
      source: `the live config${input.liveName ? ` ${input.liveName}` : ""}`,
    };
  if (input.savedTemplate?.name === name) return input.savedTemplate;
  if (input.previousTemplate)
    return { name, section: input.previousTemplate, source: "the copy in this stack's state" };
  return error(
    `${at}: section [Extensions.${name}] is not in the live config${input.liveName ? ` ${input.liveName}` : ""} and no copy of it was saved; set it to one of the ${choices}`,
  );
}

/** Renders, merges and validates; pure, so preview, rollout and render agree. */
export function planConfig(input: PlanInput): Plan {
  const template = resolveTemplate(input);
  if ("severity" in template)
    return { sections: {}, remove: [], merged: input.live, problems: [template] };
  const rendered = renderSections(input.environments, template);
  const sections = Object.fromEntries(Object.entries(rendered).map(([k, r]) => [k, r.section]));
  const problems: Problem[] = Object.values(rendered).flatMap((r) => r.problems);
  const declared = Object.keys(sections);
  for (const name of declared) {
    const owner = ownerOf(input.owners, name, input.stack);
    if (owner) {
      problems.push(
        error(
          `${CONFIG_NAMESPACE}:environments.${name}: section [Extensions.${name}] is owned by stack "${owner}"` +
            `${input.liveName ? ` (label on ${input.liveName})` : ""}; remove ${name} from this stack or from "${owner}"`,
        ),
      );
    } else if (
      input.live.Extensions?.[name] &&
      !(input.owners[input.stack] ?? []).includes(name) &&
      !input.previousSections?.[name]
    ) {
      problems.push(
        warning(
          `[Extensions.${name}] is in the live config and no stack owns it; this stack takes it over and rewrites it from the template`,
        ),
      );
    }
  }
  const remove = sectionsToRemove({
    live: input.live,
    stack: input.stack,
    owners: input.owners,
    declared,
    settings: input.settings,
    previous: Object.keys(input.previousSections ?? {}),
  });
  const merged = mergeConfig(input.live, sections, remove);
  const nodes = input.nodes && withPlannedLabels(input.nodes, input.environments);
  const owned = Object.fromEntries(Object.entries(rendered).map(([k, r]) => [k, r.origin]));
  problems.push(...validateCoreConfig(merged, { owned, nodes }));
  return { template, sections, remove, merged, problems };
}
