/**
 * `interlock-ingress:aws`: the AWS edge in front of the service clusters. Parsed together
 * with the environments so that ports and nodes come from one place; every problem names
 * the config key and the fix.
 */
import type * as pulumi from "@pulumi/pulumi";
import { CONFIG_NAMESPACE, EnvironmentSpec, TopologyError } from "../topology";

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
}

/** How the target groups check the proxies. */
export interface HealthCheck {
  /** `TCP` (a port answers) or `HTTP` (the proxy answers `path` with 200-399). */
  protocol: "TCP" | "HTTP";
  path: string;
  intervalSeconds: number;
  healthyThreshold: number;
  unhealthyThreshold: number;
}

/** TCP on the traffic port every 10 s, 3 checks either way. */
export const DEFAULT_HEALTH_CHECK: HealthCheck = {
  protocol: "TCP",
  path: "/",
  intervalSeconds: 10,
  healthyThreshold: 3,
  unhealthyThreshold: 3,
};

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

  const healthCheck = { ...DEFAULT_HEALTH_CHECK };
  if (raw.healthCheck !== undefined) {
    if (!isRecord(raw.healthCheck))
      problems.push(`${key("healthCheck")}: expected a table such as {protocol: HTTP, path: /}`);
    else {
      for (const [k, v] of Object.entries(raw.healthCheck)) {
        if (!(k in DEFAULT_HEALTH_CHECK)) {
          problems.push(
            `${key(`healthCheck.${k}`)}: unknown key; known: ${Object.keys(DEFAULT_HEALTH_CHECK).join(", ")}`,
          );
        } else if (
          k === "protocol"
            ? v !== "TCP" && v !== "HTTP"
            : k === "path"
              ? typeof v !== "string" || !v.startsWith("/")
              : !(Number.isInteger(v) && (v as number) > 0)
        ) {
          problems.push(
            `${key(`healthCheck.${k}`)}: ${JSON.stringify(v)} is not ${k === "protocol" ? "TCP or HTTP" : k === "path" ? "a path such as /" : "a whole number above 0"}`,
          );
        } else (healthCheck as Record<string, unknown>)[k] = v;
      }
      if (healthCheck.intervalSeconds < 5 || healthCheck.intervalSeconds > 300) {
        problems.push(
          `${key("healthCheck.intervalSeconds")}: ${healthCheck.intervalSeconds} is outside 5-300, the range AWS takes`,
        );
      }
      for (const t of ["healthyThreshold", "unhealthyThreshold"] as const) {
        if (healthCheck[t] < 2 || healthCheck[t] > 10)
          problems.push(
            `${key(`healthCheck.${t}`)}: ${healthCheck[t]} is outside 2-10, the range AWS takes`,
          );
      }
    }
  }

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

  const hash = (require("crypto") as typeof import("crypto"))
    .createHash("sha256")
    .update(name)
    .digest("hex")
    .slice(0, 6);
  return `${name.slice(0, max - 7).replace(/-$/, "")}-${hash}`;
}
