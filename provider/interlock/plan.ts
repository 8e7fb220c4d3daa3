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
 *   when `replaceTemplate` is set; never a section another stack owns;
 * - a section of one of the stack's environments that no stack owns (made by hand with the
 *   blog's steps) is adopted: it is its own base, so the keys the stack does not set stay as
 *   the hand editor wrote them, and the base is kept in state for later runs.
 */
import {
  CONFIG_NAMESPACE,
  EnvironmentSpec,
  InterlockSettings,
  SERVICE_CLUSTER_LABEL,
} from "../topology";
import { NodeView } from "./constraints";
import { changedPaths, isPlainObject } from "../util/canonical";
import { error, mergeConfig, Problem, renderSection, Template, warning } from "./render";
import { CoreConfig, ExtensionSection } from "./schema";
import { validateCoreConfig } from "./validate";
import { applyImages, imageDriftProblems } from "./images";

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
  /** Hand-made sections this stack adopted, as they were then: each its own base. */
  previousBases?: Record<string, ExtensionSection>;
  /** The template copy saved on the cluster by the first stack that replaced it. */
  savedTemplate?: Template;
  /** Name of the live config object, for messages. */
  liveName?: string;
  /** Live nodes, for placement checks; omitted when the cluster is not reachable. */
  nodes?: NodeView[];
  /** The image `ucp-interlock` runs (its tag is MKE's release); omitted offline. */
  coreImage?: string;
}

/** What a stack would write, what it removes, and every problem with the result. */
export interface Plan {
  template?: Template;
  /** The adopted sections' bases, kept in state (see PlanInput.previousBases). */
  bases: Record<string, ExtensionSection>;
  /** What adopting each hand-made section does, one line each, for the preview. */
  adoptions: string[];
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

/** The hand-made sections of the stack's environments that no stack owns or owned. */
function handMadeSections(input: PlanInput): string[] {
  return input.environments
    .map((e) => e.name)
    .filter(
      (name) =>
        input.live.Extensions?.[name] !== undefined &&
        !ownerOf(input.owners, name, input.stack) &&
        !(input.owners[input.stack] ?? []).includes(name) &&
        !input.previousSections?.[name],
    );
}

function valueAt(tree: unknown, path: string): unknown {
  let at = tree;
  for (const p of path.split(".")) at = isPlainObject(at) ? at[p] : undefined;
  return at;
}

/** What writing `after` over the hand-made `before` changes, key by key. */
export function adoptionChanges(before: ExtensionSection, after: ExtensionSection): string[] {
  const show = (v: unknown) => (v === undefined ? "(absent)" : JSON.stringify(v));
  return changedPaths(before, after).map(
    (p) => `${p}: ${show(valueAt(before, p))} => ${show(valueAt(after, p))}`,
  );
}

/** One error per declared environment whose section another stack owns. */
function ownershipErrors(input: PlanInput): Problem[] {
  return input.environments.flatMap((env) => {
    const owner = ownerOf(input.owners, env.name, input.stack);
    return owner
      ? [
          error(
            `${CONFIG_NAMESPACE}:environments.${env.name}: section [Extensions.${env.name}] is owned by stack "${owner}"` +
              `${input.liveName ? ` (label on ${input.liveName})` : ""}; remove ${env.name} from this stack or from "${owner}"`,
          ),
        ]
      : [];
  });
}

/** Renders, merges and validates; pure, so preview, rollout and render agree. */
export function planConfig(input: PlanInput): Plan {
  const liveName = input.liveName ? ` ${input.liveName}` : "";
  const handMade = handMadeSections(input);
  const bases: Record<string, ExtensionSection> = {};
  for (const env of input.environments) {
    const kept = input.previousBases?.[env.name];
    if (kept) bases[env.name] = kept;
    else if (handMade.includes(env.name)) bases[env.name] = input.live.Extensions![env.name];
  }
  const fromTemplate = input.environments.filter((e) => !bases[e.name]);
  let template: Template | Problem | undefined = resolveTemplate(input);
  if ("severity" in template) {
    // Bases kept from earlier runs count too: an adopting stack may add an environment later.
    const firstAdopted = input.environments.find((e) => bases[e.name]);
    if (!fromTemplate.length) template = undefined;
    else if (firstAdopted && input.settings.template === "default") {
      // The blog's end state has no [Extensions.default] left: its reader copied one section
      // into the next, and so does this stack for an environment nobody made by hand.
      template = {
        name: firstAdopted.name,
        section: bases[firstAdopted.name],
        source: `the live config${liveName} (this stack's hand-made section, adopted; [Extensions.default] is gone)`,
      };
    } else
      return {
        sections: {},
        bases,
        adoptions: [],
        remove: [],
        merged: input.live,
        // A section another stack owns is the real cause when there is nothing to render from.
        problems: [...ownershipErrors(input), template],
      };
  }
  const rendered = Object.fromEntries(
    input.environments.map((env) => {
      const base = bases[env.name];
      const from: Template = base
        ? {
            name: env.name,
            section: base,
            source: `the live config${liveName}`,
            role: "hand-made, adopted",
          }
        : (template as Template);
      const r = renderSection(env, from);
      if (input.settings.images) {
        const imaged = applyImages(
          r.section,
          input.settings.images,
          input.coreImage,
          `${CONFIG_NAMESPACE}:interlock.images`,
        );
        r.section = imaged.section;
        r.problems.push(...imaged.problems);
      }
      return [env.name, r];
    }),
  );
  const sections = Object.fromEntries(Object.entries(rendered).map(([k, r]) => [k, r.section]));
  const problems: Problem[] = Object.values(rendered).flatMap((r) => r.problems);
  problems.push(...imageDriftProblems(sections, input.coreImage, (s) => `[Extensions.${s}]`));
  const adoptions = handMade.map((name) => {
    const changes = adoptionChanges(input.live.Extensions![name], sections[name]);
    return `[Extensions.${name}] in the live config${liveName} was made by hand and no stack owns it: this stack adopts it as it is${
      changes.length ? `, except ${changes.join("; ")}` : ", with no change"
    }`;
  });
  if (template && fromTemplate.length && (template as Template).name !== input.settings.template) {
    for (const env of fromTemplate) {
      problems.push(
        warning(
          `[Extensions.${env.name}] is rendered from this stack's hand-made [Extensions.${(template as Template).name}], since [Extensions.${input.settings.template}] is gone from the live config${liveName} and no copy of it was saved`,
        ),
      );
    }
  }
  const declared = Object.keys(sections);
  problems.push(...ownershipErrors(input));
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
  return {
    template: template as Template | undefined,
    sections,
    bases,
    adoptions,
    remove,
    merged,
    problems,
  };
}
