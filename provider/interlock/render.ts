/**
 * Pure rendering of the sections a stack owns, and their merge into the live config so
 * that every section and top-level key the stack does not own stays exactly as it was.
 */
import { deepClone, deepMerge } from "../util/canonical";
import { EnvironmentSpec, SERVICE_CLUSTER_LABEL } from "../topology";
import { CoreConfig, ExtensionSection, EXTENSION_SERVICE_PREFIX, PROXY_SERVICE_PREFIX } from "./schema";

/** The placement constraint that pins a cluster to its labelled ingress nodes. */
export function clusterConstraint(env: string): string {
  return `node.labels.${SERVICE_CLUSTER_LABEL}==${env}`;
}

/**
 * Section `env` as the blog's step 5 writes it: the template's keys and sub-tables, renamed
 * services, its own ServiceCluster, ports and replicas, and both services pinned to the
 * environment's nodes; `overrides` last.
 */
export function renderSection(env: EnvironmentSpec, template: ExtensionSection): ExtensionSection {
  const base = deepClone(template);
  // Constraints the template carries for some other cluster would pin us to its nodes.
  const keep = (list?: string[]) => (list ?? []).filter((c) => !c.includes(SERVICE_CLUSTER_LABEL));
  const section: ExtensionSection = {
    ...base,
    ServiceCluster: env.name,
    ServiceName: `${EXTENSION_SERVICE_PREFIX}-${env.name}`,
    ProxyServiceName: `${PROXY_SERVICE_PREFIX}-${env.name}`,
    ProxyReplicas: env.proxyReplicas,
    PublishMode: env.publishMode,
    PublishedPort: env.publishedPort,
    PublishedSSLPort: env.publishedSSLPort,
    TargetPort: base.TargetPort ?? 80,
    TargetSSLPort: base.TargetSSLPort ?? 443,
    Constraints: [...keep(base.Constraints), clusterConstraint(env.name)],
    ProxyConstraints: [...keep(base.ProxyConstraints), clusterConstraint(env.name)],
  };
  if (base.ConfigServiceName) section.ConfigServiceName = `ucp-interlock-config-${env.name}`;
  return deepMerge(section, env.overrides);
}

/**
 * The template to inherit from: the live section when present, otherwise the copy kept from
 * the previous run (the template is usually gone once the stack replaced it).
 */
export function resolveTemplate(
  live: CoreConfig,
  name: string,
  previous?: ExtensionSection,
): ExtensionSection | undefined {
  return live.Extensions?.[name] ?? previous;
}

export function renderSections(envs: EnvironmentSpec[], template: ExtensionSection): Record<string, ExtensionSection> {
  return Object.fromEntries(envs.map((env) => [env.name, renderSection(env, template)]));
}

/**
 * The live config with `remove` dropped and `owned` written over it. Everything else is
 * copied as it is, so sections of other stacks and top-level keys survive every rollout.
 */
export function mergeConfig(
  live: CoreConfig,
  owned: Record<string, ExtensionSection>,
  remove: string[] = [],
): CoreConfig {
  const out = deepClone(live);
  const extensions: Record<string, ExtensionSection> = { ...(out.Extensions ?? {}) };
  for (const name of remove) delete extensions[name];
  for (const [name, section] of Object.entries(owned)) extensions[name] = deepClone(section);
  out.Extensions = extensions;
  return out;
}

/** The sections of `config` named in `names`, as they are there (absent ones left out). */
export function pickSections(config: CoreConfig, names: string[]): Record<string, ExtensionSection> {
  const out: Record<string, ExtensionSection> = {};
  for (const name of names) {
    const section = config.Extensions?.[name];
    if (section) out[name] = deepClone(section);
  }
  return out;
}
