/**
 * Compose services to Engine API service specs, as `docker stack deploy` (docker/cli 28.x,
 * `cli/compose/convert` and `cli/compose/loader`) converts them, and the warnings it prints for
 * what a Swarm service cannot carry.
 *
 * The specs are written in the form the daemon hands back on inspect, wherever that means the
 * same thing as what the CLI sends: defaults the daemon fills in (replicas 1, endpoint mode
 * vip, port protocol tcp, isolation default, a restart policy's condition and attempts) are
 * written out, and zero values the daemon drops are left out. A spec can then be compared
 * with the live one key for key. Deliberate differences from the CLI: no registry digest
 * lookup for the image, and this project's own update and rollback defaults (rollback on a
 * failed update) where the file sets none.
 */
import { networkName, STACK_NAMESPACE } from "./compose";
import type { ComposeFile } from "./compose";

type Spec = Record<string, unknown>;
type Dict = Record<string, unknown>;

/** IDs and names of the stack's Swarm objects, by Compose key. */
export interface StackObjectIds {
  networks: Record<string, string>;
  secrets: Record<string, { id: string; name: string }>;
  configs?: Record<string, { id: string; name: string }>;
}

/** A named volume of the stack as the daemon creates it on first use by a task. */
export interface StackVolume {
  /** Swarm-side name: `<stack>_<key>`, or the volume's `name` / external name. */
  name: string;
  external: boolean;
  driver?: string;
  driverOpts?: Record<string, string>;
  /** The volume's labels plus the stack namespace label; none for an external volume. */
  labels: Record<string, string>;
}

// ---- small value parsers, each following the Go function the CLI uses ----

const DURATION_UNITS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  µs: 1e3,
  μs: 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/** Go's time.ParseDuration ("1m30s", "1.5h", "0"), in nanoseconds. */
export function nanos(d?: string | number): number | undefined {
  if (d === undefined || d === null) return undefined;
  const text = String(d).trim();
  const sign = text.startsWith("-") ? -1 : 1;
  const body = text.replace(/^[-+]/, "");
  if (body === "0") return 0;
  const part = /(\d*\.?\d+)(ns|us|µs|μs|ms|s|m|h)/y;
  let total = 0;
  let at = 0;
  while (at < body.length) {
    part.lastIndex = at;
    const m = part.exec(body);
    if (!m) throw new Error(`invalid duration "${text}"`);
    total += Number(m[1]) * DURATION_UNITS[m[2]];
    at = part.lastIndex;
  }
  if (!body.length) throw new Error(`invalid duration "${text}"`);
  return sign * Math.round(total);
}

/** go-units RAMInBytes: binary multiples, "512m", "1.5GiB", "100"; numbers are bytes. */
export function bytes(v?: string | number): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === "number") return Math.trunc(v);
  const m = /^(\d+(?:\.\d+)*) ?([kmgtp])?i?b?$/i.exec(v);
  if (!m) throw new Error(`invalid size: '${v}'`);
  return Math.trunc(parseFloat(m[1]) * 1024 ** " kmgtp".indexOf((m[2] ?? " ").toLowerCase()));
}

/** google/shlex, which the CLI splits string commands and entrypoints with. */
function shellSplit(text: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (/\s/.test(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (c === "#" && word === undefined) {
      while (i < text.length && text[i] !== "\n") i++;
    } else if (c === "\\") {
      word = (word ?? "") + (text[++i] ?? "");
    } else if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw new Error(`unclosed single quote in "${text}"`);
      word = (word ?? "") + text.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      word = word ?? "";
      for (i++; i < text.length && text[i] !== '"'; i++)
        word += text[i] === "\\" && i + 1 < text.length ? text[++i] : text[i];
      if (i >= text.length) throw new Error(`unclosed double quote in "${text}"`);
    } else word = (word ?? "") + c;
  }
  if (word !== undefined) words.push(word);
  return words;
}

function shellCommand(v: unknown): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  return typeof v === "string" ? shellSplit(v) : (v as unknown[]).map(String);
}

/** Go's fmt.Sprint of a YAML scalar; null is the empty string, as the CLI's mappings have it. */
function str(v: unknown): string {
  return v === null || v === undefined ? "" : String(v);
}

/** A Compose list-or-dict (`key=value` strings or a map) as a plain string map. */
function stringMap(v: unknown, sep = "="): Record<string, string> {
  if (Array.isArray(v)) {
    return Object.fromEntries(
      v.map((entry) => {
        const s = String(entry);
        const i = s.indexOf(sep);
        return i < 0 ? [s, ""] : [s.slice(0, i), s.slice(i + 1)];
      }),
    );
  }
  return Object.fromEntries(Object.entries((v ?? {}) as Dict).map(([k, x]) => [k, str(x)]));
}

function stringList(v: unknown): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  return (Array.isArray(v) ? v : [v]).map(String);
}

/** Drops keys whose value is undefined, so a spec has only what the daemon stores. */
function defined<T extends Dict>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

const nonEmpty = <T>(list: T[] | undefined): T[] | undefined => (list?.length ? list : undefined);
const nonEmptyMap = (m: Record<string, string> | undefined) =>
  m && Object.keys(m).length ? m : undefined;
const nonZero = (n: number | undefined) => (n ? n : undefined);
const stableSortBy = <T>(list: T[], key: (t: T) => string | number): T[] =>
  list
    .map((item, i) => ({ item, i }))
    .sort((a, b) => {
      const x = key(a.item);
      const y = key(b.item);
      return x < y ? -1 : x > y ? 1 : a.i - b.i;
    })
    .map((e) => e.item);

// ---- names of the stack's objects ----

const withNamespace = (stack: string, labels: unknown) => ({
  ...stringMap(labels),
  [STACK_NAMESPACE]: stack,
});

/** The Swarm name of a secret, config or volume: external ones as named, others stack-scoped. */
function objectName(def: Dict | null | undefined, key: string, stack: string): string {
  const external = def?.external as { name?: string } | boolean | undefined;
  if (external) {
    return (typeof external === "object" && external.name) || (def?.name as string) || key;
  }
  return (def?.name as string) || `${stack}_${key}`;
}

/** The named volumes the stack's services mount, with what the daemon creates them with. */
export function stackVolumes(compose: ComposeFile, stack: string): Record<string, StackVolume> {
  const declared = (compose.volumes ?? {}) as Record<string, Dict | null>;
  const used = new Set<string>();
  for (const svc of Object.values(compose.services ?? {})) {
    for (const v of ((svc as Dict).volumes as unknown[]) ?? []) {
      const vol = typeof v === "string" ? parseVolume(v) : (v as Dict);
      const source = vol.source as string | undefined;
      if (source && ((vol.type ?? "volume") === "volume" || vol.type === "cluster"))
        if (source in declared) used.add(source);
    }
  }
  return Object.fromEntries(
    [...used].sort().map((key) => {
      const def = declared[key] ?? {};
      const external = Boolean(def.external);
      return [
        key,
        defined({
          name: objectName(def, key, stack),
          external,
          driver: external ? undefined : (def.driver as string | undefined),
          driverOpts:
            external || def.driver_opts === undefined ? undefined : stringMap(def.driver_opts),
          labels: external ? {} : withNamespace(stack, def.labels),
        }) as StackVolume,
      ];
    }),
  );
}

// ---- volumes ----

const PROPAGATIONS = ["rprivate", "private", "rshared", "shared", "rslave", "slave"];

function isFilePath(source: string): boolean {
  if (".~/".includes(source[0])) return true;
  if (source.length === 1) return false;
  return source.startsWith("\\\\") || /^[a-z]:/i.test(source);
}

/** The CLI's short volume syntax: `[source:]target[:options]`, a path source being a bind. */
export function parseVolume(spec: string): Dict {
  if (!spec) throw new Error("invalid empty volume spec");
  if (spec.length <= 2) return { type: "volume", target: spec };
  const parts: string[] = [];
  let buffer = "";
  for (const c of spec) {
    if (c === ":" && !(buffer.length === 1 && /\p{L}/u.test(buffer))) {
      parts.push(buffer);
      buffer = "";
    } else buffer += c;
  }
  parts.push(buffer);
  if (parts.some((p) => !p)) throw new Error(`invalid spec: ${spec}: empty section between colons`);
  if (parts.length > 3) throw new Error(`invalid spec: ${spec}: too many colons`);
  const vol: Dict = {};
  if (parts.length === 1) vol.target = parts[0];
  else [vol.source, vol.target] = parts;
  for (const option of (parts[2] ?? "").split(",").filter(Boolean)) {
    if (option === "ro") vol.read_only = true;
    else if (option === "rw") vol.read_only = false;
    else if (option === "nocopy") vol.volume = { nocopy: true };
    else if (PROPAGATIONS.includes(option)) vol.bind = { propagation: option };
  }
  vol.type = vol.source && isFilePath(vol.source as string) ? "bind" : "volume";
  return vol;
}

/** Per mount type, the option blocks the CLI refuses alongside it. */
const INCOMPATIBLE: Record<string, string[]> = {
  volume: ["image", "tmpfs", "bind", "cluster"],
  image: ["volume", "bind", "tmpfs", "cluster"],
  bind: ["volume", "image", "tmpfs", "cluster"],
  tmpfs: ["bind", "volume", "image", "cluster"],
  npipe: ["volume", "image", "tmpfs"],
  cluster: ["tmpfs", "bind", "volume"],
};

function mount(v: unknown, compose: ComposeFile, stack: string): Spec {
  const vol = typeof v === "string" ? parseVolume(v) : (v as Dict);
  const type = (vol.type as string) || "volume";
  const source = vol.source as string | undefined;
  if (!INCOMPATIBLE[type])
    throw new Error("volume type must be volume, bind, tmpfs, npipe, or cluster");
  for (const kind of INCOMPATIBLE[type])
    if (vol[kind] !== undefined)
      throw new Error(`${kind} options are incompatible with type ${type}`);
  if (type === "tmpfs" ? source : !source && type !== "volume")
    throw new Error(
      type === "tmpfs"
        ? "invalid tmpfs source, source must be empty"
        : `invalid ${type} source, source cannot be empty`,
    );
  const out: Spec = defined({
    Type: type,
    Source: source || undefined,
    Target: vol.target as string | undefined,
    ReadOnly: vol.read_only ? true : undefined,
    Consistency: (vol.consistency as string) || undefined,
  });
  const bind = vol.bind as Dict | undefined;
  // The daemon keeps bind options only when they name a propagation.
  if ((type === "bind" || type === "npipe") && bind?.propagation)
    out.BindOptions = { Propagation: String(bind.propagation).toLowerCase() };
  const tmpfs = vol.tmpfs as Dict | undefined;
  if (type === "tmpfs" && tmpfs)
    out.TmpfsOptions = defined({ SizeBytes: nonZero(bytes(tmpfs.size as string)) });
  const image = vol.image as Dict | undefined;
  if (type === "image" && image)
    out.ImageOptions = defined({ Subpath: (image.subpath as string) || undefined });
  if (type === "volume" && source) Object.assign(out, namedVolume(vol, source, compose, stack));
  if (type === "cluster") {
    out.ClusterOptions = {};
    // A volume group is not the stack's: its name is used as it is.
    if (!source!.startsWith("group:"))
      out.Source = objectName(declaredVolume(compose, source!), source!, stack);
  }
  return out;
}

function declaredVolume(compose: ComposeFile, key: string): Dict | null {
  const volumes = (compose.volumes ?? {}) as Record<string, Dict | null>;
  if (!(key in volumes)) throw new Error(`undefined volume "${key}"`);
  return volumes[key];
}

function namedVolume(vol: Dict, source: string, compose: ComposeFile, stack: string): Spec {
  const def = declaredVolume(compose, source) ?? {};
  const opts = (vol.volume ?? {}) as Dict;
  const options: Spec = defined({
    NoCopy: opts.nocopy ? true : undefined,
    Subpath: (opts.subpath as string) || undefined,
  });
  if (!def.external) {
    options.Labels = withNamespace(stack, def.labels);
    if (def.driver || def.driver_opts !== undefined)
      options.DriverConfig = defined({
        Name: (def.driver as string) || undefined,
        Options:
          def.driver_opts === undefined ? undefined : nonEmptyMap(stringMap(def.driver_opts)),
      });
  }
  return { Source: objectName(def, source, stack), VolumeOptions: options };
}

// ---- ports ----

function portRange(text: string): [number, number] {
  const m = /^(\d+)(?:-(\d+))?$/.exec(text);
  const start = m ? Number(m[1]) : NaN;
  const end = m?.[2] !== undefined ? Number(m[2]) : start;
  if (!m || start > 65535 || end > 65535 || end < start) throw new Error(`invalid port: ${text}`);
  return [start, end];
}

interface PortBinding {
  target: number;
  protocol: string;
  ip: string;
  /** The host part as the CLI keeps it: one port, a range (for a single container port), or "". */
  host: string;
  published: number[];
}

/** Short syntax, as nat.ParsePortSpec reads it: `[ip:][host[-end]:]container[-end][/proto]`. */
function shortPorts(spec: string): PortBinding[] {
  const [rest, proto = "tcp"] = spec.split("/");
  const parts = rest.split(":");
  const container = parts[parts.length - 1];
  const host = parts.length > 1 ? parts[parts.length - 2] : "";
  const ip = parts
    .slice(0, -2)
    .join(":")
    .replace(/^\[(.*)\]$/, "$1");
  const [cStart, cEnd] = portRange(container);
  const [hStart, hEnd] = host ? portRange(host) : [0, 0];
  if (host && cEnd - cStart !== hEnd - hStart && cEnd !== cStart)
    throw new Error(
      `invalid ranges specified for container and host Ports: ${container} and ${host}`,
    );
  const protocol = proto.toLowerCase();
  if (!["tcp", "udp", "sctp"].includes(protocol)) throw new Error(`invalid proto: ${proto}`);
  const out: PortBinding[] = [];
  for (let c = cStart; c <= cEnd; c++) {
    if (!host) out.push({ target: c, protocol, ip, host: "", published: [0] });
    else if (cStart === cEnd) {
      // One container port and a host range: the CLI publishes it on every port of the range.
      const published = [];
      for (let h = hStart; h <= hEnd; h++) published.push(h);
      out.push({ target: c, protocol, ip, host, published });
    } else {
      const h = hStart + c - cStart;
      out.push({ target: c, protocol, ip, host: String(h), published: [h] });
    }
  }
  return out;
}

const UNSPECIFIED_IP = /^(0+\.0+\.0+\.0+|[0:]*::[0:]*|0+(:0+){7})$/;

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

// ---- what cannot be carried ----

/** Service keys the CLI ignores with "Ignoring unsupported options" (restart is still a fallback). */
export const UNSUPPORTED_KEYS = [
  "build",
  "cgroupns_mode",
  "cgroup_parent",
  "devices",
  "domainname",
  "external_links",
  "ipc",
  "links",
  "mac_address",
  "network_mode",
  "pid",
  "privileged",
  "restart",
  "security_opt",
  "shm_size",
  "userns_mode",
];

/** Service keys the CLI ignores with "Ignoring deprecated options", and why. */
export const DEPRECATED_KEYS: Record<string, string> = {
  container_name: "Setting the container name is not supported.",
  expose:
    "Exposing ports is unnecessary - services on the same network can access each other's containers on any port.",
};

/** Service keys the CLI refuses the file for ("compose file contains unsupported options"). */
export const FORBIDDEN_KEYS: Record<string, string> = {
  extends: "Support for `extends` is not implemented yet.",
  volume_driver:
    "Instead of setting the volume driver on the service, define a volume using the top-level `volumes` option and specify the driver there.",
  volumes_from:
    "To share a volume between services, define it using the top-level `volumes` option and reference it from each service that shares it using the service-level `volumes` option.",
  cpu_quota: "Set resource limits using deploy.resources",
  cpu_shares: "Set resource limits using deploy.resources",
  cpuset: "Set resource limits using deploy.resources",
  mem_limit: "Set resource limits using deploy.resources",
  memswap_limit: "Set resource limits using deploy.resources",
};

/**
 * Compose-spec keys and sub-keys outside the version 3 format docker stack deploy reads (its
 * schema rejects them), or in it but dropped without a word (depends_on, env_file, tmpfs, the
 * per-network addresses).
 */
export const DROPPED_KEYS = [
  "blkio_config",
  "cpu_count",
  "cpu_percent",
  "cpu_period",
  "cpu_rt_period",
  "cpu_rt_runtime",
  "cpus",
  "depends_on",
  "device_cgroup_rules",
  "dns_opt",
  "env_file",
  "group_add",
  "mem_reservation",
  "mem_swappiness",
  "oom_kill_disable",
  "pids_limit",
  "platform",
  "profiles",
  "pull_policy",
  "runtime",
  "scale",
  "storage_opt",
  "tmpfs",
];

/** Service keys serviceSpecs carries into the spec. */
export const CONVERTED_KEYS = [
  "cap_add",
  "cap_drop",
  "command",
  "configs",
  "credential_spec",
  "deploy",
  "dns",
  "dns_search",
  "entrypoint",
  "environment",
  "extra_hosts",
  "healthcheck",
  "hostname",
  "image",
  "init",
  "isolation",
  "labels",
  "logging",
  "networks",
  "oom_score_adj",
  "ports",
  "read_only",
  "restart",
  "secrets",
  "stdin_open",
  "stop_grace_period",
  "stop_signal",
  "sysctls",
  "tty",
  "ulimits",
  "user",
  "volumes",
  "working_dir",
];

/** Sub-keys a converted key may hold that the spec cannot carry. */
function droppedSubKeys(svc: Dict): string[] {
  const out: string[] = [];
  for (const p of (svc.ports as unknown[]) ?? [])
    if (p && typeof p === "object" && (p as Dict).host_ip !== undefined) out.push("ports.host_ip");
  if (svc.networks && !Array.isArray(svc.networks)) {
    for (const cfg of Object.values(svc.networks as Record<string, Dict | null>))
      for (const k of ["ipv4_address", "ipv6_address", "link_local_ips", "priority"])
        if (cfg?.[k] !== undefined) out.push(`networks.${k}`);
  }
  for (const v of (svc.volumes as unknown[]) ?? [])
    if (v && typeof v === "object" && ((v as Dict).bind as Dict)?.create_host_path !== undefined)
      out.push("volumes.bind.create_host_path");
  const reservations = ((svc.deploy as Dict)?.resources as Dict)?.reservations as Dict;
  if (reservations?.devices !== undefined) out.push("deploy.resources.reservations.devices");
  return out;
}

/** The IP of a short-syntax port other than the unspecified one, as the CLI warns about it. */
function portIpWarnings(svc: Dict): string[] {
  const out: string[] = [];
  for (const p of (svc.ports as unknown[]) ?? []) {
    if (p === null || typeof p === "object") continue;
    for (const b of shortPorts(String(p))) {
      if (!b.ip || UNSPECIFIED_IP.test(b.ip)) continue;
      const ip = b.ip.includes(":") ? `[${b.ip}]` : b.ip;
      out.push(
        `ignoring IP-address (${ip}:${b.host}:${b.target}/${b.protocol}) service will listen on '0.0.0.0'`,
      );
    }
  }
  return out;
}

function versionAtLeast(compose: ComposeFile, want: string): boolean {
  const v = String((compose as Dict).version ?? "3.13");
  const [major, minor = "0"] = (v === "3" ? "3.13" : v).split(".");
  const [wMajor, wMinor] = want.split(".");
  return Number(major) > Number(wMajor) || (major === wMajor && Number(minor) >= Number(wMinor));
}

/** external.name warnings, per top-level object, as the CLI's loader logs them. */
function externalNameWarnings(compose: ComposeFile): string[] {
  const out: string[] = [];
  const sections: Array<[string, unknown, string]> = [
    ["network", compose.networks, "3.5"],
    ["volume", compose.volumes, "3.4"],
    ["secret", compose.secrets, "3.5"],
    ["config", compose.configs, "3.5"],
  ];
  for (const [kind, section, since] of sections) {
    if (!versionAtLeast(compose, since)) continue;
    for (const [key, def] of Object.entries((section ?? {}) as Record<string, Dict | null>)) {
      const ext = def?.external;
      if (ext && typeof ext === "object" && (ext as Dict).name)
        out.push(`${kind} ${key}: ${kind}.external.name is deprecated in favor of ${kind}.name`);
    }
  }
  return out;
}

/**
 * One warning line per group of keys the stack's Swarm services cannot carry, worded as
 * `docker stack deploy` prints them (the CLI spreads the deprecated and refused ones over
 * several lines; here each group is one line). Empty when everything is carried.
 */
export function unsupportedKeys(compose: ComposeFile): string[] {
  const services = Object.values(compose.services ?? {}) as Dict[];
  const present = (keys: string[]) =>
    keys.filter((k) => services.some((s) => s && s[k] !== undefined)).sort();
  const described = (table: Record<string, string>) =>
    present(Object.keys(table)).map((k) => `${k}: ${table[k]}`);
  const lines: string[] = [];
  const unsupported = present(UNSUPPORTED_KEYS);
  if (unsupported.length) lines.push(`Ignoring unsupported options: ${unsupported.join(", ")}`);
  const deprecated = described(DEPRECATED_KEYS);
  if (deprecated.length) lines.push(`Ignoring deprecated options: ${deprecated.join("; ")}`);
  const forbidden = described(FORBIDDEN_KEYS);
  if (forbidden.length)
    lines.push(
      `Ignoring options docker stack deploy refuses (compose file contains unsupported options): ${forbidden.join("; ")}`,
    );
  const dropped = [
    ...new Set([
      ...present(DROPPED_KEYS),
      ...services.flatMap((s) => (s ? droppedSubKeys(s) : [])),
    ]),
  ].sort();
  if (dropped.length)
    lines.push(
      `Ignoring options docker stack deploy does not carry into a service: ${dropped.join(", ")}`,
    );
  lines.push(...externalNameWarnings(compose));
  lines.push(...services.flatMap((s) => (s ? portIpWarnings(s) : [])));
  return [...new Set(lines)];
}
