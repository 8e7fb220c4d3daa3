/**
 * Interlock's documented config keys and their types, and key matching as its decoder does
 * it. Interlock decodes config.toml with BurntSushi/toml into typed Go structs: struct fields
 * match keys case-insensitively (`publishedport` is `PublishedPort`), and a value of another
 * type fails the whole decode, so the core exits and Swarm rolls the update back.
 * Sources: docker/docs ee/ucp/interlock/config/index.md (extension options) and
 * config/nginx-config.md (`Config`); UCP writes `WorkerProcesses = 1`, so it is an integer.
 */
import { getOwn, isPlainObject, setOwn } from "../util/canonical";
import { foldKey } from "./fold";

/** The Go type a documented key decodes into. */
export type KeyType = "string" | "int" | "uint" | "bool" | "strings" | "labels" | "table";

/** `[Extensions.<name>]` keys. */
export const EXTENSION_KEYS: Record<string, KeyType> = {
  Image: "string",
  Args: "strings",
  Labels: "labels",
  ContainerLabels: "labels",
  Constraints: "strings",
  PlacementPreferences: "strings",
  ServiceName: "string",
  ServiceCluster: "string",
  Networks: "strings",
  ProxyImage: "string",
  ProxyArgs: "strings",
  ProxyLabels: "labels",
  ProxyContainerLabels: "labels",
  ProxyServiceName: "string",
  ProxyConfigPath: "string",
  ProxyReplicas: "uint",
  ProxyStopSignal: "string",
  ProxyStopGracePeriod: "string",
  ProxyConstraints: "strings",
  ProxyPlacementPreferences: "strings",
  ProxyUpdateDelay: "string",
  PublishMode: "string",
  PublishedPort: "int",
  PublishedSSLPort: "int",
  TargetPort: "int",
  TargetSSLPort: "int",
  Template: "string",
  HitlessServiceUpdate: "bool",
  ConfigImage: "string",
  ConfigServiceName: "string",
  Config: "table",
};

/** `[Extensions.<name>.Config]` keys of the NGINX proxy. */
export const NGINX_CONFIG_KEYS: Record<string, KeyType> = {
  Version: "string",
  User: "string",
  PidPath: "string",
  MaxConnections: "int",
  ConnectTimeout: "int",
  SendTimeout: "int",
  ReadTimeout: "int",
  IPHash: "bool",
  AdminUser: "string",
  AdminPass: "string",
  SSLOpts: "string",
  SSLDefaultDHParam: "int",
  SSLDefaultDHParamPath: "string",
  SSLVerify: "string",
  WorkerProcesses: "int",
  RLimitNoFile: "int",
  SSLCiphers: "string",
  SSLProtocols: "string",
  AccessLogPath: "string",
  ErrorLogPath: "string",
  MainLogFormat: "string",
  TraceLogFormat: "string",
  KeepaliveTimeout: "string",
  ClientMaxBodySize: "string",
  ClientBodyBufferSize: "string",
  ClientHeaderBufferSize: "string",
  LargeClientHeaderBuffers: "string",
  ClientBodyTimeout: "string",
  UnderscoresInHeaders: "bool",
  HideInfoHeaders: "bool",
  UpstreamZoneSize: "int",
  ServerNamesHashBucketSize: "int",
  GlobalOptions: "strings",
  HTTPOptions: "strings",
  TCPOptions: "strings",
  HTTPVersion: "string",
};

const DESCRIBE: Record<KeyType, string> = {
  string: "a string",
  int: "an integer",
  uint: "a whole number of at least 0",
  bool: "true or false",
  strings: "a list of strings",
  labels: "a table of string values",
  table: "a table",
};

const FOLDED = new WeakMap<Record<string, KeyType>, Map<string, string>>();

/**
 * The documented spelling of `key` in `known`, matched as Interlock's decoder does
 * (`strings.EqualFold`: `proxyreplicas` and `ProxyReplicaſ` are `ProxyReplicas`).
 */
export function documentedKey(key: string, known: Record<string, KeyType>): string | undefined {
  if (Object.hasOwn(known, key)) return key;
  let folded = FOLDED.get(known);
  if (!folded) {
    folded = new Map(Object.keys(known).map((k) => [foldKey(k), k]));
    FOLDED.set(known, folded);
  }
  return folded.get(foldKey(key));
}

/** A table with keys in Interlock's spelling, and what did not fit. */
export interface NormalizedTable {
  table: Record<string, unknown>;
  /** Keys given in more than one spelling: Interlock would read one of them at random. */
  duplicates: Array<{ key: string; spellings: string[] }>;
  /** Keys Interlock does not know (it ignores them). */
  unknown: string[];
}

/** Renames keys to their documented spelling (and `Config`'s keys too). */
export function normalizeSection(section: Record<string, unknown>): NormalizedTable {
  const top = normalizeTable(section, EXTENSION_KEYS);
  if (isPlainObject(top.table.Config)) {
    const config = normalizeTable(top.table.Config, NGINX_CONFIG_KEYS);
    top.table.Config = config.table;
    top.duplicates.push(
      ...config.duplicates.map((d) => ({
        key: `Config.${d.key}`,
        spellings: d.spellings.map((s) => `Config.${s}`),
      })),
    );
    top.unknown.push(...config.unknown.map((k) => `Config.${k}`));
  }
  return top;
}

function normalizeTable(
  table: Record<string, unknown>,
  known: Record<string, KeyType>,
): NormalizedTable {
  const out: Record<string, unknown> = {};
  const spellings = new Map<string, string[]>();
  const unknown: string[] = [];
  for (const [key, value] of Object.entries(table)) {
    const name = documentedKey(key, known) ?? key;
    if (!documentedKey(key, known)) unknown.push(key);
    spellings.set(name, [...(spellings.get(name) ?? []), key]);
    // The documented spelling wins when both are present, so the result is deterministic.
    if (!Object.hasOwn(out, name) || key === name) setOwn(out, name, value);
  }
  const duplicates = [...spellings.entries()]
    .filter(([, s]) => s.length > 1)
    .map(([key, s]) => ({ key, spellings: s }));
  return { table: out, duplicates, unknown };
}

/** Why `value` cannot be decoded as `type`, or undefined when it can. */
export function typeProblem(value: unknown, type: KeyType): string | undefined {
  const ok = (() => {
    switch (type) {
      case "string":
        return typeof value === "string";
      case "int":
        return (typeof value === "number" && Number.isInteger(value)) || typeof value === "bigint";
      case "uint":
        return typeof value === "number" && Number.isInteger(value) && value >= 0;
      case "bool":
        return typeof value === "boolean";
      case "strings":
        return Array.isArray(value) && value.every((v) => typeof v === "string");
      case "labels":
        return isPlainObject(value) && Object.values(value).every((v) => typeof v === "string");
      case "table":
        return isPlainObject(value);
    }
  })();
  return ok ? undefined : `expected ${DESCRIBE[type]}, got ${describeValue(value)}`;
}

function describeValue(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(describeValue).join(", ")}]`;
  if (isPlainObject(value))
    return `{${Object.entries(value)
      .map(([k, v]) => `${k}: ${describeValue(v)}`)
      .join(", ")}}`;
  if (typeof value === "string") return JSON.stringify(value);
  return `${String(value)} (${typeof value === "number" ? (Number.isInteger(value) ? "integer" : "float") : typeof value})`;
}

/** Every wrongly typed documented key of a (normalized) section: [path, problem]. */
export function sectionTypeProblems(section: Record<string, unknown>): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const [key, type] of Object.entries(EXTENSION_KEYS)) {
    const value = getOwn(section, key);
    if (value === undefined) continue;
    const problem = typeProblem(value, type);
    if (problem) out.push([key, problem]);
  }
  if (isPlainObject(section.Config)) {
    for (const [key, type] of Object.entries(NGINX_CONFIG_KEYS)) {
      const v = getOwn(section.Config, key);
      if (v === undefined) continue;
      const problem = typeProblem(v, type);
      if (problem) out.push([`Config.${key}`, problem]);
    }
  }
  return out;
}
