/**
 * `interlock-ingress:aws`: the AWS edge in front of the service clusters. Parsed together
 * with the environments so that ports and nodes come from one place; every problem names
 * the config key and the fix.
 */
import { configKey, StackConfigError, throwIfAny } from "./errors";
import { isPort, isRecord, isStringList, isWholeIn } from "./predicates";
import { didYouMean } from "./didYouMean";
import type { EnvironmentSpec } from "./environments";

/** The ports an environment's listeners take on its load balancer. */
export interface ListenerPorts {
  http: number;
  https: number;
}

/** `interlock-ingress:aws`, parsed: where the NLBs go and how they reach the nodes. */
export interface AwsSettings {
  vpcId: string;
  subnetIds: string[];
  /** Internal (private) load balancers instead of internet-facing ones. */
  internal: boolean;
  /** One NLB for all environments, with distinct listener ports per environment. */
  sharedLoadBalancer: boolean;
  /** Ports each environment listens on; default 80/443, or the published ports when shared. */
  listenerPorts: Record<string, ListenerPorts>;
  /** Security group of the ingress nodes; it gets exactly the proxy ports from the NLB. */
  nodeSecurityGroupId: string;
  /** Client networks allowed to reach the listeners. */
  clientCidrs: string[];
  /** Instance IDs of ingress nodes by hostname; others are looked up by private DNS name. */
  instanceIds: Record<string, string>;
  /** Route 53 alias records per environment, in `dnsZoneId`. */
  dnsZoneId?: string;
  records: Record<string, string[]>;
  /** Deletion protection on the load balancers (and `protect` in Pulumi); on for production. */
  deletionProtection: boolean;
  /** How the target groups check the proxies. */
  healthCheck: HealthCheck;
  /** Auto Scaling groups whose instances are targets too, per environment. */
  autoScalingGroups: Record<string, string[]>;
  /**
   * More target nodes per ingress-mode environment: the routing mesh accepts the published
   * ports on every node, so other workers can take traffic too (host mode: proxies only).
   */
  extraTargets: Record<string, string[]>;
  /** How long a deregistered target keeps its open connections (AWS's default is 300 s). */
  deregistrationDelaySeconds: number;
  /** Whether the NLB closes a deregistered target's connections when the delay ends. */
  connectionTermination: boolean;
  /** Environments whose 443 listener terminates TLS with an ACM certificate (opt-in). */
  tls: Record<string, TlsListener>;
}

/**
 * A TLS listener in place of TCP passthrough: the NLB decrypts with an ACM certificate and
 * forwards plain TCP to the proxy's PublishedPort. `ssl_passthrough` services and Interlock's
 * per-service certificates are then bypassed, so it is opt-in per environment.
 */
export interface TlsListener {
  certificateArn: string;
  sslPolicy: string;
  alpnPolicy?: string;
}

/** The security policy AWS recommends for NLB TLS listeners (TLS 1.2 and 1.3). */
export const DEFAULT_SSL_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06";

/** How the target groups check the proxies. */
export interface HealthCheck {
  /**
   * `TCP` (the proxy's port accepts a connection) or `HTTP` (the proxy answers `path` on its
   * HTTP port with a `matcher` status, for both target groups: never plain HTTP to the TLS port).
   */
  protocol: "TCP" | "HTTP";
  /** HTTP only, and required then: Interlock answers an unknown Host with 503. */
  path?: string;
  matcher: string;
  intervalSeconds: number;
  /** At most the interval (AWS refuses a longer one at `up`). */
  timeoutSeconds: number;
  healthyThreshold: number;
  unhealthyThreshold: number;
}

/** TCP on the traffic port every 10 s with a 10 s timeout, 3 checks either way. */
export const DEFAULT_HEALTH_CHECK: HealthCheck = {
  protocol: "TCP",
  matcher: "200-399",
  intervalSeconds: 10,
  timeoutSeconds: 10,
  healthyThreshold: 3,
  unhealthyThreshold: 3,
};

const HEALTH_CHECK_KEYS = [
  "protocol",
  "path",
  "matcher",
  "intervalSeconds",
  "timeoutSeconds",
  "healthyThreshold",
  "unhealthyThreshold",
];

/** The keys of `interlock-ingress:aws`; any other is a typo that would otherwise be ignored. */
export const AWS_KEYS = [
  "vpcId",
  "subnetIds",
  "internal",
  "sharedLoadBalancer",
  "listenerPorts",
  "nodeSecurityGroupId",
  "clientCidrs",
  "instanceIds",
  "dnsZoneId",
  "records",
  "deletionProtection",
  "healthCheck",
  "autoScalingGroups",
  "extraTargets",
  "deregistrationDelaySeconds",
  "connectionTermination",
  "tls",
];

function unknownKey(key: string, given: string, known: string[]): string {
  return `${key}: unknown key${didYouMean(given, known)}`;
}

/** Environments whose stacks get deletion protection unless told otherwise. */
export const PRODUCTION = /^(prod|production)$/;

const CIDR = /^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$/;

/** `interlock-ingress:aws.<k>`. */
const key = (k: string) => configKey(`aws.${k}`);

/** Parses the AWS settings; `undefined` when the stack has no AWS edge (the lab). */
export function parseAwsSettings(
  raw: unknown,
  environments: EnvironmentSpec[],
): AwsSettings | undefined {
  if (raw === undefined || raw === null) return undefined;
  const problems: string[] = [];
  if (!isRecord(raw))
    throw new StackConfigError([
      `${configKey("aws")}: expected a table with vpcId, subnetIds and nodeSecurityGroupId`,
    ]);

  for (const k of Object.keys(raw)) {
    if (!AWS_KEYS.includes(k)) problems.push(unknownKey(key(k), k, AWS_KEYS));
  }
  const flag = (k: string, byDefault: boolean) => boolean(raw, k, byDefault, problems);

  const vpcId = required(raw, "vpcId", "vpc-0123456789abcdef0", problems);
  const nodeSecurityGroupId = required(
    raw,
    "nodeSecurityGroupId",
    "sg-0123456789abcdef0",
    problems,
  );
  const subnetIds = raw.subnetIds;
  if (!isStringList(subnetIds, (s) => s.startsWith("subnet-")) || !subnetIds.length) {
    problems.push(
      `${key("subnetIds")}: list the subnets of the load balancers, e.g. [subnet-0aaa, subnet-0bbb]`,
    );
  }
  const clientCidrs = raw.clientCidrs ?? ["0.0.0.0/0"];
  if (
    !Array.isArray(clientCidrs) ||
    clientCidrs.some((c) => typeof c !== "string" || !CIDR.test(c))
  ) {
    problems.push(`${key("clientCidrs")}: expected IPv4 CIDRs such as 10.0.0.0/8`);
  }
  const shared = flag("sharedLoadBalancer", false);
  const internal = flag("internal", false);
  const listenerPorts = parseListenerPorts(raw, shared, environments, problems);
  const instanceIds = parseInstanceIds(raw.instanceIds, problems);
  const records = perEnvironment<string[]>(raw, "records", environments, problems, recordsEntry);
  if (Object.keys(records).length && !raw.dnsZoneId)
    problems.push(
      `${key("dnsZoneId")}: records are configured, so set the Route 53 hosted zone ID`,
    );
  const deletionProtection = flag(
    "deletionProtection",
    environments.some((e) => PRODUCTION.test(e.name)),
  );
  const healthCheck = parseHealthCheck(raw.healthCheck, problems);
  const deregistrationDelaySeconds = raw.deregistrationDelaySeconds ?? 300;
  if (!isWholeIn(deregistrationDelaySeconds, 0, 3600))
    problems.push(
      `${key("deregistrationDelaySeconds")}: ${JSON.stringify(deregistrationDelaySeconds)} is not a whole number of seconds in 0-3600, the range AWS takes`,
    );
  const connectionTermination = flag("connectionTermination", false);
  const tls = parseTls(raw.tls, environments, problems);
  const autoScalingGroups = perEnvironment<string[]>(
    raw,
    "autoScalingGroups",
    environments,
    problems,
    autoScalingGroupsEntry,
  );
  const extraTargets = perEnvironment<string[]>(
    raw,
    "extraTargets",
    environments,
    problems,
    extraTargetsEntry,
  );

  throwIfAny(problems);
  return {
    extraTargets,
    deregistrationDelaySeconds: deregistrationDelaySeconds as number,
    connectionTermination,
    tls,
    deletionProtection,
    healthCheck,
    autoScalingGroups,
    vpcId,
    subnetIds: subnetIds as string[],
    internal,
    sharedLoadBalancer: shared,
    listenerPorts,
    nodeSecurityGroupId,
    clientCidrs: clientCidrs as string[],
    instanceIds,
    dnsZoneId: raw.dnsZoneId as string | undefined,
    records,
  };
}

/** A non-empty string setting, with an example of it for the problem when it is missing. */
function required(
  raw: Record<string, unknown>,
  k: string,
  example: string,
  problems: string[],
): string {
  const v = raw[k];
  if (typeof v !== "string" || !v) problems.push(`${key(k)}: missing; set it, e.g. ${example}`);
  return v as string;
}

/** A true/false setting (its value as given when it is neither, a problem reported). */
function boolean(
  raw: Record<string, unknown>,
  k: string,
  byDefault: boolean,
  problems: string[],
): boolean {
  const v = raw[k] ?? byDefault;
  if (typeof v !== "boolean") problems.push(`${key(k)}: expected true or false`);
  return v as boolean;
}

/** `${k}.<env>` tables: each entry named after a configured environment, then checked. */
function perEnvironment<T>(
  raw: Record<string, unknown>,
  k: string,
  environments: EnvironmentSpec[],
  problems: string[],
  check: EntryCheck = () => {},
): Record<string, T> {
  const given = (isRecord(raw[k]) ? raw[k] : {}) as Record<string, T>;
  for (const [name, value] of Object.entries(given)) {
    const at = key(`${k}.${name}`);
    const env = environments.find((e) => e.name === name);
    if (!env) problems.push(`${at}: no environment is named ${name}`);
    check(at, name, value, env, problems);
  }
  return given;
}

/** `listenerPorts`: per environment, given, the published ports when shared, or 80/443. */
function parseListenerPorts(
  raw: Record<string, unknown>,
  shared: unknown,
  environments: EnvironmentSpec[],
  problems: string[],
): Record<string, ListenerPorts> {
  const listenerPorts: Record<string, ListenerPorts> = {};
  const given = perEnvironment<unknown>(raw, "listenerPorts", environments, problems);
  for (const env of environments) {
    const g = given[env.name];
    const ports = isRecord(g)
      ? { http: g.http, https: g.https }
      : shared
        ? { http: env.publishedPort, https: env.publishedSSLPort }
        : { http: 80, https: 443 };
    for (const p of ["http", "https"] as const) {
      if (!isPort(ports[p]))
        problems.push(
          `${key(`listenerPorts.${env.name}.${p}`)}: ${JSON.stringify(ports[p])} is not a port number (1-65535)`,
        );
    }
    if (isPort(ports.http) && ports.http === ports.https)
      problems.push(
        `${key(`listenerPorts.${env.name}`)}: http and https are both ${ports.http}; a load balancer takes one listener per port`,
      );
    listenerPorts[env.name] = ports as ListenerPorts;
  }
  if (shared === true) sharedPortProblems(listenerPorts, problems);
  return listenerPorts;
}

/** On a shared load balancer, every environment's listener ports are its own. */
function sharedPortProblems(listenerPorts: Record<string, ListenerPorts>, problems: string[]) {
  const seen = new Map<number, string>();
  for (const [name, ports] of Object.entries(listenerPorts)) {
    for (const p of [ports.http, ports.https]) {
      if (seen.has(p)) {
        problems.push(
          `${key(`listenerPorts.${name}`)}: port ${p} is also a listener of ${seen.get(p)} on the shared load balancer; give each environment its own listener ports`,
        );
      } else seen.set(p, name);
    }
  }
}

function parseInstanceIds(raw: unknown, problems: string[]): Record<string, string> {
  const instanceIds = isRecord(raw) ? (raw as Record<string, string>) : {};
  for (const [host, id] of Object.entries(instanceIds)) {
    if (typeof id !== "string" || !/^i-[0-9a-f]{8,17}$/.test(id))
      problems.push(
        `${key(`instanceIds.${host}`)}: ${JSON.stringify(id)} is not an EC2 instance ID (i-…)`,
      );
  }
  return instanceIds;
}

/** How an entry of a per-environment table is checked (after its environment is). */
type EntryCheck = (
  at: string,
  name: string,
  value: unknown,
  env: EnvironmentSpec | undefined,
  problems: string[],
) => void;

/** `records`: DNS names per environment. */
const recordsEntry: EntryCheck = (at, _name, hosts, _env, problems) => {
  if (!isStringList(hosts, (h) => h.includes(".")))
    problems.push(`${at}: list DNS names, e.g. [ingress-demo.lab.example.com]`);
};

/** `autoScalingGroups`: group names per environment. */
const autoScalingGroupsEntry: EntryCheck = (at, name, groups, _env, problems) => {
  if (!isStringList(groups))
    problems.push(`${at}: list Auto Scaling group names, e.g. [ingress-${name}]`);
};

/** `extraTargets`: node hostnames per ingress-mode environment. */
const extraTargetsEntry: EntryCheck = (at, name, hosts, env, problems) => {
  if (env?.publishMode === "host") {
    problems.push(
      `${at}: ${name} publishes in host mode, so only its ingress nodes run proxies; remove extraTargets.${name} or use ingress mode`,
    );
  }
  if (!isStringList(hosts)) problems.push(`${at}: list node hostnames`);
};

/** `healthCheck`: over the defaults, each key in the range AWS takes. */
function parseHealthCheck(raw: unknown, problems: string[]): HealthCheck {
  const key = (k: string) => configKey(`aws.healthCheck${k ? `.${k}` : ""}`);
  const hc: HealthCheck = { ...DEFAULT_HEALTH_CHECK };
  if (raw === undefined) return hc;
  if (!isRecord(raw)) {
    problems.push(`${key("")}: expected a table such as {protocol: TCP, intervalSeconds: 10}`);
    return hc;
  }
  for (const [k, v] of Object.entries(raw)) {
    if (!HEALTH_CHECK_KEYS.includes(k)) problems.push(unknownKey(key(k), k, HEALTH_CHECK_KEYS));
    else healthCheckKey(key(k), k, v, hc, problems);
  }
  healthCheckProblems(key, raw, hc, problems);
  return hc;
}

/** One known key of `healthCheck`, set on `hc` when it is valid. */
function healthCheckKey(at: string, k: string, v: unknown, hc: HealthCheck, problems: string[]) {
  const whole = (low: number, high: number) => {
    if (isWholeIn(v, low, high)) return true;
    problems.push(
      `${at}: ${JSON.stringify(v)} is not a whole number in ${low}-${high}, the range AWS takes`,
    );
    return false;
  };
  if (k === "protocol") {
    if (v === "TCP" || v === "HTTP") hc.protocol = v;
    else problems.push(`${at}: ${JSON.stringify(v)} is not TCP or HTTP`);
  } else if (k === "path") {
    if (typeof v === "string" && v.startsWith("/")) hc.path = v;
    else problems.push(`${at}: ${JSON.stringify(v)} is not a path such as /health`);
  } else if (k === "matcher") {
    // AWS takes codes and ranges of 200-599, comma separated, for NLB HTTP checks.
    if (typeof v === "string" && /^[2-5]\d\d(-[2-5]\d\d)?(,[2-5]\d\d(-[2-5]\d\d)?)*$/.test(v))
      hc.matcher = v;
    else problems.push(`${at}: ${JSON.stringify(v)} is not HTTP codes such as 200 or 200-399`);
  } else if (k === "intervalSeconds") {
    if (whole(5, 300)) hc.intervalSeconds = v as number;
  } else if (k === "timeoutSeconds") {
    if (whole(2, 120)) hc.timeoutSeconds = v as number;
  } else if (whole(2, 10)) {
    hc[k as "healthyThreshold" | "unhealthyThreshold"] = v as number;
  }
}

/** What the keys of `healthCheck` say together: HTTP needs a path, the timeout fits the interval. */
function healthCheckProblems(
  key: (k: string) => string,
  raw: Record<string, unknown>,
  hc: HealthCheck,
  problems: string[],
) {
  if (hc.protocol === "HTTP" && hc.path === undefined)
    problems.push(
      `${key("path")}: an HTTP check needs a path the proxy answers with ${hc.matcher}; Interlock answers a request for an unknown host (the NLB sends the node's address) with 503, so give the path of your com.docker.lb.default_backend service, or use protocol TCP`,
    );
  if (hc.protocol === "TCP") {
    for (const k of ["path", "matcher"])
      if (k in raw)
        problems.push(`${key(k)}: only an HTTP check has a ${k}; remove it or set protocol: HTTP`);
  }
  if (!("timeoutSeconds" in raw))
    hc.timeoutSeconds = Math.min(hc.intervalSeconds, hc.protocol === "HTTP" ? 6 : 10);
  else if (hc.timeoutSeconds > hc.intervalSeconds)
    problems.push(
      `${key("timeoutSeconds")}: ${hc.timeoutSeconds} s is longer than intervalSeconds (${hc.intervalSeconds} s); AWS refuses a timeout longer than the interval`,
    );
}

const TLS_KEYS = ["certificateArn", "sslPolicy", "alpnPolicy"];
const ALPN_POLICIES = ["HTTP1Only", "HTTP2Only", "HTTP2Optional", "HTTP2Preferred", "None"];

/** `tls`: per environment, an ACM certificate and the listener's policies. */
function parseTls(
  raw: unknown,
  environments: EnvironmentSpec[],
  problems: string[],
): Record<string, TlsListener> {
  const key = (k: string) => configKey(`aws.tls${k ? `.${k}` : ""}`);
  const out: Record<string, TlsListener> = {};
  if (raw === undefined) return out;
  if (!isRecord(raw)) {
    problems.push(
      `${key("")}: expected a table of environments, e.g. {prod: {certificateArn: arn:aws:acm:…}}`,
    );
    return out;
  }
  for (const [name, v] of Object.entries(raw)) {
    if (!environments.some((e) => e.name === name)) {
      problems.push(`${key(name)}: no environment is named ${name}`);
      continue;
    }
    if (!isRecord(v)) {
      problems.push(`${key(name)}: expected {certificateArn: arn:aws:acm:…}`);
      continue;
    }
    out[name] = parseTlsListener((k) => key(`${name}.${k}`), v, problems);
  }
  return out;
}

function parseTlsListener(
  key: (k: string) => string,
  v: Record<string, unknown>,
  problems: string[],
): TlsListener {
  for (const k of Object.keys(v))
    if (!TLS_KEYS.includes(k)) problems.push(unknownKey(key(k), k, TLS_KEYS));
  const arn = v.certificateArn;
  if (typeof arn !== "string" || !/^arn:aws[a-z-]*:(acm|iam):/.test(arn))
    problems.push(`${key("certificateArn")}: expected an ACM certificate ARN (arn:aws:acm:…)`);
  const sslPolicy = v.sslPolicy ?? DEFAULT_SSL_POLICY;
  if (typeof sslPolicy !== "string" || !sslPolicy.startsWith("ELBSecurityPolicy"))
    problems.push(
      `${key("sslPolicy")}: expected an ELB security policy such as ${DEFAULT_SSL_POLICY}`,
    );
  if (v.alpnPolicy !== undefined && !ALPN_POLICIES.includes(v.alpnPolicy as string))
    problems.push(
      `${key("alpnPolicy")}: ${JSON.stringify(v.alpnPolicy)} is not one of ${ALPN_POLICIES.join(", ")}`,
    );
  return {
    certificateArn: arn as string,
    sslPolicy: sslPolicy as string,
    ...(v.alpnPolicy !== undefined ? { alpnPolicy: v.alpnPolicy as string } : {}),
  };
}
