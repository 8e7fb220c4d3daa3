/**
 * What a stack's Swarm services cannot carry: the service keys `docker stack deploy` ignores,
 * refuses or drops, and the warnings it prints for them. Separate from composeConvert.ts
 * because these are tables and checks over the file, read on their own (by the stack's
 * preview and the tests), and no part of building a spec.
 */
import type { ComposeFile } from "./compose";
import { shortPorts, type Dict } from "./composeValues";

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

const UNSPECIFIED_IP = /^(0+\.0+\.0+\.0+|[0:]*::[0:]*|0+(:0+){7})$/;

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
