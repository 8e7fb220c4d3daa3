/**
 * Reading the Interlock config that is live on the cluster (blog step 4) and the Swarm
 * objects around it, through the Engine API.
 */
import type Dockerode from "dockerode";
import { isNotFound } from "../docker/errors";
import { inspectObject, listObjects } from "../docker/objects";
import type { ConfigRef, SwarmNode, SwarmService } from "../docker/types";
import { NodeView } from "./constraints";
import { CONFIG_PREFIX, CONFIG_TARGET, configVersion, CoreConfig, CORE_SERVICE } from "./schema";
import { parseCoreConfig } from "./toml";
import { decodeConfigBytes } from "./bytes";

/** The config mounted on `ucp-interlock` now, with its text, parse and labels. */
export interface LiveConfig {
  service: SwarmService;
  /** The config object mounted at /config.toml. */
  ref: ConfigRef;
  version: number;
  text: string;
  config: CoreConfig;
  labels: Record<string, string>;
}

/** Inspects `ucp-interlock`; a missing one means layer-7 routing is off. */
export async function inspectCoreService(
  docker: Dockerode,
  name = CORE_SERVICE,
): Promise<SwarmService> {
  try {
    return await inspectObject(docker, "service", name);
  } catch (err) {
    if (isNotFound(err)) {
      throw new Error(
        `service ${name} does not exist: enable layer-7 routing in UCP first (Admin Settings → Layer 7 Routing → Enable Layer 7 Routing)`,
        { cause: err },
      );
    }
    throw err;
  }
}

/** The config mounted at /config.toml (the first one when none is). */
export function mountedConfig(service: SwarmService): ConfigRef {
  const refs = service.Spec.TaskTemplate.ContainerSpec.Configs ?? [];
  const ref = refs.find((r) => r.File?.Name === CONFIG_TARGET) ?? refs[0];
  if (!ref)
    throw new Error(`service ${service.Spec.Name} has no config mounted at ${CONFIG_TARGET}`);
  return ref;
}

/** The config object's text and labels. */
export async function readConfigObject(
  docker: Dockerode,
  id: string,
): Promise<{ text: string; labels: Record<string, string> }> {
  const info = await inspectObject(docker, "config", id);
  return {
    // Bytes that are not UTF-8 (another team's Latin-1 comment) survive the round trip.
    text: decodeConfigBytes(Buffer.from(info.Spec.Data, "base64")),
    labels: info.Spec.Labels ?? {},
  };
}

/** The config mounted on ucp-interlock now, parsed; malformed TOML is reported by name and line. */
export async function readLiveConfig(
  docker: Dockerode,
  serviceName = CORE_SERVICE,
): Promise<LiveConfig> {
  const service = await inspectCoreService(docker, serviceName);
  const ref = mountedConfig(service);
  const { text, labels } = await readConfigObject(docker, ref.ConfigID);
  let config: CoreConfig;
  try {
    config = parseCoreConfig(text, `the live Interlock config ${ref.ConfigName}`);
  } catch (err) {
    throw new Error(
      `${(err as Error).message}; fix it by hand (docker config create + service update) before this stack can merge into it`,
      { cause: err },
    );
  }
  return { service, ref, version: configVersion(ref.ConfigName) ?? 0, text, config, labels };
}

/** A `com.docker.ucp.interlock.conf-N` object and its labels. */
export interface ConfigObject {
  ID: string;
  name: string;
  version: number;
  labels: Record<string, string>;
}

/** Every `com.docker.ucp.interlock.conf-N`, oldest first. */
export async function listCoreConfigs(docker: Dockerode): Promise<ConfigObject[]> {
  const configs = await listObjects(docker, "config", { name: [CONFIG_PREFIX] });
  return configs
    .map((c) => ({
      ID: c.ID,
      name: c.Spec.Name,
      version: configVersion(c.Spec.Name),
      labels: c.Spec.Labels ?? {},
    }))
    .filter((c): c is ConfigObject => c.version !== undefined)
    .sort((a, b) => a.version - b.version);
}

/** A Swarm node as constraint matching sees it. */
export function toNodeView(n: SwarmNode): NodeView {
  return {
    id: n.ID,
    hostname: n.Description?.Hostname ?? n.ID,
    role: n.Spec.Role ?? "worker",
    os: n.Description?.Platform?.OS ?? "linux",
    arch: n.Description?.Platform?.Architecture ?? "x86_64",
    ip: n.Status?.Addr,
    labels: { ...(n.Spec.Labels ?? {}) },
    engineLabels: { ...(n.Description?.Engine?.Labels ?? {}) },
  };
}

/** Demultiplexes a non-TTY container log (8-byte frame headers) into text. */
export function demuxLogs(buf: Buffer): string {
  const chunks: string[] = [];
  let i = 0;
  while (i + 8 <= buf.length && (buf[i] === 1 || buf[i] === 2 || buf[i] === 0)) {
    const size = buf.readUInt32BE(i + 4);
    chunks.push(buf.subarray(i + 8, i + 8 + size).toString("utf8"));
    i += 8 + size;
  }
  return i === 0 ? buf.toString("utf8") : chunks.join("");
}
