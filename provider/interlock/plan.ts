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
import { EnvironmentSpec, SERVICE_CLUSTER_LABEL } from "../config/environments";
import { CONFIG_NAMESPACE } from "../config/errors";
import type { InterlockSettings } from "../config/interlock";
import { NodeView } from "./constraints";
import { rawBytePath } from "./bytes";
import { changedPaths, getOwn, isPlainObject, setOwn } from "../util/canonical";
import {
  describeUndecodable,
  duplicateSpellings,
  EXTENSIONS,
  extensionsOf,
  ExtensionsView,
  isExtensionsRoot,
  sectionLabel,
  sectionOf,
  valuesOf,
} from "./fold";
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

/**
 * A hand-made section of one of the stack's environments that the stack takes over, and the
 * Interlock services it named that the stack's section no longer does: the core creates the
 * stack's services and leaves these running (publishing their ports) until removed.
 */
export interface Takeover {
  /** The environment (and section name). */
  env: string;
  /** The old section's extension service (`ServiceName`), when the stack writes another. */
  extensionService?: string;
  /** The old section's proxy service (`ProxyServiceName`), when the stack writes another. */
  proxyService?: string;
}

/** What a stack would write, what it removes, and every problem with the result. */
export interface Plan {
  template?: Template;
  /** The adopted sections' bases, kept in state (see PlanInput.previousBases). */
  bases: Record<string, ExtensionSection>;
  /** What adopting each hand-made section does, one line each, for the preview. */
  adoptions: string[];
  /** Sections taken over whose old services the stack's sections no longer name. */
  takeovers: Takeover[];
  sections: Record<string, ExtensionSection>;
  remove: string[];
  merged: CoreConfig;
  problems: Problem[];
}

/** The stack (other than `stack`) that owns `section`, if any. */
export function ownerOf(owners: Owners, section: string, stack: string): string | undefined {
  return Object.entries(owners).find(
    ([s, owned]) => s !== stack && Array.isArray(owned) && owned.includes(section),
  )?.[0];
}

/** The sections `stack` owns; a stack may be named `constructor` or `__proto__`. */
export function ownedBy(owners: Owners, stack: string): string[] {
  const owned = getOwn(owners, stack);
  return Array.isArray(owned) ? owned : [];
}

/** True when some root Interlock reads sections from has `name` (a table or not). */
function inLive(live: CoreConfig, name: string): boolean {
  return Object.keys(live).some((root) => {
    const table = live[root];
    return isExtensionsRoot(root) && isPlainObject(table) && Object.hasOwn(table, name);
  });
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
  const mine = new Set([...(input.previous ?? []), ...ownedBy(owners, stack)]);
  const out = [...mine].filter((s) => !declared.includes(s) && !ownerOf(owners, s, stack));
  const t = settings.template;
  // Only UCP's template is replaced: any other section is someone's cluster (review D1).
  if (
    settings.replaceTemplate &&
    t === UCP_TEMPLATE &&
    sectionOf(live, t) &&
    !declared.includes(t) &&
    !ownerOf(owners, t, stack) &&
    !out.includes(t)
  ) {
    out.push(t);
  }
  return out.filter((s) => inLive(live, s));
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

/** UCP's own template section: what UCP writes, or the copy a stack saved of it. */
export const UCP_TEMPLATE = "default";

/**
 * The templates a stack may render from without harming anyone: UCP's `[Extensions.default]`
 * when it is live and no stack owns it, or the copy of it saved on the cluster. Another
 * team's section is never offered: with `replaceTemplate` it would be removed with its
 * services (review D1).
 */
function safeTemplates(input: PlanInput): string[] {
  const declared = input.environments.map((e) => e.name);
  const out: string[] = [];
  if (
    sectionOf(input.live, UCP_TEMPLATE) &&
    !ownerOf(input.owners, UCP_TEMPLATE, input.stack) &&
    !ownedBy(input.owners, input.stack).includes(UCP_TEMPLATE) &&
    !declared.includes(UCP_TEMPLATE)
  )
    out.push(UCP_TEMPLATE);
  if (input.savedTemplate?.name === UCP_TEMPLATE && !out.length && !declared.includes(UCP_TEMPLATE))
    out.push(UCP_TEMPLATE);
  return out;
}

function resolveTemplate(input: PlanInput): Template | Problem {
  const name = input.settings.template;
  const at = `${CONFIG_NAMESPACE}:interlock.template`;
  const liveName = input.liveName ? ` ${input.liveName}` : "";
  const declared = input.environments.map((e) => e.name);
  const usable = safeTemplates(input);
  const gone =
    name === UCP_TEMPLATE
      ? ""
      : ` (UCP's [Extensions.${UCP_TEMPLATE}] is gone from the live config${liveName} and no copy of it was saved)`;
  const choices = usable.length
    ? `set it to one of the templates that are safe to use: ${usable.join(", ")}`
    : `no section is safe to use as one${gone}: every other section is another stack's or team's cluster; ` +
      `put UCP's [Extensions.${UCP_TEMPLATE}] back by hand, or render from another team's section without removing it ` +
      `(${at} <section> with ${CONFIG_NAMESPACE}:interlock.replaceTemplate false)`;
  if (declared.includes(name)) {
    return error(
      `${at}: "${name}" is one of this stack's environments, so it cannot be the template its sections are rendered from ` +
        `(a hand-made [Extensions.${name}] is adopted as its own base without it); ${
          usable.includes(UCP_TEMPLATE)
            ? `leave ${at} unset (UCP's "${UCP_TEMPLATE}", in the live config${liveName})`
            : choices
        }`,
    );
  }
  const owner = ownerOf(input.owners, name, input.stack);
  if (owner) {
    return error(
      `${at}: [Extensions.${name}] is owned by stack "${owner}", so it is not a template; ${choices}`,
    );
  }
  const live = sectionOf(input.live, name);
  if (live) {
    if (input.settings.replaceTemplate && !usable.includes(name)) {
      return error(
        `${at}: [Extensions.${name}] is not UCP's template ([Extensions.${UCP_TEMPLATE}]) and no stack owns it, so it is another team's or a hand-made cluster; ` +
          `with ${CONFIG_NAMESPACE}:interlock.replaceTemplate true this stack would remove it from the live config${liveName} and its services with it; ` +
          `set ${CONFIG_NAMESPACE}:interlock.replaceTemplate to false to render from it and keep it, or ${
            usable.length
              ? `set ${at} to UCP's template (${usable.join(", ")})`
              : `put UCP's [Extensions.${UCP_TEMPLATE}] back and name it`
          }`,
      );
    }
    return {
      name,
      section: live,
      source: `the live config${liveName}`,
    };
  }
  if (input.savedTemplate?.name === name) return input.savedTemplate;
  if (input.previousTemplate)
    return { name, section: input.previousTemplate, source: "the copy in this stack's state" };
  return error(
    `${at}: section [Extensions.${name}] is not in the live config${liveName} and no copy of it was saved; ${choices}`,
  );
}

/** The hand-made sections of the stack's environments that no stack owns or owned. */
function handMadeSections(input: PlanInput): string[] {
  return input.environments
    .map((e) => e.name)
    .filter(
      (name) =>
        sectionOf(input.live, name) !== undefined &&
        !ownerOf(input.owners, name, input.stack) &&
        !ownedBy(input.owners, input.stack).includes(name) &&
        !getOwn(input.previousSections, name),
    );
}

function valueAt(tree: unknown, path: string): unknown {
  let at = tree;
  for (const p of path.split(".")) at = isPlainObject(at) ? getOwn(at, p) : undefined;
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
              `${input.liveName ? ` (label on ${input.liveName})` : ""}; remove ${env.name} from this stack or from "${owner}"; ` +
              `if stack "${owner}" is gone (pulumi stack rm), set ${CONFIG_NAMESPACE}:interlock.release: ["${owner}"] in this stack`,
          ),
        ]
      : [];
  });
}

/**
 * What in the live config Interlock's decoder reads differently from a plain lookup: one
 * section under two root spellings (`[extensions.dev]` and `[Extensions.dev]`), root keys in
 * two spellings, and sections that are not tables (`[[Extensions.x]]`, `Extensions.x = 1`).
 * An error naming the stack's setting when it touches a section the stack writes, reads as
 * its template or removes; a warning otherwise (another team's to fix).
 */
export function decoderProblems(
  live: CoreConfig,
  touched: Map<string, string>,
  liveName = "",
  view: ExtensionsView = extensionsOf(live),
): Problem[] {
  const where = `the live config${liveName ? ` ${liveName}` : ""}`;
  const out: Problem[] = [];
  const report = (name: string | undefined, message: string) => {
    const at = name === undefined ? undefined : touched.get(name);
    out.push(at ? error(`${at}: ${message}`) : warning(message));
  };
  for (const { name, roots } of view.ambiguous) {
    report(
      name,
      `${roots.map((r) => sectionLabel(name, r)).join(" and ")} in ${where} are one section "${name}" to Interlock, whose decoder fills its ` +
        `Extensions map from every root table spelled like "Extensions" (case-insensitively) in random order, so which of them the core ` +
        `runs changes from one start to the next; keep one (remove the other${touched.has(name) ? " by hand before this stack writes it" : ""})`,
    );
  }
  for (const u of view.undecodable) {
    if (u.name === undefined) {
      const any = [...touched.keys()].find((n) => touched.get(n)!.includes(":environments."));
      const message = `${u.root} in ${where} is ${describeUndecodable(u.value)}, not a table of [${EXTENSIONS}.<name>] sections, so Interlock cannot decode it`;
      out.push(
        any ? error(`${touched.get(any)}: ${message}; fix it by hand first`) : warning(message),
      );
      continue;
    }
    report(
      u.name,
      `${sectionLabel(u.name, u.root)} in ${where} is ${describeUndecodable(u.value)}${
        Array.isArray(u.value) && u.value.every(isPlainObject) ? ` ([[${u.root}.${u.name}]])` : ""
      }, not a table, so Interlock cannot decode it as a service cluster` +
        `${touched.has(u.name) ? "; rename or remove it by hand, this stack does not overwrite what it cannot read" : ""}`,
    );
  }
  for (const spellings of duplicateSpellings(live)) {
    const kind = spellings.every(isExtensionsRoot) ? "root tables" : "top-level keys";
    if (kind === "root tables") continue; // merged into one map; per-section clashes above
    out.push(
      warning(
        `${spellings.join(" and ")} in ${where} are one ${kind.slice(0, -1)} to Interlock, which reads them in random order; keep one`,
      ),
    );
  }
  return out;
}

/** The hand-made section's services that the stack's own section no longer names. */
function takeoverOf(
  env: string,
  before: ExtensionSection,
  after: ExtensionSection,
): Takeover | undefined {
  const old = (key: string): string | undefined => {
    const names = valuesOf(before, key).filter(
      (v): v is string => typeof v === "string" && v.length > 0,
    );
    const kept = new Set(
      [after.ServiceName, after.ProxyServiceName, after.ConfigServiceName].filter(Boolean),
    );
    return names.find((n) => !kept.has(n));
  };
  const t: Takeover = { env };
  const extensionService = old("ServiceName");
  const proxyService = old("ProxyServiceName");
  if (extensionService !== undefined) t.extensionService = extensionService;
  if (proxyService !== undefined) t.proxyService = proxyService;
  return t.extensionService || t.proxyService ? t : undefined;
}

/** Renders, merges and validates; pure, so preview, rollout and render agree. */
export function planConfig(input: PlanInput): Plan {
  const liveName = input.liveName ? ` ${input.liveName}` : "";
  const view = extensionsOf(input.live);
  const rootOf = (name: string) => view.entries.find((e) => e.name === name)?.root ?? EXTENSIONS;
  const handMade = handMadeSections(input);
  const bases: Record<string, ExtensionSection> = {};
  for (const env of input.environments) {
    const kept = getOwn(input.previousBases, env.name);
    if (kept) setOwn(bases, env.name, kept);
    else if (handMade.includes(env.name)) setOwn(bases, env.name, sectionOf(input.live, env.name)!);
  }
  const baseOf = (name: string) => getOwn(bases, name);
  // What the stack touches: its environments, the sections it owns and its template.
  const touched = new Map<string, string>();
  const template0 = input.settings.template;
  if (!input.environments.some((e) => e.name === template0))
    touched.set(template0, `${CONFIG_NAMESPACE}:interlock.template`);
  for (const name of [
    ...ownedBy(input.owners, input.stack),
    ...Object.keys(input.previousSections ?? {}),
  ])
    touched.set(name, `${CONFIG_NAMESPACE}:environments`);
  for (const env of input.environments)
    touched.set(env.name, `${CONFIG_NAMESPACE}:environments.${env.name}`);
  const decoding = decoderProblems(input.live, touched, input.liveName, view);

  const fromTemplate = input.environments.filter((e) => !baseOf(e.name));
  let template: Template | Problem | undefined = resolveTemplate(input);
  if ("severity" in template) {
    // Bases kept from earlier runs count too: an adopting stack may add an environment later.
    const firstAdopted = input.environments.find((e) => baseOf(e.name));
    if (!fromTemplate.length) template = undefined;
    else if (firstAdopted && input.settings.template === UCP_TEMPLATE) {
      // The blog's end state has no [Extensions.default] left: its reader copied one section
      // into the next, and so does this stack for an environment nobody made by hand.
      template = {
        name: firstAdopted.name,
        section: baseOf(firstAdopted.name)!,
        source: `the live config${liveName} (this stack's hand-made section, adopted; [Extensions.default] is gone)`,
      };
    } else
      return {
        sections: {},
        bases,
        adoptions: [],
        takeovers: [],
        remove: [],
        merged: input.live,
        // A section another stack owns is the real cause when there is nothing to render from.
        problems: [
          ...decoding.filter((p) => p.severity === "error"),
          ...ownershipErrors(input),
          template,
        ],
      };
  }
  const rendered = Object.fromEntries(
    input.environments.map((env) => {
      const base = baseOf(env.name);
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
      const raw = rawBytePath(r.section);
      if (raw) {
        r.problems.push(
          error(
            `${r.origin(raw.path)}: holds bytes that are not UTF-8 (${raw.bytes.join(" ")}), which this stack would write into [Extensions.${env.name}]; ` +
              `fix them by hand (write the text in UTF-8) or set ${raw.path} in ${CONFIG_NAMESPACE}:environments.${env.name}.replace`,
          ),
        );
      }
      return [env.name, r];
    }),
  );
  const sections = Object.fromEntries(Object.entries(rendered).map(([k, r]) => [k, r.section]));
  const problems: Problem[] = [...decoding, ...Object.values(rendered).flatMap((r) => r.problems)];
  problems.push(...imageDriftProblems(sections, input.coreImage, (s) => `[Extensions.${s}]`));
  const takeovers: Takeover[] = [];
  const adoptions = handMade.map((name) => {
    const before = sectionOf(input.live, name)!;
    const changes = adoptionChanges(before, sections[name]);
    const taken = takeoverOf(name, before, sections[name]);
    if (taken) {
      takeovers.push(taken);
      const old = [taken.extensionService, taken.proxyService].filter(Boolean).join(" ");
      problems.push(
        warning(
          `${CONFIG_NAMESPACE}:environments.${name}: this stack takes over ${sectionLabel(name, rootOf(name))} of the live config${liveName}, ` +
            `whose services ${[
              taken.extensionService && `${taken.extensionService} (ServiceName)`,
              taken.proxyService && `${taken.proxyService} (ProxyServiceName)`,
            ]
              .filter(Boolean)
              .join(
                " and ",
              )} its section no longer names (it writes ${sections[name].ServiceName} and ${sections[name].ProxyServiceName}); ` +
            `Interlock creates those, and up removes the old ones (${old}) once the new section is mounted, so they stop publishing its ports`,
        ),
      );
    }
    return `${sectionLabel(name, rootOf(name))} in the live config${liveName} was made by hand and no stack owns it: this stack adopts it as it is${
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
    takeovers,
    remove,
    merged,
    problems,
  };
}
