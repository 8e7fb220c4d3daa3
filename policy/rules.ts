/**
 * The guardrails of interlock-ingress as CrossGuard policies (docs/policy.md). Each rule is a
 * pure function from a resource's inputs, as the engine sends them to the pack, to the
 * violations' messages: each names the resource, what is wrong and the stack-config key that
 * fixes it. The policies around them only pick the resource type and read the rule's config.
 *
 * The pack reads the inputs as plain JSON and imports nothing of the provider: it runs in a
 * process of its own, and a platform team can keep it beside the project rather than in it.
 * test/unit/policy.test.ts builds its inputs with the provider's own input types, so a change
 * of shape there fails the type check here.
 */
import type { PolicyConfigSchema, ResourceValidationPolicy } from "@pulumi/policy";
import * as YAML from "yaml";

/** The resource types the rules read (provider/util/dynamicResource.ts, @pulumi/aws). */
export const TYPES = {
  interlockConfig: "pulumi-nodejs:dynamic/interlock:InterlockConfig",
  appStack: "pulumi-nodejs:dynamic/swarm:AppStack",
  loadBalancer: "aws:lb/loadBalancer:LoadBalancer",
} as const;

/** The stack-config namespace every fix names. */
const NS = "interlock-ingress";
/** Environment names that are production, as provider/config/aws.ts's PRODUCTION has them. */
export const PROD_ENVIRONMENTS = ["prod", "production"];
/** The Environment tag of the one NLB of a stack with aws.sharedLoadBalancer. */
const SHARED = "shared";
const LB = "com.docker.lb.";

/** An environment of InterlockConfig's `environments` input (provider/config/environments.ts). */
interface EnvironmentInput {
  name: string;
  ingressNodes?: string[];
  publishMode?: string;
  publishedPort?: number;
  publishedSSLPort?: number;
  proxyReplicas?: number;
}

function environmentsOf(props: Record<string, unknown>): EnvironmentInput[] {
  const envs = props.environments;
  return Array.isArray(envs) ? envs.filter((e) => e && typeof e.name === "string") : [];
}

/** "a", "a and b", "a, b and c". */
function listed(items: string[]): string {
  return items.length < 2 ? items.join("") : `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

// ---------------------------------------------------------------------------------------------
// prod-proxy-redundancy

export interface ProxyRedundancyConfig {
  /** Environment names the rule holds to the minimums. */
  environments: string[];
  minReplicas: number;
  minNodes: number;
}

/**
 * A prod environment's proxies: at least `minReplicas` replicas on at least `minNodes` distinct
 * ingress nodes. The proxies are pinned to the environment's labelled ingress nodes (render.ts),
 * so the nodes bound the spread whatever the replica count; in host mode a node holds one proxy.
 */
export function proxyRedundancyViolations(
  name: string,
  props: Record<string, unknown>,
  config: ProxyRedundancyConfig,
): string[] {
  const out: string[] = [];
  for (const env of environmentsOf(props)) {
    if (!config.environments.includes(env.name)) continue;
    const replicas = env.proxyReplicas ?? 1;
    const nodes = [...new Set(env.ingressNodes ?? [])];
    const fixes: string[] = [];
    if (replicas < config.minReplicas)
      fixes.push(`set ${NS}:environments.${env.name}.proxyReplicas to ${config.minReplicas}`);
    if (nodes.length < config.minNodes) {
      const more = config.minNodes - nodes.length;
      fixes.push(
        `list ${more === 1 ? "a second" : `${more} more`} worker in ${NS}:environments.${env.name}.ingressNodes`,
      );
    }
    if (!fixes.length) continue;
    const on = nodes.length ? ` (${nodes.join(", ")})` : "";
    out.push(
      `InterlockConfig "${name}": environment ${env.name} runs ${plural(replicas, "proxy replica")} on ` +
        `${plural(nodes.length, "ingress node")}${on}; ${env.name} needs at least ${config.minReplicas} ` +
        `replicas on at least ${config.minNodes} nodes, so losing a node or a rolling proxy update ` +
        `keeps serving: ${fixes.join(" and ")}`,
    );
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// prod-nlb-deletion-protection

export interface DeletionProtectionConfig {
  environments: string[];
}

/**
 * A load balancer tagged with a prod environment, or the shared one of a stack with a prod
 * environment, has deletion protection. `stackEnvironments` are the environments of the stack
 * config; undefined when the pack could not read them, and then a shared NLB counts as prod.
 */
export function deletionProtectionViolations(
  name: string,
  props: Record<string, unknown>,
  config: DeletionProtectionConfig,
  stackEnvironments: string[] | undefined,
): string[] {
  const tags = (props.tags ?? {}) as Record<string, unknown>;
  const tag = typeof tags.Environment === "string" ? tags.Environment : undefined;
  let why: string;
  if (tag !== undefined && config.environments.includes(tag)) {
    why = `tagged Environment=${tag}`;
  } else if (tag === SHARED) {
    const prod = stackEnvironments?.filter((e) => config.environments.includes(e));
    if (prod && !prod.length) return [];
    why = prod
      ? `shared by this stack's environments, ${listed(prod)} among them`
      : "shared by this stack's environments, which the pack could not read (so counted as prod)";
  } else {
    return [];
  }
  if (props.enableDeletionProtection === true) return [];
  return [
    `aws:lb LoadBalancer "${name}" (${why}) has deletion protection off: a production load ` +
      `balancer must refuse deletion (its DNS name is what clients resolve); set ` +
      `${NS}:aws.deletionProtection to true, or leave it unset, which is on for a stack with prod`,
  ];
}

// ---------------------------------------------------------------------------------------------
// distinct-ingress-ports

/**
 * In ingress mode Swarm's routing mesh takes a published port on every node of the swarm, so
 * an environment published in ingress mode shares no port with any other environment. Two
 * host-mode environments may share ports: each proxy holds them on its own nodes only.
 *
 * Only this stack's environments are in its InterlockConfig's inputs; another stack's section
 * of the same Interlock config is checked by the provider at preview (validate.ts).
 */
export function distinctPortsViolations(name: string, props: Record<string, unknown>): string[] {
  const envs = environmentsOf(props);
  const ports = (e: EnvironmentInput): Array<[number, string]> =>
    (
      [
        [e.publishedPort, "publishedPort"],
        [e.publishedSSLPort, "publishedSSLPort"],
      ] as Array<[number | undefined, string]>
    ).filter((p): p is [number, string] => typeof p[0] === "number");
  const out: string[] = [];
  for (let i = 0; i < envs.length; i++) {
    for (let j = i + 1; j < envs.length; j++) {
      const [a, b] = [envs[i], envs[j]];
      const ingress = [a, b].filter((e) => (e.publishMode ?? "ingress") === "ingress");
      if (!ingress.length) continue;
      for (const [port, aKey] of ports(a)) {
        const clash = ports(b).find(([p]) => p === port);
        if (!clash) continue;
        const mode =
          ingress.length === 2
            ? "both publish in ingress mode"
            : `${ingress[0].name} publishes in ingress mode`;
        out.push(
          `InterlockConfig "${name}": environments ${a.name} and ${b.name} both publish port ${port} ` +
            `(${NS}:environments.${a.name}.${aKey} and ${b.name}.${clash[1]}), and ${mode}, which ` +
            `takes the port on every node of the swarm; give ${b.name} another port ` +
            `(${NS}:environments.${b.name}.${clash[1]}), or publish both in host mode on their own nodes`,
        );
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// app-service-cluster

/** A Compose file's `deploy.labels` (a map, or a list of `key=value`), as strings. */
function labelsOf(labels: unknown): Record<string, string> {
  if (Array.isArray(labels)) {
    return Object.fromEntries(
      labels.map((l) => {
        const s = String(l);
        const i = s.indexOf("=");
        return i < 0 ? [s, ""] : [s.slice(0, i), s.slice(i + 1)];
      }),
    );
  }
  if (!labels || typeof labels !== "object") return {};
  return Object.fromEntries(Object.entries(labels).map(([k, v]) => [k, String(v ?? "")]));
}

/**
 * Every routed service of an app (one with a `com.docker.lb.*` service label) names its
 * service cluster, and that cluster is an environment of the stack (AppStack's `clusters`
 * input). Without the label Interlock routes the service through its default cluster, which
 * belongs to no environment: the isolation per environment is gone for that app.
 */
export function serviceClusterViolations(name: string, props: Record<string, unknown>): string[] {
  const clusters = Array.isArray(props.clusters) ? (props.clusters as string[]) : [];
  const choose = clusters.length ? `one of ${listed(clusters)}` : "an environment of the stack";
  let compose: { services?: Record<string, { deploy?: { labels?: unknown } } | null> };
  try {
    compose = (YAML.parse(String(props.compose ?? "")) ?? {}) as typeof compose;
  } catch (err) {
    return [
      `AppStack "${name}": its Compose file does not parse (${(err as Error).message}), so its routing cannot be checked`,
    ];
  }
  const out: string[] = [];
  for (const [service, svc] of Object.entries(compose.services ?? {})) {
    const labels = labelsOf(svc?.deploy?.labels);
    if (!Object.keys(labels).some((l) => l.startsWith(LB))) continue;
    const at = `services.${service}.deploy.labels.${LB}service_cluster`;
    const cluster = labels[`${LB}service_cluster`];
    if (cluster === undefined || cluster === "") {
      out.push(
        `AppStack "${name}": ${at} is not set, so Interlock routes ${service} through its default ` +
          `service cluster, outside this stack's environments; set it to ${choose}`,
      );
    } else if (!clusters.includes(cluster)) {
      out.push(
        `AppStack "${name}": ${at} is "${cluster}", which is not an environment of this stack; set it to ${choose}`,
      );
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The policies

const environmentsSchema = {
  type: "array" as const,
  items: { type: "string" as const },
  default: PROD_ENVIRONMENTS,
  description: "Environment names the rule treats as production",
};

/** The rule's config over its defaults: an unset key keeps the default. */
function configOf<T extends object>(given: Partial<T>, defaults: T): T {
  return {
    ...defaults,
    ...Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)),
  };
}

/** Where the pack learns about the stack it runs for (pack.ts reads the stack config). */
export interface StackContext {
  /** The stack config's environment names, or undefined when they cannot be read. */
  environments(): string[] | undefined;
}

// ---------------------------------------------------------------------------------------------
// section-images-follow-core

/** The section keys that name an image (Interlock's spelling; provider/interlock/images.ts). */
const IMAGE_KEYS = ["Image", "ProxyImage", "ConfigImage"];

/** The tag of `[host[:port]/]path[:tag][@digest]`; a colon before the last `/` is a port. */
function tagOf(ref: string): string | undefined {
  const name = ref.split("@")[0];
  const colon = name.lastIndexOf(":");
  return colon > name.lastIndexOf("/") ? name.slice(colon + 1) || undefined : undefined;
}

/**
 * Every image of a section the stack writes is on the core's release: an MKE upgrade moves
 * `ucp-interlock` and leaves a customized Interlock config on the old images. Compares tags only
 * (the repositories differ by design), and only when the core's image has one: `coreImage` is
 * what the provider's check read from the cluster.
 */
export function imagesFollowCoreViolations(name: string, props: Record<string, unknown>): string[] {
  const core = typeof props.coreImage === "string" ? props.coreImage : undefined;
  const coreTag = core && tagOf(core);
  if (!coreTag) return [];
  const sections = (props.sections ?? {}) as Record<string, Record<string, unknown>>;
  const out: string[] = [];
  for (const [section, keys] of Object.entries(sections)) {
    const behind = IMAGE_KEYS.filter((k) => {
      const image = keys?.[k];
      return typeof image === "string" && tagOf(image) !== undefined && tagOf(image) !== coreTag;
    }).map((k) => `${k} is ${keys[k] as string}`);
    if (!behind.length) continue;
    out.push(
      `InterlockConfig "${name}": [Extensions.${section}] ${listed(behind)} while ucp-interlock runs ` +
        `${core} (an MKE upgrade does not update a customized Interlock): set ` +
        `${NS}:interlock.images to follow-core, or to explicit images of the core's tag ${coreTag}`,
    );
  }
  return out;
}

/** One policy: a rule on one resource type, reporting each of its messages. */
function resourcePolicy(
  meta: Omit<ResourceValidationPolicy, "validateResource"> & { type: string },
  rule: (name: string, props: Record<string, unknown>, config: object) => string[],
): ResourceValidationPolicy {
  const { type, ...policy } = meta;
  return {
    ...policy,
    validateResource: (args, reportViolation) => {
      if (args.type !== type) return;
      for (const message of rule(args.name, args.props, args.getConfig())) reportViolation(message);
    },
  };
}

const proxySchema: PolicyConfigSchema = {
  properties: {
    environments: environmentsSchema,
    minReplicas: { type: "integer", minimum: 1, default: 2 },
    minNodes: { type: "integer", minimum: 1, default: 2 },
  },
};

/** The pack's policies, in the order the docs list them. */
export function policies(stack: StackContext): ResourceValidationPolicy[] {
  return [
    resourcePolicy(
      {
        type: TYPES.interlockConfig,
        name: "prod-proxy-redundancy",
        description: "Production proxies run at least 2 replicas on at least 2 ingress nodes.",
        enforcementLevel: "mandatory",
        severity: "high",
        configSchema: proxySchema,
      },
      (name, props, config) =>
        proxyRedundancyViolations(
          name,
          props,
          configOf<ProxyRedundancyConfig>(config, {
            environments: PROD_ENVIRONMENTS,
            minReplicas: 2,
            minNodes: 2,
          }),
        ),
    ),
    resourcePolicy(
      {
        type: TYPES.loadBalancer,
        name: "prod-nlb-deletion-protection",
        description: "Production load balancers have deletion protection.",
        enforcementLevel: "mandatory",
        severity: "high",
        configSchema: { properties: { environments: environmentsSchema } },
      },
      (name, props, config) =>
        deletionProtectionViolations(
          name,
          props,
          configOf<DeletionProtectionConfig>(config, { environments: PROD_ENVIRONMENTS }),
          stack.environments(),
        ),
    ),
    resourcePolicy(
      {
        type: TYPES.interlockConfig,
        name: "distinct-ingress-ports",
        description:
          "No two environments publish the same port where either publishes in ingress mode.",
        enforcementLevel: "advisory",
        severity: "medium",
      },
      (name, props) => distinctPortsViolations(name, props),
    ),
    resourcePolicy(
      {
        type: TYPES.appStack,
        name: "app-service-cluster",
        description:
          "Every routed app service sets com.docker.lb.service_cluster to an environment of the stack.",
        enforcementLevel: "advisory",
        severity: "medium",
      },
      (name, props) => serviceClusterViolations(name, props),
    ),
    resourcePolicy(
      {
        type: TYPES.interlockConfig,
        name: "section-images-follow-core",
        description:
          "The extension, proxy and config images of every section are on the core's release.",
        enforcementLevel: "advisory",
        severity: "medium",
      },
      (name, props) => imagesFollowCoreViolations(name, props),
    ),
  ];
}

/**
 * The environment names of a stack config as the engine hands it to the pack (PULUMI_CONFIG:
 * `interlock-ingress:environments` as JSON text, a table keyed by environment name).
 */
export function stackEnvironmentsFrom(pulumiConfig: string | undefined): string[] | undefined {
  if (!pulumiConfig) return undefined;
  try {
    const raw = (JSON.parse(pulumiConfig) as Record<string, unknown>)[`${NS}:environments`];
    if (raw === undefined) return [];
    const envs: unknown = typeof raw === "string" ? JSON.parse(raw) : raw;
    if (Array.isArray(envs)) return envs.map((e) => String(e?.name ?? e));
    return envs && typeof envs === "object" ? Object.keys(envs) : undefined;
  } catch {
    return undefined;
  }
}
