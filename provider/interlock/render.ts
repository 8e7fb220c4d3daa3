/**
 * Pure rendering of the sections a stack owns, with where every value came from, and their
 * merge into the live config so that every section and top-level key the stack does not own
 * stays exactly as it was.
 */
import { deepClone, getOwn, isPlainObject, nonJsonPath, setOwn } from "../util/canonical";
import { parseConstraint } from "./constraints";
import { EXTENSIONS, isExtensionsRoot, sectionOf } from "./fold";
import { suggest } from "../config/didYouMean";
import { EnvironmentSpec, SERVICE_CLUSTER_LABEL, SETTING_FOR_KEY } from "../config/environments";
import { CONFIG_NAMESPACE } from "../config/errors";
import { EXTENSION_KEYS, NGINX_CONFIG_KEYS, normalizeSection, sectionTypeProblems } from "./keys";
import {
  CoreConfig,
  ExtensionSection,
  EXTENSION_SERVICE_PREFIX,
  PROXY_SERVICE_PREFIX,
} from "./schema";

/** A problem found while planning: errors stop the preview, warnings are shown in it. */
export interface Problem {
  severity: "error" | "warning";
  message: string;
}

/** A problem that stops the preview. */
export const error = (message: string): Problem => ({ severity: "error", message });
/** A problem shown in the preview that does not stop it. */
export const warning = (message: string): Problem => ({ severity: "warning", message });

/** The placement constraint that pins a cluster to its labelled ingress nodes. */
export function clusterConstraint(env: string): string {
  return `node.labels.${SERVICE_CLUSTER_LABEL}==${env}`;
}

/** The template section and where it was read from (for messages). */
export interface Template {
  name: string;
  section: ExtensionSection;
  /** e.g. "the live config com.docker.ucp.interlock.conf-3" */
  source: string;
  /** What messages call it: "template" unless a section is its own base ("hand-made"). */
  role?: string;
}

/** A rendered section, where each of its values came from, and its problems. */
export interface RenderedSection {
  section: ExtensionSection;
  /** Where the value at `path` (`ProxyConstraints[2]`, `Config.MaxConnections`) came from. */
  origin: (path: string) => string;
  problems: Problem[];
}

const CONSTRAINT_KEYS = ["Constraints", "ProxyConstraints"];
const DERIVED = ["ServiceCluster", "ServiceName", "ProxyServiceName", "ConfigServiceName"];
const SETTINGS: Record<string, keyof EnvironmentSpec> = {
  PublishedPort: "publishedPort",
  PublishedSSLPort: "publishedSSLPort",
  ProxyReplicas: "proxyReplicas",
  PublishMode: "publishMode",
};

/** Tables merge key by key, lists gain the items they lack, scalars replace. */
function appendMerge(base: unknown, over: unknown): unknown {
  if (isPlainObject(base) && isPlainObject(over)) {
    const out: Record<string, unknown> = { ...base };
    for (const [k, v] of Object.entries(over))
      setOwn(out, k, Object.hasOwn(out, k) ? appendMerge(out[k], v) : deepClone(v));
    return out;
  }
  if (Array.isArray(base) && Array.isArray(over)) {
    return [
      ...base,
      ...over.filter((item) => !base.some((b) => JSON.stringify(b) === JSON.stringify(item))),
    ];
  }
  return deepClone(over);
}

function lookup(tree: unknown, path: string[]): unknown {
  let at = tree;
  for (const p of path) at = isPlainObject(at) ? getOwn(at, p) : undefined;
  return at;
}

/**
 * True for a constraint on the cluster label itself (`node.labels.<label>==x`, also the
 * single-`=` one hand edits carry): the template's pin to another cluster's nodes. A label
 * that merely contains the text (`…service.cluster-tier==gold`) is another label.
 */
export function pinsACluster(constraint: unknown): boolean {
  const text = String(constraint);
  const parsed = parseConstraint(text);
  const key = "error" in parsed ? (/^\s*([^=!\s]+)\s*!?=/.exec(text)?.[1] ?? "") : parsed.key;
  const prefix = "node.labels.";
  return key.toLowerCase().startsWith(prefix) && key.slice(prefix.length) === SERVICE_CLUSTER_LABEL;
}

/**
 * Section `env` as the blog's step 5 writes it: the template's keys and sub-tables, renamed
 * services, its own ServiceCluster, ports and replicas, both services pinned to the
 * environment's nodes, then `overrides` (lists appended) and `replace` (values replaced).
 * Keys are written in Interlock's documented spelling, whatever case they were given in.
 */
export function renderSection(env: EnvironmentSpec, template: Template): RenderedSection {
  const problems: Problem[] = [];
  const envKey = `${CONFIG_NAMESPACE}:environments.${env.name}`;
  const templateAt = (path: string) =>
    `[Extensions.${template.name}].${path} (${template.role ?? "template"}, in ${template.source})`;

  const base = normalizeSection(deepClone(template.section));
  for (const d of base.duplicates) {
    problems.push(
      error(
        `${templateAt(d.key)}: written as ${d.spellings.join(" and ")}; Interlock matches keys case-insensitively and reads one of them ` +
          `at random; keep only ${d.key} in the template, or set it in ${envKey}.replace.${d.key}`,
      ),
    );
  }
  const given: Record<"overrides" | "replace", Record<string, unknown>> = {
    overrides: {},
    replace: {},
  };
  for (const kind of ["overrides", "replace"] as const) {
    const n = normalizeSection(deepClone(env[kind]));
    given[kind] = n.table;
    for (const d of n.duplicates) {
      problems.push(
        error(
          `${envKey}.${kind}: ${d.spellings.join(" and ")} are one key to Interlock (${d.key}); give it once`,
        ),
      );
    }
    for (const k of n.unknown) {
      const [top, sub] = k.split(".");
      const known =
        sub === undefined ? Object.keys(EXTENSION_KEYS) : Object.keys(NGINX_CONFIG_KEYS);
      const near = suggest(sub ?? top, known);
      problems.push(
        warning(
          `${envKey}.${kind}.${k}: not a documented Interlock key, so Interlock may ignore it${near ? `; did you mean ${sub ? "Config." : ""}${near}?` : ""}`,
        ),
      );
    }
    for (const k of Object.keys(n.table).filter((k) => SETTING_FOR_KEY[k.toLowerCase()]))
      delete given[kind][k];
  }

  const t = base.table as ExtensionSection;
  // Constraints the template carries for some other cluster would pin us to its nodes.
  const keep = (list: unknown) =>
    Array.isArray(list) ? list.filter((c) => !pinsACluster(c)) : list;
  let section: ExtensionSection = {
    ...t,
    ServiceCluster: env.name,
    ServiceName: `${EXTENSION_SERVICE_PREFIX}-${env.name}`,
    ProxyServiceName: `${PROXY_SERVICE_PREFIX}-${env.name}`,
    ProxyReplicas: env.proxyReplicas,
    PublishMode: env.publishMode,
    PublishedPort: env.publishedPort,
    PublishedSSLPort: env.publishedSSLPort,
    TargetPort: t.TargetPort ?? 80,
    TargetSSLPort: t.TargetSSLPort ?? 443,
    Constraints: keep(t.Constraints ?? []) as string[],
    ProxyConstraints: keep(t.ProxyConstraints ?? []) as string[],
  };
  if (t.ConfigServiceName) section.ConfigServiceName = `ucp-interlock-config-${env.name}`;
  section = appendMerge(section, given.overrides) as ExtensionSection;
  for (const [k, v] of Object.entries(given.replace)) setOwn(section, k, deepClone(v));
  // The environment pin is the isolation this project exists for: never dropped, always last.
  for (const key of CONSTRAINT_KEYS) {
    const pin = clusterConstraint(env.name);
    const list = Array.isArray(section[key])
      ? (section[key] as unknown[])
      : section[key] === undefined
        ? []
        : undefined;
    if (list) section[key] = [...list.filter((c) => c !== pin), pin];
  }

  const origin = (path: string): string => {
    const m = /^([A-Za-z0-9_]+)(?:\.([^[]+))?(?:\[(\d+)\])?$/.exec(path);
    if (!m) return templateAt(path);
    const [, top, sub, index] = m;
    if (SETTINGS[top]) return `${envKey}.${SETTINGS[top]}`;
    if (DERIVED.includes(top)) return `${envKey} (from the environment name)`;
    const keyPath = sub ? [top, ...sub.split(".")] : [top];
    const dotted = keyPath.join(".");
    if (index !== undefined) {
      const item = (lookup(section, keyPath) as unknown[] | undefined)?.[Number(index)];
      if (CONSTRAINT_KEYS.includes(top) && item === clusterConstraint(env.name))
        return `${envKey} (the environment's pin)`;
      for (const kind of ["replace", "overrides"] as const) {
        const list = lookup(given[kind], keyPath);
        const at = Array.isArray(list)
          ? list.findIndex((x) => JSON.stringify(x) === JSON.stringify(item))
          : -1;
        if (at >= 0) return `${envKey}.${kind}.${dotted}[${at}]`;
      }
      const list = lookup(t, keyPath);
      const at = Array.isArray(list)
        ? list.findIndex((x) => JSON.stringify(x) === JSON.stringify(item))
        : -1;
      return templateAt(`${dotted}[${at >= 0 ? at : index}]`);
    }
    for (const kind of ["replace", "overrides"] as const) {
      for (let i = keyPath.length; i > 0; i--) {
        if (
          lookup(given[kind], keyPath.slice(0, i)) !== undefined &&
          (i === keyPath.length || !isPlainObject(lookup(given[kind], keyPath.slice(0, i))))
        ) {
          return `${envKey}.${kind}.${dotted}`;
        }
      }
    }
    return templateAt(dotted);
  };

  for (const [path, problem] of sectionTypeProblems(section))
    problems.push(error(`${origin(path)}: ${problem}`));
  const odd = nonJsonPath(section);
  if (odd) {
    problems.push(
      error(
        `${origin(odd.path)}: ${String(odd.value)} is a TOML value (datetime, inf, nan or a very large integer) that no Interlock key takes; set ${odd.path} in ${envKey}.replace`,
      ),
    );
  }
  return { section, origin, problems };
}

/** Every environment's section, rendered from the same template. */
export function renderSections(
  envs: EnvironmentSpec[],
  template: Template,
): Record<string, RenderedSection> {
  return Object.fromEntries(envs.map((env) => [env.name, renderSection(env, template)]));
}

/**
 * The live config with `remove` dropped and `owned` written over it. Everything else is
 * kept as it is, so sections of other stacks and top-level keys survive every rollout.
 * Other sections are the live config's own objects, not copies: nothing writes into a merged
 * config's sections, and a shared config holds thousands of them (the write then tells them
 * unchanged at a glance). A section written or removed goes from every root Interlock reads
 * sections from (`[extensions.dev]` too), so the result has one spelling of it.
 */
export function mergeConfig(
  live: CoreConfig,
  owned: Record<string, ExtensionSection>,
  remove: string[] = [],
): CoreConfig {
  const touched = new Set([...remove, ...Object.keys(owned)]);
  const out: CoreConfig = {};
  for (const [key, value] of Object.entries(live)) {
    if (key === EXTENSIONS) continue;
    if (isExtensionsRoot(key) && isPlainObject(value)) {
      const names = Object.keys(value);
      const kept = names.filter((n) => !touched.has(n));
      if (kept.length === names.length) setOwn(out, key, value);
      else if (kept.length) {
        const table: Record<string, unknown> = {};
        for (const n of kept) setOwn(table, n, value[n]);
        setOwn(out, key, table);
      }
      continue;
    }
    setOwn(out, key, deepClone(value));
  }
  const liveExtensions = getOwn(live, EXTENSIONS);
  if (liveExtensions !== undefined && !isPlainObject(liveExtensions) && !touched.size) {
    // Not a table Interlock can read: the plan names it; nothing here rewrites it.
    out.Extensions = liveExtensions as CoreConfig["Extensions"];
    return out;
  }
  const extensions: Record<string, ExtensionSection> = isPlainObject(liveExtensions)
    ? ({ ...liveExtensions } as Record<string, ExtensionSection>)
    : {};
  for (const name of remove) delete extensions[name];
  for (const [name, section] of Object.entries(owned)) setOwn(extensions, name, deepClone(section));
  out.Extensions = extensions;
  return out;
}

/** The sections of `config` named in `names`, as they are there (absent ones left out). */
export function pickSections(
  config: CoreConfig,
  names: string[],
): Record<string, ExtensionSection> {
  const out: Record<string, ExtensionSection> = {};
  for (const name of names) {
    const section = sectionOf(config, name);
    if (section) setOwn(out, name, deepClone(section));
  }
  return out;
}
