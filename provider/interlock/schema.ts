/** The parts of Interlock's core config.toml this project reads (see shared reference §2). */
import { foldKey } from "./fold";

/** One `[Extensions.<name>]` table: a service cluster (extension + proxy service pair). */
export interface ExtensionSection {
  Image?: string;
  Args?: string[];
  ServiceName?: string;
  ServiceCluster?: string;
  ProxyImage?: string;
  ProxyServiceName?: string;
  ProxyReplicas?: number;
  PublishMode?: string;
  PublishedPort?: number;
  PublishedSSLPort?: number;
  TargetPort?: number;
  TargetSSLPort?: number;
  Constraints?: string[];
  ProxyConstraints?: string[];
  ConfigServiceName?: string;
  Labels?: Record<string, string>;
  ContainerLabels?: Record<string, string>;
  ProxyLabels?: Record<string, string>;
  ProxyContainerLabels?: Record<string, string>;
  Config?: Record<string, unknown>;
  [key: string]: unknown;
}

/** The whole core config: top-level keys plus the extension tables. */
export interface CoreConfig {
  Extensions?: Record<string, ExtensionSection>;
  [key: string]: unknown;
}

/** UCP's Interlock core service. */
export const CORE_SERVICE = "ucp-interlock";
/** Name prefix of the core's config versions. */
export const CONFIG_PREFIX = "com.docker.ucp.interlock.conf-";
/** Where the core reads its config. */
export const CONFIG_TARGET = "/config.toml";
/** Proxy service names: `<prefix>-<env>`. */
export const PROXY_SERVICE_PREFIX = "ucp-interlock-proxy";
/** Extension service names: `<prefix>-<env>`. */
export const EXTENSION_SERVICE_PREFIX = "ucp-interlock-extension";

/** Labels this project puts on the config objects it creates. */
export const LABEL_HASH = "com.docker.interlock-ingress.hash";
/** The stack that wrote a config version. */
export const LABEL_STACK = "com.docker.interlock-ingress.stack";
/** Which stack owns which sections, as JSON `{stack: [section]}`. */
export const LABEL_OWNERS = "com.docker.interlock-ingress.owners";

/** N of `com.docker.ucp.interlock.conf-N`, or undefined for any other name. */
export function configVersion(name: string): number | undefined {
  if (!name.startsWith(CONFIG_PREFIX)) return undefined;
  const n = Number(name.slice(CONFIG_PREFIX.length));
  return Number.isInteger(n) && n >= 0 ? n : undefined;
}

/** Every service name a section makes the core create. */
export function serviceNames(section: ExtensionSection | undefined): string[] {
  // A section removed from another root spelling (`[extensions.x]`) is not found by name.
  if (!section || typeof section !== "object") return [];
  // Every spelling Interlock's decoder takes for the key (`servicename` too).
  const keys = ["servicename", "proxyservicename", "configservicename"];
  return Object.keys(section)
    .filter((k) => keys.includes(foldKey(k)))
    .map((k) => section[k])
    .filter((n): n is string => typeof n === "string" && n.length > 0);
}
