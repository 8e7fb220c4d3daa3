/**
 * The Swarm objects of one application stack: its services (labelled
 * `com.docker.stack.namespace=<stack>`, as `docker stack deploy` labels them), their tasks, and
 * the networks, secrets and configs it creates. One place knows how the stack's objects are
 * found, deployed and removed; AppStack reads as what it does.
 */
import type Dockerode from "dockerode";
import { engineMessage } from "../docker/errors";
import { createObject, idOf, listObjects, removeObject, updateService } from "../docker/objects";
import type { SwarmService, SwarmTask } from "../docker/types";
import { withVersionRetry } from "../docker/versionRetry";
import { deepEqual } from "../util/canonical";
import { STACK_NAMESPACE } from "./compose";

/** The label every object of the stack carries. */
export function namespaceLabels(stack: string): Record<string, string> {
  return { [STACK_NAMESPACE]: stack };
}

const namespaceFilter = (stack: string) => ({ label: [`${STACK_NAMESPACE}=${stack}`] });

/** The stack's services. */
export async function stackServices(docker: Dockerode, stack: string): Promise<SwarmService[]> {
  return listObjects(docker, "service", namespaceFilter(stack));
}

/** A service's tasks; with `running`, only those Swarm wants running. */
export async function serviceTasks(
  docker: Dockerode,
  serviceId: string,
  running = false,
): Promise<SwarmTask[]> {
  const filters: Record<string, string[]> = { service: [serviceId] };
  if (running) filters["desired-state"] = ["running"];
  return listObjects(docker, "task", filters);
}

/**
 * What identifies a task's spec: the API shows a service's template with defaults filled in
 * that its tasks' copies lack, so only the fields a deploy changes are compared.
 */
function fingerprint(spec: unknown): unknown {
  const t = (spec ?? {}) as {
    ContainerSpec?: Record<string, unknown>;
    Networks?: Array<{ Target: string }>;
    ForceUpdate?: number;
  };
  const c = t.ContainerSpec ?? {};
  const ids = (refs: unknown) =>
    ((refs as Array<{ SecretID?: string; ConfigID?: string }>) ?? []).map(
      (r) => r.SecretID ?? r.ConfigID,
    );
  return [
    c.Image,
    c.Command,
    c.Args,
    c.Env,
    c.Labels,
    ids(c.Secrets),
    ids(c.Configs),
    // No placement: Swarm keeps a task whose node still satisfies changed constraints (only
    // the others are replaced), so its spec keeps the old placement for good.
    (t.Networks ?? []).map((n) => n.Target),
    t.ForceUpdate ?? 0,
  ];
}

/** How many of a service's tasks run its current spec (not a spec it is replacing). */
export async function currentTasks(docker: Dockerode, svc: SwarmService): Promise<number> {
  const want = fingerprint(svc.Spec.TaskTemplate);
  return (await serviceTasks(docker, svc.ID, true)).filter(
    (t) => t.Status?.State === "running" && deepEqual(fingerprint(t.Spec), want),
  ).length;
}

/** Creates the service, or updates it under its version index (re-read on a stale one). */
export async function upsertService(
  docker: Dockerode,
  stack: string,
  spec: Record<string, unknown>,
): Promise<void> {
  const name = spec.Name as string;
  await withVersionRetry(
    async () => (await stackServices(docker, stack)).find((s) => s.Spec.Name === name),
    async (current) => {
      if (!current) await createObject(docker, "service", spec);
      else await updateService(docker, current, spec);
    },
    {
      failed: (err) =>
        new Error(`stack ${stack}: deploying ${name} failed: ${engineMessage(err)}`, {
          cause: err,
        }),
    },
  );
}

/** Removes the stack's configs other than `keep` (replaced content, no longer referenced). */
export async function removeConfigsExcept(
  docker: Dockerode,
  stack: string,
  keep: Set<string>,
): Promise<void> {
  for (const cfg of await listObjects(docker, "config", namespaceFilter(stack))) {
    if (!keep.has(cfg.ID)) await removeObject(docker, "config", cfg.ID).catch(() => undefined);
  }
}

/**
 * Removes the stack's networks, secrets and configs; returns how many are left (still in use
 * by tasks shutting down, to be tried again).
 */
export async function removeStackData(docker: Dockerode, stack: string): Promise<number> {
  const filters = namespaceFilter(stack);
  let left = 0;
  for (const kind of ["network", "secret", "config"] as const) {
    for (const object of await listObjects(docker, kind, filters))
      await removeObject(docker, kind, idOf(object)).catch(() => left++);
  }
  return left;
}
