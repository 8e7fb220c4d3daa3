/**
 * The typed stack config that both the Interlock side and the AWS side are derived from, so
 * that ports, nodes and environment names cannot disagree between them. Parsing is pure:
 * every problem is reported with the config key that holds it and how to fix it.
 */

export const CONFIG_NAMESPACE = "interlock-ingress";
/** The node label that pins a cluster's proxies to its ingress nodes. */
export const SERVICE_CLUSTER_LABEL = "com.docker.interlock.service.cluster";

/** How a cluster's proxies publish their ports. */
export type PublishMode = "ingress" | "host";

/** One Interlock service cluster and the ingress nodes that carry its proxies. */
export interface EnvironmentSpec {
  name: string;
  /** UCP collection of the environment's nodes and networks, `/<name>` by default. */
  collection: string;
  /** Hostnames (EC2 private DNS names) of the nodes dedicated to this environment's proxies. */
  ingressNodes: string[];
  publishMode: PublishMode;
  publishedPort: number;
  publishedSSLPort: number;
  proxyReplicas: number;
  /**
   * Other `[Extensions.<env>]` keys and sub-tables, merged over the template section: tables
   * merge key by key, lists are appended to the template's list, scalars replace.
   */
  overrides: Record<string, unknown>;
  /** Keys whose value replaces the template's outright (lists and tables included). */
  replace: Record<string, unknown>;
}

/** How the Interlock config is rolled out. */
export interface InterlockSettings {
  /** Section every environment inherits its other keys from (UCP's `default`). */
  template: string;
  /** Drop the template section from the config, as the blog does when it renames it. */
  replaceTemplate: boolean;
  /** Config versions (`com.docker.ucp.interlock.conf-N`) to keep. */
  keepVersions: number;
  /** Remove extension/proxy services whose section is gone (the blog's NOTE). */
  removeStaleServices: boolean;
  /** Bound on waiting for rollout and for every cluster's services to converge. */
  verifyTimeoutSeconds: number;
  /** Refuse manager nodes as ingress nodes. */
  workersOnly: boolean;
  /**
   * Images of the owned sections after an MKE upgrade (provider/interlock/images.ts); absent
   * means as the template has them. Optional, so stacks that do not set it see no change.
   */
  images?: import("./interlock/images").ImagesSetting;
  /** Days before the client bundle's certificate expires that preview and drift warn (14). */
  bundleExpiryWarnDays?: number;
  /**
   * Stacks that are gone (`pulumi stack rm --force`) whose sections and ingress nodes this
   * stack may take (provider/interlock/release.ts).
   */
  release?: string[];
}

/** The whole parsed stack config of the Interlock side. */
export interface Topology {
  environments: EnvironmentSpec[];
  interlock: InterlockSettings;
}

/** The rollout settings when the stack sets none. */
export const DEFAULT_INTERLOCK: InterlockSettings = {
  template: "default",
  replaceTemplate: true,
  keepVersions: 5,
  removeStaleServices: true,
  verifyTimeoutSeconds: 300,
  workersOnly: true,
};

/**
 * Ports Swarm and MKE hold on the nodes ("open the following ports", MKE 3.8 CLI reference,
 * install: https://docs.mirantis.com/mke/3.8/cli-ref/mke-cli-install.html). 443 is left out:
 * MKE's controller holds it on managers only, and ingress nodes are workers.
 */
const RESERVED_PORTS: Record<number, string> = {
  179: "Calico's BGP port (MKE)",
  2376: "the Docker engine's TLS port (MKE's --swarm-port)",
  2377: "Swarm's cluster management port",
  4789: "Swarm's overlay (VXLAN) port",
  6443: "the Kubernetes API port (MKE)",
  7946: "Swarm's node gossip port",
  10250: "the kubelet's port (MKE)",
  12376: "MKE's TLS proxy port",
  ...Object.fromEntries(
    [12379, 12380, 12381, 12382, 12383, 12384, 12385, 12386, 12387, 12388, 12390].map((p) => [
      p,
      "one of MKE's control ports (12379-12390)",
    ]),
  ),
};

/** Every problem of a stack config, each naming its key and the fix. */
export class TopologyError extends Error {
  constructor(public readonly problems: string[]) {
    super(`invalid stack config:\n  - ${problems.join("\n  - ")}`);
    this.name = "TopologyError";
  }
}

/**
 * Environment names become Swarm service names (`ucp-interlock-extension-<env>`): swarmkit
 * wants a DNS label (at most 63 characters, no dash at either end) and the prefix takes 24.
 */
const NAME = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;
/** The longest environment name that still gives valid service names. */
export const MAX_ENVIRONMENT_NAME = 63 - "ucp-interlock-extension-".length;

/** Keys of an environment table. */
const ENVIRONMENT_KEYS = [
  "ingressNodes",
  "collection",
  "publishedPort",
  "publishedSSLPort",
  "publishMode",
  "proxyReplicas",
  "overrides",
  "replace",
];

/**
 * Section keys that come from the stack's own settings: overriding them would make Interlock
 * and the AWS edge disagree, so overrides of them are refused with the setting to use.
 */
export const SETTING_FOR_KEY: Record<string, string> = {
  publishedport: "publishedPort",
  publishedsslport: "publishedSSLPort",
  proxyreplicas: "proxyReplicas",
  publishmode: "publishMode",
  servicename: "the environment's name",
  proxyservicename: "the environment's name",
  servicecluster: "the environment's name",
  configservicename: "the environment's name",
};

/** The closest of `known` to `given` (for "did you mean"), when it is close enough. */
export function suggest(given: string, known: string[]): string | undefined {
  const { distance } = require("fastest-levenshtein") as typeof import("fastest-levenshtein");
  let best: string | undefined;
  let bestScore = Infinity;
  for (const k of known) {
    const d = distance(given.toLowerCase(), k.toLowerCase());
    if (d < bestScore) [best, bestScore] = [k, d];
  }
  return bestScore <= Math.max(2, Math.floor(given.length / 3)) ? best : undefined;
}

function isPort(v: unknown): v is number {
  return Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 65535;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return Boolean(v) && typeof v === "object" && !Array.isArray(v);
}

/** Parses `interlock-ingress:environments` and `interlock-ingress:interlock`; throws TopologyError. */
export function parseTopology(raw: { environments?: unknown; interlock?: unknown }): Topology {
  const problems: string[] = [];
  const key = (k: string) => `${CONFIG_NAMESPACE}:${k}`;

  const environments: EnvironmentSpec[] = [];
  const listedIn = new Map<string, string>();
  if (Array.isArray(raw.environments)) {
    problems.push(
      `${key("environments")}: expected a table keyed by environment name, got a list; write {dev: {ingressNodes: [...], ...}}`,
    );
  } else if (!isRecord(raw.environments) || !Object.keys(raw.environments).length) {
    problems.push(
      `${key("environments")}: no environment is configured; add one such as ` +
        `{dev: {ingressNodes: [<hostname>], publishedPort: 8082, publishedSSLPort: 8445}}`,
    );
  } else {
    for (const [name, value] of Object.entries(raw.environments)) {
      const at = `${key("environments")}.${name}`;
      if (!NAME.test(name) || name.length > MAX_ENVIRONMENT_NAME) {
        problems.push(
          `${at}: "${name}" cannot name Swarm services ucp-interlock-extension-${name}; use lower-case letters, digits ` +
            `and inner dashes, at most ${MAX_ENVIRONMENT_NAME} characters (a service name is a DNS label of at most 63)`,
        );
        continue;
      }
      if (!isRecord(value)) {
        problems.push(
          `${at}: expected a table with ingressNodes, publishedPort and publishedSSLPort`,
        );
        continue;
      }
      for (const k of Object.keys(value).filter((k) => !ENVIRONMENT_KEYS.includes(k))) {
        const near = suggest(k, ENVIRONMENT_KEYS);
        problems.push(
          `${at}.${k}: unknown key${near ? `; did you mean ${near}?` : ""} (known: ${ENVIRONMENT_KEYS.join(", ")})`,
        );
      }
      const nodes = value.ingressNodes;
      if (
        !Array.isArray(nodes) ||
        nodes.length === 0 ||
        nodes.some((n) => typeof n !== "string" || !n)
      ) {
        problems.push(
          `${at}.ingressNodes: list at least one node hostname, e.g. [ip-10-0-1-5.us-west-2.compute.internal]`,
        );
      } else if (new Set(nodes).size !== nodes.length) {
        problems.push(`${at}.ingressNodes: a node is listed twice; list each node once`);
      } else {
        for (const node of nodes as string[]) {
          const other = listedIn.get(node);
          if (other) {
            problems.push(
              `${at}.ingressNodes: ${node} is listed in ${other} and ${name}; an ingress node serves one environment`,
            );
          } else listedIn.set(node, name);
        }
      }
      for (const port of ["publishedPort", "publishedSSLPort"] as const) {
        if (!isPort(value[port])) {
          problems.push(
            `${at}.${port}: ${JSON.stringify(value[port] ?? null)} is not a port number (1-65535); set it, e.g. ${port === "publishedPort" ? 8082 : 8445}`,
          );
        } else if (RESERVED_PORTS[value[port] as number]) {
          problems.push(
            `${at}.${port}: ${value[port]} is ${RESERVED_PORTS[value[port] as number]} on every node, so the proxy could not bind it and the environment would be left without one; use another port, e.g. ${port === "publishedPort" ? 8082 : 8445}`,
          );
        }
      }
      if (isPort(value.publishedPort) && value.publishedPort === value.publishedSSLPort) {
        problems.push(
          `${at}: publishedPort and publishedSSLPort are both ${value.publishedPort}; give HTTP and HTTPS different ports`,
        );
      }
      const mode = value.publishMode ?? "ingress";
      if (mode !== "ingress" && mode !== "host") {
        problems.push(`${at}.publishMode: ${JSON.stringify(mode)} is not "ingress" or "host"`);
      }
      const nodeCount = Array.isArray(nodes) ? nodes.length : 0;
      const replicas = value.proxyReplicas ?? nodeCount;
      if (!Number.isInteger(replicas) || (replicas as number) < 1) {
        problems.push(
          `${at}.proxyReplicas: ${JSON.stringify(replicas)} is not a whole number of at least 1`,
        );
      }
      for (const table of ["overrides", "replace"] as const) {
        const given = value[table];
        if (given === undefined) continue;
        if (!isRecord(given)) {
          problems.push(`${at}.${table}: expected a table of [Extensions.${name}] keys`);
          continue;
        }
        for (const k of Object.keys(given)) {
          const setting = SETTING_FOR_KEY[k.toLowerCase()];
          if (setting) {
            problems.push(
              `${at}.${table}.${k}: set by the stack, not by ${table}; ` +
                (setting.startsWith("the ")
                  ? `it is derived from ${setting}`
                  : `use ${at}.${setting}`),
            );
          }
        }
      }
      const collection = value.collection ?? `/${name}`;
      if (typeof collection !== "string" || !collection.startsWith("/")) {
        problems.push(
          `${at}.collection: ${JSON.stringify(collection)} is not a UCP collection path such as /${name}`,
        );
      }
      environments.push({
        name,
        collection: collection as string,
        ingressNodes: (Array.isArray(nodes) ? nodes : []) as string[],
        publishMode: mode as PublishMode,
        publishedPort: value.publishedPort as number,
        publishedSSLPort: value.publishedSSLPort as number,
        proxyReplicas: replicas as number,
        overrides: (isRecord(value.overrides) ? value.overrides : {}) as Record<string, unknown>,
        replace: (isRecord(value.replace) ? value.replace : {}) as Record<string, unknown>,
      });
    }
  }

  const interlock = { ...DEFAULT_INTERLOCK };
  if (raw.interlock !== undefined) {
    if (!isRecord(raw.interlock)) {
      problems.push(
        `${key("interlock")}: expected a table, e.g. {template: default, keepVersions: 5}`,
      );
    } else {
      for (const [k, v] of Object.entries(raw.interlock)) {
        const at = `${key("interlock")}.${k}`;
        if (k === "images") {
          // Loaded here: images.ts reads this module's exports when it loads.
          const { parseImagesSetting } =
            require("./interlock/images") as typeof import("./interlock/images");
          const parsed = parseImagesSetting(v);
          problems.push(...parsed.problems);
          if (!parsed.problems.length && parsed.value !== "keep") interlock.images = parsed.value;
          continue;
        }
        if (k === "bundleExpiryWarnDays") {
          if (!Number.isInteger(v) || (v as number) < 0)
            problems.push(
              `${at}: expected a whole number of days (0 turns the warning off), got ${JSON.stringify(v)}`,
            );
          else interlock.bundleExpiryWarnDays = v as number;
          continue;
        }
        if (k === "release") {
          if (!Array.isArray(v) || !v.every((s) => typeof s === "string" && s !== ""))
            problems.push(
              `${at}: expected a list of stack names, e.g. ["dev"], got ${JSON.stringify(v)}`,
            );
          else if (v.length) interlock.release = [...new Set(v as string[])];
          continue;
        }
        if (!(k in DEFAULT_INTERLOCK)) {
          problems.push(
            `${at}: unknown setting; known: ${[...Object.keys(DEFAULT_INTERLOCK), "images", "bundleExpiryWarnDays", "release"].join(", ")}`,
          );
          continue;
        }
        const expected = typeof (DEFAULT_INTERLOCK as unknown as Record<string, unknown>)[k];
        if (typeof v !== expected) {
          problems.push(`${at}: expected a ${expected}, got ${JSON.stringify(v)}`);
          continue;
        }
        (interlock as unknown as Record<string, unknown>)[k] = v;
      }
      if (!Number.isInteger(interlock.keepVersions) || interlock.keepVersions < 2) {
        problems.push(
          `${key("interlock")}.keepVersions: keep at least 2 versions so a rollback target always exists`,
        );
      }
      if (!(interlock.verifyTimeoutSeconds > 0)) {
        problems.push(
          `${key("interlock")}.verifyTimeoutSeconds: must be a positive number of seconds`,
        );
      }
    }
  }
  if (problems.length) throw new TopologyError(problems);
  return { environments, interlock };
}
