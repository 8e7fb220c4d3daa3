/**
 * `interlock-ingress:environments`: one Interlock service cluster per environment and the
 * ingress nodes that carry its proxies. Both the Interlock side and the AWS side are derived
 * from it, so ports, nodes and environment names cannot disagree between them.
 */
import { configKey } from "./errors";
import { isPort, isRecord, isStringList, isWholeIn } from "./predicates";
import { suggest } from "./didYouMean";

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

/** An environment's table as given. */
type Table = Record<string, unknown>;

/** Parses `interlock-ingress:environments`, adding its problems to `problems`. */
export function parseEnvironments(raw: unknown, problems: string[]): EnvironmentSpec[] {
  const key = configKey("environments");
  if (Array.isArray(raw)) {
    problems.push(
      `${key}: expected a table keyed by environment name, got a list; write {dev: {ingressNodes: [...], ...}}`,
    );
    return [];
  }
  if (!isRecord(raw) || !Object.keys(raw).length) {
    problems.push(
      `${key}: no environment is configured; add one such as ` +
        `{dev: {ingressNodes: [<hostname>], publishedPort: 8082, publishedSSLPort: 8445}}`,
    );
    return [];
  }
  const environments: EnvironmentSpec[] = [];
  /** Which environment lists each ingress node so far. */
  const listedIn = new Map<string, string>();
  for (const [name, value] of Object.entries(raw)) {
    const env = parseEnvironment(name, value, listedIn, problems);
    if (env) environments.push(env);
  }
  return environments;
}

/** One environment's table; undefined when its name or its shape is unusable. */
function parseEnvironment(
  name: string,
  value: unknown,
  listedIn: Map<string, string>,
  problems: string[],
): EnvironmentSpec | undefined {
  const at = `${configKey("environments")}.${name}`;
  if (!NAME.test(name) || name.length > MAX_ENVIRONMENT_NAME) {
    problems.push(
      `${at}: "${name}" cannot name Swarm services ucp-interlock-extension-${name}; use lower-case letters, digits ` +
        `and inner dashes, at most ${MAX_ENVIRONMENT_NAME} characters (a service name is a DNS label of at most 63)`,
    );
    return undefined;
  }
  if (!isRecord(value)) {
    problems.push(`${at}: expected a table with ingressNodes, publishedPort and publishedSSLPort`);
    return undefined;
  }
  for (const k of Object.keys(value).filter((k) => !ENVIRONMENT_KEYS.includes(k))) {
    const near = suggest(k, ENVIRONMENT_KEYS);
    problems.push(
      `${at}.${k}: unknown key${near ? `; did you mean ${near}?` : ""} (known: ${ENVIRONMENT_KEYS.join(", ")})`,
    );
  }
  const nodes = value.ingressNodes;
  checkIngressNodes(at, name, nodes, listedIn, problems);
  checkPublishedPorts(at, value, problems);
  const mode = publishMode(at, value, problems);
  const replicas = proxyReplicas(at, value, problems);
  checkSectionTables(at, name, value, problems);
  const collection = collectionOf(at, name, value, problems);
  return {
    name,
    collection: collection as string,
    ingressNodes: (Array.isArray(nodes) ? nodes : []) as string[],
    publishMode: mode as PublishMode,
    publishedPort: value.publishedPort as number,
    publishedSSLPort: value.publishedSSLPort as number,
    proxyReplicas: replicas as number,
    overrides: (isRecord(value.overrides) ? value.overrides : {}) as Record<string, unknown>,
    replace: (isRecord(value.replace) ? value.replace : {}) as Record<string, unknown>,
  };
}

/** `publishMode`: ingress (the routing mesh, the default) or host. */
function publishMode(at: string, value: Table, problems: string[]): unknown {
  const mode = value.publishMode ?? "ingress";
  if (mode !== "ingress" && mode !== "host") {
    problems.push(`${at}.publishMode: ${JSON.stringify(mode)} is not "ingress" or "host"`);
  }
  return mode;
}

/** `proxyReplicas`: at least 1; one per ingress node by default. */
function proxyReplicas(at: string, value: Table, problems: string[]): unknown {
  const nodeCount = Array.isArray(value.ingressNodes) ? value.ingressNodes.length : 0;
  const replicas = value.proxyReplicas ?? nodeCount;
  if (!isWholeIn(replicas, 1)) {
    problems.push(
      `${at}.proxyReplicas: ${JSON.stringify(replicas)} is not a whole number of at least 1`,
    );
  }
  return replicas;
}

/** `collection`: a UCP collection path, `/<name>` by default. */
function collectionOf(at: string, name: string, value: Table, problems: string[]): unknown {
  const collection = value.collection ?? `/${name}`;
  if (typeof collection !== "string" || !collection.startsWith("/")) {
    problems.push(
      `${at}.collection: ${JSON.stringify(collection)} is not a UCP collection path such as /${name}`,
    );
  }
  return collection;
}

/** `ingressNodes`: at least one hostname, each once, and in no other environment. */
function checkIngressNodes(
  at: string,
  name: string,
  nodes: unknown,
  listedIn: Map<string, string>,
  problems: string[],
): void {
  if (!isStringList(nodes) || nodes.length === 0) {
    problems.push(
      `${at}.ingressNodes: list at least one node hostname, e.g. [ip-10-0-1-5.us-west-2.compute.internal]`,
    );
    return;
  }
  if (new Set(nodes).size !== nodes.length) {
    problems.push(`${at}.ingressNodes: a node is listed twice; list each node once`);
    return;
  }
  for (const node of nodes) {
    const other = listedIn.get(node);
    if (other) {
      problems.push(
        `${at}.ingressNodes: ${node} is listed in ${other} and ${name}; an ingress node serves one environment`,
      );
    } else listedIn.set(node, name);
  }
}

/** `publishedPort` and `publishedSSLPort`: free ports on every node, and not the same one. */
function checkPublishedPorts(at: string, value: Table, problems: string[]): void {
  for (const port of ["publishedPort", "publishedSSLPort"] as const) {
    const example = port === "publishedPort" ? 8082 : 8445;
    if (!isPort(value[port])) {
      problems.push(
        `${at}.${port}: ${JSON.stringify(value[port] ?? null)} is not a port number (1-65535); set it, e.g. ${example}`,
      );
    } else if (RESERVED_PORTS[value[port] as number]) {
      problems.push(
        `${at}.${port}: ${value[port]} is ${RESERVED_PORTS[value[port] as number]} on every node, so the proxy could not bind it and the environment would be left without one; use another port, e.g. ${example}`,
      );
    }
  }
  if (isPort(value.publishedPort) && value.publishedPort === value.publishedSSLPort) {
    problems.push(
      `${at}: publishedPort and publishedSSLPort are both ${value.publishedPort}; give HTTP and HTTPS different ports`,
    );
  }
}

/** `overrides` and `replace`: tables of section keys, none of them set by the stack itself. */
function checkSectionTables(at: string, name: string, value: Table, problems: string[]): void {
  for (const table of ["overrides", "replace"] as const) {
    const given = value[table];
    if (given === undefined) continue;
    if (!isRecord(given)) {
      problems.push(`${at}.${table}: expected a table of [Extensions.${name}] keys`);
      continue;
    }
    for (const k of Object.keys(given)) {
      const setting = SETTING_FOR_KEY[k.toLowerCase()];
      if (!setting) continue;
      problems.push(
        `${at}.${table}.${k}: set by the stack, not by ${table}; ` +
          (setting.startsWith("the ") ? `it is derived from ${setting}` : `use ${at}.${setting}`),
      );
    }
  }
}
