/**
 * The Swarm objects of one application stack, through the Engine API: its services (labelled
 * `com.docker.stack.namespace=<stack>`, as `docker stack deploy` labels them), their tasks, and
 * the networks, secrets and configs it creates. One place knows how each is found, created,
 * updated under Swarm's version index and removed; AppStack reads as what it does.
 */
import type Dockerode from "dockerode";
import { engineMessage, isNotFound, isOutOfSequence } from "../docker/errors";
import { bodyOnly, VERSION_RETRIES } from "../docker/swarm";
import { deepEqual } from "../util/canonical";
import { STACK_NAMESPACE } from "./compose";

/** A stack service as the Engine API lists it, narrowed to what AppStack reads. */
export interface LiveService {
  ID: string;
  Version: { Index: number };
  Spec: {
    Name: string;
    Labels?: Record<string, string>;
    Mode?: { Replicated?: { Replicas?: number } };
    TaskTemplate: { ContainerSpec: { Image: string }; [k: string]: unknown };
  };
  UpdateStatus?: { State?: string; StartedAt?: string; Message?: string };
}

/** A task, narrowed to what convergence and failure reports read. */
export interface LiveTask {
  Spec?: unknown;
  Status?: { State?: string; Err?: string; Timestamp?: string };
}

/** The label every object of the stack carries. */
export function namespaceLabels(stack: string): Record<string, string> {
  return { [STACK_NAMESPACE]: stack };
}

const namespaceFilter = (stack: string) => ({ label: [`${STACK_NAMESPACE}=${stack}`] });

/** The stack's services. */
export async function stackServices(docker: Dockerode, stack: string): Promise<LiveService[]> {
  return (await docker.listServices({
    filters: namespaceFilter(stack),
  })) as unknown as LiveService[];
}

/** A service's tasks; with `running`, only those Swarm wants running. */
export async function serviceTasks(
  docker: Dockerode,
  serviceId: string,
  running = false,
): Promise<LiveTask[]> {
  const filters: Record<string, string[]> = { service: [serviceId] };
  if (running) filters["desired-state"] = ["running"];
  return (await docker.listTasks({ filters })) as LiveTask[];
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
export async function currentTasks(docker: Dockerode, svc: LiveService): Promise<number> {
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
  for (let attempt = 0; ; attempt++) {
    const current = (await stackServices(docker, stack)).find((s) => s.Spec.Name === name);
    try {
      if (!current) await docker.createService(spec);
      else
        await docker
          .getService(current.ID)
          .update({ _query: { version: current.Version.Index }, _body: spec });
      return;
    } catch (err) {
      if (isOutOfSequence(err) && attempt < VERSION_RETRIES) continue;
      throw new Error(`stack ${stack}: deploying ${name} failed: ${engineMessage(err)}`, {
        cause: err,
      });
    }
  }
}

/** Removes a service; one already gone counts as removed. */
export async function removeService(docker: Dockerode, id: string): Promise<void> {
  try {
    await docker.getService(id).remove();
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

type Kind = "network" | "secret" | "config";

/** The ID of the object of that kind with exactly that name (filters match by prefix). */
export async function findByName(
  docker: Dockerode,
  kind: Kind,
  name: string,
): Promise<string | undefined> {
  const filters = { name: [name] };
  if (kind === "network") {
    const nets = (await docker.listNetworks({ filters })) as Array<{ Id: string; Name: string }>;
    return nets.find((n) => n.Name === name)?.Id;
  }
  const list = (
    kind === "secret"
      ? await docker.listSecrets({ filters })
      : await docker.listConfigs({ filters })
  ) as Array<{
    ID: string;
    Spec: { Name: string };
  }>;
  return list.find((o) => o.Spec.Name === name)?.ID;
}

/** The network's ID, created with `spec` when it does not exist yet. */
export async function ensureNetwork(
  docker: Dockerode,
  name: string,
  spec: Record<string, unknown>,
): Promise<string> {
  const existing = await findByName(docker, "network", name);
  if (existing) return existing;
  const created = (await docker.createNetwork(
    bodyOnly({ Name: name, CheckDuplicate: true, ...spec }),
  )) as unknown as { id: string };
  return created.id;
}

/** The secret's or config's ID, created with `data` when it does not exist yet (both are immutable). */
export async function ensureData(
  docker: Dockerode,
  kind: "secret" | "config",
  name: string,
  labels: Record<string, string>,
  data: string,
): Promise<string> {
  const existing = await findByName(docker, kind, name);
  if (existing) return existing;
  const spec = bodyOnly({ Name: name, Labels: labels, Data: Buffer.from(data).toString("base64") });
  const created = (kind === "secret"
    ? await docker.createSecret(spec)
    : await docker.createConfig(spec)) as unknown as { id: string };
  return created.id;
}

/** Removes the stack's configs other than `keep` (replaced content, no longer referenced). */
export async function removeConfigsExcept(
  docker: Dockerode,
  stack: string,
  keep: Set<string>,
): Promise<void> {
  for (const cfg of (await docker.listConfigs({ filters: namespaceFilter(stack) })) as Array<{
    ID: string;
  }>) {
    if (!keep.has(cfg.ID))
      await docker
        .getConfig(cfg.ID)
        .remove()
        .catch(() => undefined);
  }
}

/**
 * Removes the stack's networks, secrets and configs; returns how many are left (still in use
 * by tasks shutting down, to be tried again).
 */
export async function removeStackData(docker: Dockerode, stack: string): Promise<number> {
  const filters = namespaceFilter(stack);
  let left = 0;
  for (const net of (await docker.listNetworks({ filters })) as Array<{ Id: string }>) {
    await docker
      .getNetwork(net.Id)
      .remove()
      .catch(() => left++);
  }
  for (const sec of (await docker.listSecrets({ filters })) as Array<{ ID: string }>) {
    await docker
      .getSecret(sec.ID)
      .remove()
      .catch(() => left++);
  }
  for (const cfg of (await docker.listConfigs({ filters })) as Array<{ ID: string }>) {
    await docker
      .getConfig(cfg.ID)
      .remove()
      .catch(() => left++);
  }
  return left;
}
