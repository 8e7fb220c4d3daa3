/**
 * What drift watches of an app's service: every part of the spec the Compose file sets, keyed
 * by the Compose key it comes from, so a hand edit (`docker service update --env-add`, a
 * constraint, a published port, a mounted config) is reported by the key a user knows.
 *
 * IDs are left out (a network by its name, a secret or config by its name and file), and so
 * are empty values, so the live spec and the one the stack wrote read the same. Image,
 * replicas and labels are summarized on their own (ServiceSummary).
 */

/** A service spec as the Engine API returns it. */
export type ServiceSpecLike = Record<string, unknown>;

/** Compose key -> where the Engine API keeps it. */
const TRACKED: Array<[string, string]> = [
  ["environment", "TaskTemplate.ContainerSpec.Env"],
  ["entrypoint", "TaskTemplate.ContainerSpec.Command"],
  ["command", "TaskTemplate.ContainerSpec.Args"],
  ["labels", "TaskTemplate.ContainerSpec.Labels"],
  ["hostname", "TaskTemplate.ContainerSpec.Hostname"],
  ["working_dir", "TaskTemplate.ContainerSpec.Dir"],
  ["user", "TaskTemplate.ContainerSpec.User"],
  ["group_add", "TaskTemplate.ContainerSpec.Groups"],
  ["tty", "TaskTemplate.ContainerSpec.TTY"],
  ["stdin_open", "TaskTemplate.ContainerSpec.OpenStdin"],
  ["read_only", "TaskTemplate.ContainerSpec.ReadOnly"],
  ["volumes", "TaskTemplate.ContainerSpec.Mounts"],
  ["stop_signal", "TaskTemplate.ContainerSpec.StopSignal"],
  ["stop_grace_period", "TaskTemplate.ContainerSpec.StopGracePeriod"],
  ["healthcheck", "TaskTemplate.ContainerSpec.Healthcheck"],
  ["extra_hosts", "TaskTemplate.ContainerSpec.Hosts"],
  ["dns", "TaskTemplate.ContainerSpec.DNSConfig"],
  ["secrets", "TaskTemplate.ContainerSpec.Secrets"],
  ["configs", "TaskTemplate.ContainerSpec.Configs"],
  ["init", "TaskTemplate.ContainerSpec.Init"],
  ["sysctls", "TaskTemplate.ContainerSpec.Sysctls"],
  ["cap_add", "TaskTemplate.ContainerSpec.CapabilityAdd"],
  ["cap_drop", "TaskTemplate.ContainerSpec.CapabilityDrop"],
  ["ulimits", "TaskTemplate.ContainerSpec.Ulimits"],
  ["deploy.resources", "TaskTemplate.Resources"],
  ["deploy.restart_policy", "TaskTemplate.RestartPolicy"],
  ["deploy.placement.constraints", "TaskTemplate.Placement.Constraints"],
  ["deploy.placement.preferences", "TaskTemplate.Placement.Preferences"],
  ["deploy.placement.max_replicas_per_node", "TaskTemplate.Placement.MaxReplicas"],
  ["logging", "TaskTemplate.LogDriver"],
  ["networks", "TaskTemplate.Networks"],
  ["deploy.mode", "Mode"],
  ["deploy.update_config", "UpdateConfig"],
  ["deploy.rollback_config", "RollbackConfig"],
  ["deploy.endpoint_mode", "EndpointSpec.Mode"],
  ["ports", "EndpointSpec.Ports"],
];

function at(tree: unknown, path: string): unknown {
  let v = tree;
  for (const p of path.split("."))
    v = v && typeof v === "object" ? (v as Record<string, unknown>)[p] : undefined;
  return v;
}

/** The value without empty parts and without IDs; undefined when nothing is left. */
function pruned(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value.map(pruned).filter((v) => v !== undefined);
    return items.length ? items : undefined;
  }
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (k === "SecretID" || k === "ConfigID") continue;
      const p = pruned(v);
      if (p !== undefined) out[k] = p;
    }
    return Object.keys(out).length ? out : undefined;
  }
  if (value === "" || value === null || value === undefined || value === false || value === 0)
    return undefined;
  return value;
}

/**
 * The watched parts of `spec` by Compose key. `networkNames` maps network IDs to names (the
 * live spec attaches by ID).
 */
export function projectService(
  spec: ServiceSpecLike,
  networkNames: Record<string, string> = {},
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, path] of TRACKED) {
    let value = at(spec, path);
    if (key === "networks" && Array.isArray(value))
      value = value.map((n: { Target?: string }) => ({
        ...n,
        Target: networkNames[n.Target ?? ""] ?? n.Target,
      }));
    // Replicas are in the summary; only another mode is watched here, by its name.
    if (key === "deploy.mode")
      value = Object.keys((value as object) ?? {}).find((m) => m !== "Replicated");
    const p = pruned(value);
    if (p !== undefined) out[key] = p;
  }
  return out;
}
