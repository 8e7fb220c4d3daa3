/**
 * `interlock-ingress:aws`: the AWS edge in front of the service clusters. Parsed together
 * with the environments so that ports and nodes come from one place; every problem names
 * the config key and the fix.
 */
import type * as pulumi from "@pulumi/pulumi";
import { CONFIG_NAMESPACE, EnvironmentSpec, TopologyError, suggest } from "../topology";

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
  const close = suggest(given, known);
  return `${key}: unknown key${close ? `; did you mean ${close}?` : `; known: ${known.join(", ")}`}`;
}

/** Environments whose stacks get deletion protection unless told otherwise. */
export const PRODUCTION = /^(prod|production)$/;

const CIDR = /^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$/;

function isRecord(v: unknown): v is Record<string, unknown> {
  return Boolean(v) && typeof v === "object" && !Array.isArray(v);
}

function isPort(v: unknown): v is number {
  return Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 65535;
}

/**
 * The settings as the IngressEdge component takes them: the IDs of the VPC, its subnets and the
 * nodes' security group may be outputs of other resources (a VPC created in the same program).
 */
export type EdgeSettings = Omit<
  AwsSettings,
  "vpcId" | "subnetIds" | "nodeSecurityGroupId" | "instanceIds"
> & {
  vpcId: pulumi.Input<string>;
  subnetIds: pulumi.Input<pulumi.Input<string>[]>;
  nodeSecurityGroupId: pulumi.Input<string>;
  instanceIds: Record<string, pulumi.Input<string>>;
};

/** Parses the AWS settings; `undefined` when the stack has no AWS edge (the lab). */
export function parseAwsSettings(
  raw: unknown,
  environments: EnvironmentSpec[],
): AwsSettings | undefined {
  if (raw === undefined || raw === null) return undefined;
  const key = (k: string) => `${CONFIG_NAMESPACE}:aws.${k}`;
  const problems: string[] = [];
  if (!isRecord(raw))
    throw new TopologyError([
      `${CONFIG_NAMESPACE}:aws: expected a table with vpcId, subnetIds and nodeSecurityGroupId`,
    ]);

  for (const k of Object.keys(raw)) {
    if (!AWS_KEYS.includes(k)) problems.push(unknownKey(key(k), k, AWS_KEYS));
  }

  const str = (k: string, example: string): string => {
    const v = raw[k];
    if (typeof v !== "string" || !v) problems.push(`${key(k)}: missing; set it, e.g. ${example}`);
    return v as string;
  };
  const vpcId = str("vpcId", "vpc-0123456789abcdef0");
  const nodeSecurityGroupId = str("nodeSecurityGroupId", "sg-0123456789abcdef0");
  const subnetIds = raw.subnetIds;
  if (
    !Array.isArray(subnetIds) ||
    subnetIds.length === 0 ||
    subnetIds.some((s) => typeof s !== "string" || !s.startsWith("subnet-"))
  ) {
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
  const shared = raw.sharedLoadBalancer ?? false;
  if (typeof shared !== "boolean")
    problems.push(`${key("sharedLoadBalancer")}: expected true or false`);
  const internal = raw.internal ?? false;
  if (typeof internal !== "boolean") problems.push(`${key("internal")}: expected true or false`);

  const listenerPorts: Record<string, ListenerPorts> = {};
  const given = isRecord(raw.listenerPorts) ? raw.listenerPorts : {};
  for (const name of Object.keys(given)) {
    if (!environments.some((e) => e.name === name))
      problems.push(`${key(`listenerPorts.${name}`)}: no environment is named ${name}`);
  }
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
  if (shared === true) {
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

  const instanceIds = isRecord(raw.instanceIds) ? (raw.instanceIds as Record<string, string>) : {};
  for (const [host, id] of Object.entries(instanceIds)) {
    if (typeof id !== "string" || !/^i-[0-9a-f]{8,17}$/.test(id))
      problems.push(
        `${key(`instanceIds.${host}`)}: ${JSON.stringify(id)} is not an EC2 instance ID (i-…)`,
      );
  }

  const records = isRecord(raw.records) ? (raw.records as Record<string, string[]>) : {};
  for (const [name, hosts] of Object.entries(records)) {
    if (!environments.some((e) => e.name === name))
      problems.push(`${key(`records.${name}`)}: no environment is named ${name}`);
    if (!Array.isArray(hosts) || hosts.some((h) => typeof h !== "string" || !h.includes("."))) {
      problems.push(
        `${key(`records.${name}`)}: list DNS names, e.g. [ingress-demo.lab.example.com]`,
      );
    }
  }
  const dnsZoneId = raw.dnsZoneId as string | undefined;
  if (Object.keys(records).length && !dnsZoneId)
    problems.push(
      `${key("dnsZoneId")}: records are configured, so set the Route 53 hosted zone ID`,
    );

  const deletionProtection =
    raw.deletionProtection ?? environments.some((e) => PRODUCTION.test(e.name));
  if (typeof deletionProtection !== "boolean")
    problems.push(`${key("deletionProtection")}: expected true or false`);

  const healthCheck = parseHealthCheck(raw.healthCheck, problems);

  const deregistrationDelaySeconds = raw.deregistrationDelaySeconds ?? 300;
  if (
    !Number.isInteger(deregistrationDelaySeconds) ||
    (deregistrationDelaySeconds as number) < 0 ||
    (deregistrationDelaySeconds as number) > 3600
  )
    problems.push(
      `${key("deregistrationDelaySeconds")}: ${JSON.stringify(deregistrationDelaySeconds)} is not a whole number of seconds in 0-3600, the range AWS takes`,
    );
  const connectionTermination = raw.connectionTermination ?? false;
  if (typeof connectionTermination !== "boolean")
    problems.push(`${key("connectionTermination")}: expected true or false`);
  const tls = parseTls(raw.tls, environments, problems);

  const autoScalingGroups = isRecord(raw.autoScalingGroups)
    ? (raw.autoScalingGroups as Record<string, string[]>)
    : {};
  for (const [name, groups] of Object.entries(autoScalingGroups)) {
    if (!environments.some((e) => e.name === name))
      problems.push(`${key(`autoScalingGroups.${name}`)}: no environment is named ${name}`);
    if (!Array.isArray(groups) || groups.some((g) => typeof g !== "string" || !g)) {
      problems.push(
        `${key(`autoScalingGroups.${name}`)}: list Auto Scaling group names, e.g. [ingress-${name}]`,
      );
    }
  }

  const extraTargets = isRecord(raw.extraTargets)
    ? (raw.extraTargets as Record<string, string[]>)
    : {};
  for (const [name, hosts] of Object.entries(extraTargets)) {
    const env = environments.find((e) => e.name === name);
    if (!env) problems.push(`${key(`extraTargets.${name}`)}: no environment is named ${name}`);
    else if (env.publishMode === "host") {
      problems.push(
        `${key(`extraTargets.${name}`)}: ${name} publishes in host mode, so only its ingress nodes run proxies; remove extraTargets.${name} or use ingress mode`,
      );
    }
    if (!Array.isArray(hosts) || hosts.some((h) => typeof h !== "string" || !h))
      problems.push(`${key(`extraTargets.${name}`)}: list node hostnames`);
  }

  if (problems.length) throw new TopologyError(problems);
  return {
    extraTargets,
    deregistrationDelaySeconds: deregistrationDelaySeconds as number,
    connectionTermination: connectionTermination as boolean,
    tls,
    deletionProtection: deletionProtection as boolean,
    healthCheck,
    autoScalingGroups,
    vpcId,
    subnetIds: subnetIds as string[],
    internal: internal as boolean,
    sharedLoadBalancer: shared as boolean,
    listenerPorts,
    nodeSecurityGroupId,
    clientCidrs: clientCidrs as string[],
    instanceIds,
    dnsZoneId,
    records,
  };
}

function parseHealthCheck(raw: unknown, problems: string[]): HealthCheck {
  const key = (k: string) => `${CONFIG_NAMESPACE}:aws.healthCheck${k ? `.${k}` : ""}`;
  const hc: HealthCheck = { ...DEFAULT_HEALTH_CHECK };
  if (raw === undefined) return hc;
  if (!isRecord(raw)) {
    problems.push(`${key("")}: expected a table such as {protocol: TCP, intervalSeconds: 10}`);
    return hc;
  }
  const whole = (k: string, v: unknown, low: number, high: number) => {
    if (Number.isInteger(v) && (v as number) >= low && (v as number) <= high) return true;
    problems.push(
      `${key(k)}: ${JSON.stringify(v)} is not a whole number in ${low}-${high}, the range AWS takes`,
    );
    return false;
  };
  for (const [k, v] of Object.entries(raw)) {
    if (!HEALTH_CHECK_KEYS.includes(k)) problems.push(unknownKey(key(k), k, HEALTH_CHECK_KEYS));
    else if (k === "protocol") {
      if (v === "TCP" || v === "HTTP") hc.protocol = v;
      else problems.push(`${key(k)}: ${JSON.stringify(v)} is not TCP or HTTP`);
    } else if (k === "path") {
      if (typeof v === "string" && v.startsWith("/")) hc.path = v;
      else problems.push(`${key(k)}: ${JSON.stringify(v)} is not a path such as /health`);
    } else if (k === "matcher") {
      // AWS takes codes and ranges of 200-599, comma separated, for NLB HTTP checks.
      if (typeof v === "string" && /^[2-5]\d\d(-[2-5]\d\d)?(,[2-5]\d\d(-[2-5]\d\d)?)*$/.test(v))
        hc.matcher = v;
      else
        problems.push(`${key(k)}: ${JSON.stringify(v)} is not HTTP codes such as 200 or 200-399`);
    } else if (k === "intervalSeconds") {
      if (whole(k, v, 5, 300)) hc.intervalSeconds = v as number;
    } else if (k === "timeoutSeconds") {
      if (whole(k, v, 2, 120)) hc.timeoutSeconds = v as number;
    } else if (whole(k, v, 2, 10)) {
      hc[k as "healthyThreshold" | "unhealthyThreshold"] = v as number;
    }
  }
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
  return hc;
}

function parseTls(
  raw: unknown,
  environments: EnvironmentSpec[],
  problems: string[],
): Record<string, TlsListener> {
  const key = (k: string) => `${CONFIG_NAMESPACE}:aws.tls${k ? `.${k}` : ""}`;
  const out: Record<string, TlsListener> = {};
  if (raw === undefined) return out;
  if (!isRecord(raw)) {
    problems.push(
      `${key("")}: expected a table of environments, e.g. {prod: {certificateArn: arn:aws:acm:…}}`,
    );
    return out;
  }
  const known = ["certificateArn", "sslPolicy", "alpnPolicy"];
  for (const [name, v] of Object.entries(raw)) {
    if (!environments.some((e) => e.name === name)) {
      problems.push(`${key(name)}: no environment is named ${name}`);
      continue;
    }
    if (!isRecord(v)) {
      problems.push(`${key(name)}: expected {certificateArn: arn:aws:acm:…}`);
      continue;
    }
    for (const k of Object.keys(v))
      if (!known.includes(k)) problems.push(unknownKey(key(`${name}.${k}`), k, known));
    const arn = v.certificateArn;
    if (typeof arn !== "string" || !/^arn:aws[a-z-]*:(acm|iam):/.test(arn))
      problems.push(
        `${key(`${name}.certificateArn`)}: expected an ACM certificate ARN (arn:aws:acm:…)`,
      );
    const sslPolicy = v.sslPolicy ?? DEFAULT_SSL_POLICY;
    if (typeof sslPolicy !== "string" || !sslPolicy.startsWith("ELBSecurityPolicy"))
      problems.push(
        `${key(`${name}.sslPolicy`)}: expected an ELB security policy such as ${DEFAULT_SSL_POLICY}`,
      );
    const alpn = ["HTTP1Only", "HTTP2Only", "HTTP2Optional", "HTTP2Preferred", "None"];
    if (v.alpnPolicy !== undefined && !alpn.includes(v.alpnPolicy as string))
      problems.push(
        `${key(`${name}.alpnPolicy`)}: ${JSON.stringify(v.alpnPolicy)} is not one of ${alpn.join(", ")}`,
      );
    out[name] = {
      certificateArn: arn as string,
      sslPolicy: sslPolicy as string,
      ...(v.alpnPolicy !== undefined ? { alpnPolicy: v.alpnPolicy as string } : {}),
    };
  }
  return out;
}

/** Six hex digits of a hash: a short fingerprint for a name. */
export function fingerprint(...parts: string[]): string {
  return (require("crypto") as typeof import("crypto"))
    .createHash("sha256")
    .update(parts.join("\0"))
    .digest("hex")
    .slice(0, 6);
}

/**
 * A name for an AWS object within its length limit (32 for load balancers and target
 * groups): readable when it fits, otherwise cut and made unique with a short hash.
 */
export function awsName(parts: string[], max = 32): string {
  // A stack named after its environment ("dev" stack, "dev" section) says it once.
  const unique = parts.filter(
    (p, i) => p && !parts.slice(0, i).some((q) => q === p || q.endsWith(`-${p}`)),
  );
  const name = unique
    .join("-")
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, "-")
    .replace(/-+/g, "-")
    .replace(/^-|-$/g, "");
  if (name.length <= max) return name;

  const hash = fingerprint(name);
  return `${name.slice(0, max - 7).replace(/-$/, "")}-${hash}`;
}
