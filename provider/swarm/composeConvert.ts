/**
 * Compose services to Engine API service specs, as `docker stack deploy` (docker/cli 28.x,
 * `cli/compose/convert` and `cli/compose/loader`) converts them. The warnings it prints for
 * what a Swarm service cannot carry are in composeKeys.ts, re-exported here.
 *
 * The specs are written in the form the daemon hands back on inspect, wherever that means the
 * same thing as what the CLI sends: defaults the daemon fills in (replicas 1, endpoint mode
 * vip, port protocol tcp, isolation default, a restart policy's condition and attempts) are
 * written out, and zero values the daemon drops are left out. A spec can then be compared
 * with the live one key for key. Deliberate differences from the CLI: no registry digest
 * lookup for the image, and this project's own update and rollback defaults (rollback on a
 * failed update) where the file sets none.
 */
import { networkName } from "./compose";
import type { ComposeFile } from "./compose";
import {
  bytes,
  defined,
  nanos,
  nonEmpty,
  nonEmptyMap,
  nonZero,
  objectName,
  shellCommand,
  shortPorts,
  stableSortBy,
  str,
  stringList,
  stringMap,
  withNamespace,
  type Dict,
  type Spec,
} from "./composeValues";
import { mount } from "./composeMounts";

// The value parsers (composeValues.ts), the volumes (composeMounts.ts) and the warnings
// (composeKeys.ts) live in their own modules; these names stay importable here.
export { bytes, nanos } from "./composeValues";
export { parseVolume, stackVolumes, type StackVolume } from "./composeMounts";
export {
  CONVERTED_KEYS,
  DEPRECATED_KEYS,
  DROPPED_KEYS,
  FORBIDDEN_KEYS,
  UNSUPPORTED_KEYS,
  unsupportedKeys,
} from "./composeKeys";

/** IDs and names of the stack's Swarm objects, by Compose key. */
export interface StackObjectIds {
  networks: Record<string, string>;
  secrets: Record<string, { id: string; name: string }>;
  configs?: Record<string, { id: string; name: string }>;
}

// ---- ports ----

function endpointSpec(svc: Dict, deploy: Dict): Spec {
  const ports: Spec[] = [];
  for (const p of (svc.ports as unknown[]) ?? []) {
    if (p !== null && typeof p === "object") {
      const port = p as Dict;
      ports.push(
        defined({
          Protocol: String(port.protocol ?? "tcp").toLowerCase(),
          TargetPort: nonZero(Number(port.target)),
          PublishedPort: nonZero(Number(port.published ?? 0)),
          PublishMode: String(port.mode ?? "ingress").toLowerCase(),
        }),
      );
      continue;
    }
    // nat.ParsePortSpecs orders a spec's ports by their "port/proto" text.
    for (const b of stableSortBy(shortPorts(String(p)), (x) => `${x.target}/${x.protocol}`))
      for (const published of b.published)
        ports.push(
          defined({
            Protocol: b.protocol,
            TargetPort: b.target,
            PublishedPort: nonZero(published),
            PublishMode: "ingress",
          }),
        );
  }
  return defined({
    Mode: String(deploy.endpoint_mode || "vip").toLowerCase(),
    Ports: nonEmpty(stableSortBy(ports, (x) => (x.PublishedPort as number) ?? 0)),
  });
}

// ---- deploy ----

function serviceMode(deploy: Dict): Spec {
  const replicas = deploy.replicas as number | undefined;
  switch (deploy.mode ?? "replicated") {
    case "global":
    case "global-job":
      if (replicas !== undefined)
        throw new Error("replicas can only be used with replicated or replicated-job mode");
      return deploy.mode === "global" ? { Global: {} } : { GlobalJob: {} };
    case "replicated-job":
      return { ReplicatedJob: { MaxConcurrent: replicas ?? 1, TotalCompletions: replicas ?? 1 } };
    case "replicated":
      return { Replicated: { Replicas: replicas ?? 1 } };
    default:
      throw new Error(`Unknown mode: ${deploy.mode}`);
  }
}

function cpus(v: unknown): number | undefined {
  if (v === undefined || v === null || v === "") return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`invalid cpus: ${v}`);
  return Math.round(n * 1e9);
}

function resources(deploy: Dict): Spec {
  const r = (deploy.resources ?? {}) as Dict;
  const limits = r.limits as Dict | undefined;
  const reservations = r.reservations as Dict | undefined;
  const generic = ((reservations?.generic_resources as Dict[]) ?? [])
    .map((g) => g.discrete_resource_spec as Dict | undefined)
    .filter((d): d is Dict => d !== undefined)
    .map((d) => ({
      DiscreteResourceSpec: defined({ Kind: d.kind as string, Value: nonZero(d.value as number) }),
    }));
  return defined({
    Limits: limits
      ? defined({
          NanoCPUs: nonZero(cpus(limits.cpus)),
          MemoryBytes: nonZero(bytes(limits.memory as string)),
          Pids: nonZero(limits.pids as number),
        })
      : undefined,
    Reservations: reservations
      ? defined({
          NanoCPUs: nonZero(cpus(reservations.cpus)),
          MemoryBytes: nonZero(bytes(reservations.memory as string)),
          GenericResources: nonEmpty(generic),
        })
      : undefined,
  });
}

/** deploy.restart_policy, or else the legacy `restart` (which the CLI also warns about). */
function restartPolicy(svc: Dict, deploy: Dict): Spec | undefined {
  const policy = deploy.restart_policy as Dict | undefined;
  if (policy) {
    return defined({
      Condition: (policy.condition as string) || "any",
      Delay: nanos(policy.delay as string),
      MaxAttempts: (policy.max_attempts as number) ?? 0,
      Window: nanos(policy.window as string),
    });
  }
  const restart = svc.restart as string | undefined;
  if (!restart) return undefined;
  const [name, count] = restart.split(":");
  if (count !== undefined && name !== "on-failure")
    throw new Error("maximum retry count can only be used with 'on-failure'");
  switch (name) {
    case "no":
      return undefined;
    case "always":
    case "unless-stopped":
      return { Condition: "any", MaxAttempts: 0 };
    case "on-failure":
      return { Condition: "on-failure", MaxAttempts: count === undefined ? 0 : Number(count) };
    default:
      throw new Error(`unknown restart policy: ${restart}`);
  }
}

function placement(deploy: Dict): Spec {
  const p = (deploy.placement ?? {}) as Dict;
  return defined({
    Constraints: nonEmpty(p.constraints as string[]),
    Preferences: nonEmpty(
      ((p.preferences as Dict[]) ?? []).map((x) => ({
        Spread: { SpreadDescriptor: str(x.spread) },
      })),
    ),
    MaxReplicas: nonZero(p.max_replicas_per_node as number),
  });
}

/**
 * update_config / rollback_config. Where the file sets none this project still sends one:
 * failed updates roll back (the CLI sends none and Swarm would pause).
 */
export function updateConfig(c: Dict | undefined, fallbackAction: string): Spec {
  return defined({
    Parallelism: (c?.parallelism as number) ?? 1,
    Delay: nonZero(nanos(c?.delay as string)),
    FailureAction: (c?.failure_action as string) ?? fallbackAction,
    Monitor: nonZero(nanos(c?.monitor as string) ?? 5e9),
    MaxFailureRatio: (c?.max_failure_ratio as number) ?? 0,
    Order: (c?.order as string) ?? "stop-first",
  });
}

// ---- the container ----

function environment(v: unknown): string[] | undefined {
  const entries: Array<[string, string | undefined]> = Array.isArray(v)
    ? v.map((e) => {
        const s = String(e);
        const i = s.indexOf("=");
        return i < 0 ? [s, undefined] : [s.slice(0, i), s.slice(i + 1)];
      })
    : Object.entries((v ?? {}) as Dict).map(([k, x]) => [k, x === null ? undefined : String(x)]);
  const byName = new Map(entries);
  return nonEmpty([...byName].map(([k, x]) => (x === undefined ? k : `${k}=${x}`)).sort());
}

/** `host:ip` (or `host=ip`, or a map) to SwarmKit's `ip host`. */
function extraHosts(v: unknown): string[] | undefined {
  const pairs: string[] = Array.isArray(v)
    ? v.map(String).flatMap((e) => {
        for (const sep of ["=", ":"]) {
          const i = e.indexOf(sep);
          if (i >= 0) return [`${e.slice(0, i)}:${e.slice(i + 1)}`];
        }
        return [];
      })
    : Object.entries((v ?? {}) as Dict)
        .filter(([, ip]) => ip !== null && ip !== undefined)
        .map(([host, ip]) => `${host}:${ip}`)
        .sort();
  return nonEmpty(
    pairs.map((pair) => {
      const i = pair.indexOf(":");
      const ip = pair.slice(i + 1).replace(/^\[(.+)\]$/, "$1");
      return `${ip} ${pair.slice(0, i)}`;
    }),
  );
}

function healthcheck(h: Dict | undefined): Spec | undefined {
  if (!h) return undefined;
  if (h.disable) {
    if (h.test !== undefined && (h.test as unknown[]).length !== 0)
      throw new Error("test and disable can't be set at the same time");
    return { Test: ["NONE"] };
  }
  return defined({
    Test:
      h.test === undefined
        ? undefined
        : typeof h.test === "string"
          ? ["CMD-SHELL", h.test]
          : (h.test as string[]),
    Interval: nonZero(nanos(h.interval as string)),
    Timeout: nonZero(nanos(h.timeout as string)),
    Retries: nonZero(h.retries as number),
    StartPeriod: nonZero(nanos(h.start_period as string)),
    StartInterval: nonZero(nanos(h.start_interval as string)),
  });
}

function normalizeCapability(c: string): string {
  const cap = c.trim().toUpperCase();
  return cap === "ALL" || cap === "RESET" || cap.startsWith("CAP_") ? cap : `CAP_${cap}`;
}

/** opts.EffectiveCapAddCapDrop: normalized, deduplicated, sorted; an added one is not dropped. */
function capabilities(add: unknown, drop: unknown): { add?: string[]; drop?: string[] } {
  let adds = new Set(((add as string[]) ?? []).map(normalizeCapability));
  let drops = new Set(((drop as string[]) ?? []).map(normalizeCapability));
  if (adds.has("ALL")) adds = new Set(["ALL"]);
  if (drops.has("ALL")) drops = new Set(["ALL"]);
  return {
    add: nonEmpty([...adds].filter((c) => c !== "RESET").sort()),
    drop: nonEmpty([...drops].filter((c) => c !== "RESET" && !adds.has(c)).sort()),
  };
}

function ulimits(v: unknown): Spec[] | undefined {
  return nonEmpty(
    Object.entries((v ?? {}) as Record<string, number | { soft: number; hard: number }>)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([Name, u]) =>
        typeof u === "number" ? { Name, Soft: u, Hard: u } : { Name, Soft: u.soft, Hard: u.hard },
      ),
  );
}

function isolation(v: unknown): string {
  const i = str(v).toLowerCase();
  return i === "process" || i === "hyperv" ? i : "default";
}

type Ref = { id: string; name: string };

/** Secret or config references: target defaults to the source, files to 0:0 mode 0444. */
function fileRefs(
  kind: "secret" | "config",
  refs: unknown[] | undefined,
  compose: ComposeFile,
  stack: string,
  ids: Record<string, Ref> | undefined,
): Spec[] {
  const declared = ((kind === "secret" ? compose.secrets : compose.configs) ?? {}) as Record<
    string,
    Dict | null
  >;
  const [ID, NAME] = kind === "secret" ? ["SecretID", "SecretName"] : ["ConfigID", "ConfigName"];
  const targets = new Set<string>();
  const out = (refs ?? []).map((r) => {
    const ref = (typeof r === "string" ? { source: r } : r) as Dict;
    const key = ref.source as string;
    if (!(key in declared)) throw new Error(`undefined ${kind} "${key}"`);
    const name = ids?.[key]?.name ?? objectName(declared[key], key, stack);
    const target = (ref.target as string) || key;
    if (targets.has(target)) throw new Error(`duplicate ${kind} target for ${name} not allowed`);
    targets.add(target);
    return defined({
      File: {
        Name: target,
        UID: (ref.uid as string) || "0",
        GID: (ref.gid as string) || "0",
        Mode: (ref.mode as number) ?? 0o444,
      },
      [ID]: ids?.[key]?.id,
      [NAME]: name,
    });
  });
  return out;
}

/** credential_spec (Windows): a `config` one also needs a runtime reference to that config. */
function credentialSpec(
  svc: Dict,
  compose: ComposeFile,
  stack: string,
  ids: Record<string, Ref> | undefined,
): { spec: Spec | null; runtimeConfig?: Spec } {
  const c = svc.credential_spec as Dict | undefined;
  const set = ["config", "file", "registry"].filter((k) => c?.[k]);
  if (!c || !set.length) return { spec: null };
  if (set.length > 1) {
    const quoted = set.map((k) => `"${k[0].toUpperCase()}${k.slice(1)}"`);
    const last = quoted.pop();
    const list = quoted.length > 1 ? `${quoted.join(", ")}, and` : `${quoted[0]} and`;
    throw new Error(`invalid credential spec: cannot specify both ${list} ${last}`);
  }
  if (!c.config) return { spec: { Config: "", File: str(c.file), Registry: str(c.registry) } };
  const key = c.config as string;
  const declared = (compose.configs ?? {}) as Record<string, Dict | null>;
  if (!(key in declared)) throw new Error(`undefined config "${key}"`);
  const name = ids?.[key]?.name ?? objectName(declared[key], key, stack);
  const id = ids?.[key]?.id;
  return {
    spec: { Config: id ?? name, File: "", Registry: "" },
    runtimeConfig: defined({ Runtime: {}, ConfigID: id, ConfigName: name }),
  };
}

const USER_DEFINED = (target: string) =>
  !["default", "bridge", "host", "none"].includes(target) && !target.startsWith("container:");

function attachments(
  svc: Dict,
  name: string,
  compose: ComposeFile,
  stack: string,
  ids: Record<string, string>,
): Spec[] {
  const nets = svc.networks;
  const entries: Array<[string, Dict | null]> = Array.isArray(nets)
    ? nets.map((n) => [String(n), null])
    : Object.entries((nets ?? {}) as Record<string, Dict | null>);
  if (!entries.length) entries.push(["default", null]);
  const declared = (compose.networks ?? {}) as Dict;
  const out = entries.map(([key, cfg]) => {
    if (!(key in declared) && key !== "default") throw new Error(`undefined network "${key}"`);
    const target = networkName(compose, stack, key);
    const aliases = [
      ...((cfg?.aliases as string[]) ?? []),
      ...(USER_DEFINED(target) ? [name] : []),
    ];
    return {
      target,
      spec: defined({
        Target: ids[key] ?? target,
        Aliases: nonEmpty(aliases),
        DriverOpts:
          cfg?.driver_opts === undefined ? undefined : nonEmptyMap(stringMap(cfg.driver_opts)),
      }),
    };
  });
  // Ordered by network name, before the daemon swaps names for IDs.
  return stableSortBy(out, (n) => n.target).map((n) => n.spec);
}

function logDriver(svc: Dict): Spec | undefined {
  const logging = svc.logging as Dict | undefined;
  if (!logging) return undefined;
  return defined({
    Name: (logging.driver as string) || undefined,
    Options: logging.options === undefined ? undefined : nonEmptyMap(stringMap(logging.options)),
  });
}

function serviceSpec(
  compose: ComposeFile,
  stack: string,
  name: string,
  svc: Dict,
  ids: StackObjectIds,
): Spec {
  if (!svc.image)
    throw new Error(`invalid image reference for service ${name}: no image specified`);
  const deploy = (svc.deploy ?? {}) as Dict;
  const image = svc.image as string;
  const credential = credentialSpec(svc, compose, stack, ids.configs);
  const secrets = stableSortBy(
    fileRefs("secret", svc.secrets as unknown[], compose, stack, ids.secrets),
    (s) => s.SecretName as string,
  );
  const configs = stableSortBy(
    [
      ...fileRefs("config", svc.configs as unknown[], compose, stack, ids.configs),
      ...(credential.runtimeConfig ? [credential.runtimeConfig] : []),
    ],
    (c) => c.ConfigName as string,
  );
  const caps = capabilities(svc.cap_add, svc.cap_drop);
  const dns = stringList(svc.dns);
  const dnsSearch = stringList(svc.dns_search);
  const jobs = /job$/.test(String(deploy.mode ?? ""));
  const containerSpec = defined({
    Image: image,
    Labels: withNamespace(stack, svc.labels),
    Command: nonEmpty(shellCommand(svc.entrypoint)),
    Args: nonEmpty(shellCommand(svc.command)),
    Hostname: (svc.hostname as string) || undefined,
    Env: environment(svc.environment),
    Dir: (svc.working_dir as string) || undefined,
    User: (svc.user as string) || undefined,
    // The CLI always sends privileges; the daemon writes both pointers back, null or not.
    Privileges: { CredentialSpec: credential.spec, SELinuxContext: null, NoNewPrivileges: false },
    Init: typeof svc.init === "boolean" ? svc.init : undefined,
    StopSignal: (svc.stop_signal as string) || undefined,
    TTY: svc.tty ? true : undefined,
    OpenStdin: svc.stdin_open ? true : undefined,
    ReadOnly: svc.read_only ? true : undefined,
    Mounts: nonEmpty(((svc.volumes as unknown[]) ?? []).map((v) => mount(v, compose, stack))),
    StopGracePeriod: nanos(svc.stop_grace_period as string),
    Healthcheck: healthcheck(svc.healthcheck as Dict | undefined),
    Hosts: extraHosts(svc.extra_hosts),
    DNSConfig:
      dns !== undefined || dnsSearch !== undefined
        ? defined({ Nameservers: nonEmpty(dns), Search: nonEmpty(dnsSearch) })
        : undefined,
    Secrets: nonEmpty(secrets),
    Configs: nonEmpty(configs),
    Isolation: isolation(svc.isolation),
    Sysctls: svc.sysctls === undefined ? undefined : nonEmptyMap(stringMap(svc.sysctls)),
    CapabilityAdd: caps.add,
    CapabilityDrop: caps.drop,
    Ulimits: ulimits(svc.ulimits),
    OomScoreAdj: nonZero(svc.oom_score_adj as number),
  });
  return defined({
    Name: `${stack}_${name}`,
    Labels: { ...withNamespace(stack, deploy.labels), "com.docker.stack.image": image },
    TaskTemplate: defined({
      ContainerSpec: containerSpec,
      Resources: resources(deploy),
      RestartPolicy: restartPolicy(svc, deploy),
      Placement: placement(deploy),
      Networks: attachments(svc, name, compose, stack, ids.networks),
      LogDriver: logDriver(svc),
      ForceUpdate: 0,
      Runtime: "container",
    }),
    Mode: serviceMode(deploy),
    // Jobs do not roll: no update or rollback config unless the file sets one.
    UpdateConfig:
      jobs && !deploy.update_config
        ? undefined
        : updateConfig(deploy.update_config as Dict, "rollback"),
    RollbackConfig:
      jobs && !deploy.rollback_config
        ? undefined
        : updateConfig(deploy.rollback_config as Dict, "pause"),
    EndpointSpec: endpointSpec(svc, deploy),
  });
}

/** Engine API service specs for a stack, as `docker stack deploy` would create them. */
export function serviceSpecs(
  compose: ComposeFile,
  stack: string,
  ids: StackObjectIds,
): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const [name, svc] of Object.entries(compose.services ?? {})) {
    try {
      out[name] = serviceSpec(compose, stack, name, svc as Dict, ids);
    } catch (err) {
      throw new Error(`service ${name}: ${(err as Error).message}`, { cause: err });
    }
  }
  return out;
}
