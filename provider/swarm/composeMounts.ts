/**
 * Compose volumes as Swarm mounts, and the named volumes the daemon creates for them, as
 * `docker stack deploy` (docker/cli 28.x, `cli/compose/convert/volume.go` and the loader's
 * short-syntax parser) reads them. Separate from composeConvert.ts because the stack needs
 * its volumes on their own (stackVolumes) as well as inside each service's container spec.
 */
import type { ComposeFile } from "./compose";
import {
  bytes,
  defined,
  nonEmptyMap,
  nonZero,
  objectName,
  stringMap,
  withNamespace,
  type Dict,
  type Spec,
} from "./composeValues";

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

export function mount(v: unknown, compose: ComposeFile, stack: string): Spec {
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
  // docker stack deploy makes a relative bind source absolute against the Compose file's
  // folder on the machine that deploys, which names no path on the nodes: say so instead.
  if (type === "bind" && source && !source.startsWith("/"))
    throw new Error(
      `bind source "${source}" is relative (docker stack deploy would resolve it on the deploying machine, not on the nodes); write the absolute path on the nodes`,
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
