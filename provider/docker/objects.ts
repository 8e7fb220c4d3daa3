/**
 * Swarm's objects by kind, through the Engine API: listed, found by their exact name, created
 * when missing, written under their version index, and removed with a 404 counted as gone.
 * The providers reach services, tasks, networks, configs and secrets only through here, and
 * read them in the shapes of ./types.
 */
import type Dockerode from "dockerode";
import { engineMessage, isNotFound } from "./errors";
import type { Kind, Listable, Listed } from "./types";

/** Engine API list filters, e.g. `{ name: ["ingress_dev"] }`, `{ label: ["a=b"] }`. */
export type Filters = Record<string, string[]>;

/** The objects of `kind` that match `filters` (all of them without). */
export async function listObjects<K extends Listable>(
  docker: Dockerode,
  kind: K,
  filters?: Filters,
): Promise<Listed[K][]> {
  const opts = (filters ? { filters } : {}) as never;
  const list = {
    service: () => docker.listServices(opts),
    task: () => docker.listTasks(opts),
    node: () => docker.listNodes(opts),
    network: () => docker.listNetworks(opts),
    config: () => docker.listConfigs(opts),
    secret: () => docker.listSecrets(opts),
  }[kind];
  return (await list()) as unknown as Listed[K][];
}

/** An object's name: a network's is at the top, the others' in their spec. */
export function nameOf(object: Listed[Kind]): string {
  return "Spec" in object ? object.Spec.Name : object.Name;
}

/** An object's ID (a network spells it `Id`). */
export function idOf(object: Listed[Kind]): string {
  return "Id" in object ? object.Id : object.ID;
}

/** The object of `kind` named exactly `name` (the name filter also matches by prefix). */
export async function findByName<K extends Kind>(
  docker: Dockerode,
  kind: K,
  name: string,
): Promise<Listed[K] | undefined> {
  return (await listObjects(docker, kind, { name: [name] })).find((o) => nameOf(o) === name);
}

/** The ID of the object of `kind` named exactly `name`, if there is one. */
export async function findId(
  docker: Dockerode,
  kind: Kind,
  name: string,
): Promise<string | undefined> {
  const found = await findByName(docker, kind, name);
  return found && idOf(found);
}

/** dockerode's handle on one object: it does no request until a method is called. */
function handle(
  docker: Dockerode,
  kind: Kind,
  ref: string,
): { inspect(): Promise<unknown>; remove(): Promise<unknown> } {
  switch (kind) {
    case "service":
      return docker.getService(ref);
    case "network":
      return docker.getNetwork(ref);
    case "config":
      return docker.getConfig(ref);
    case "secret":
      return docker.getSecret(ref);
  }
}

/** The object of `kind` with that ID or name; a missing one is the Engine API's 404. */
export async function inspectObject<K extends Kind>(
  docker: Dockerode,
  kind: K,
  ref: string,
): Promise<Listed[K]> {
  return (await handle(docker, kind, ref).inspect()) as Listed[K];
}

/**
 * Removes the object of `kind` with that ID or name: true when this call removed it, false
 * when it was gone already (404). Any other failure is thrown as the Engine API reported it.
 */
export async function removeObject(docker: Dockerode, kind: Kind, ref: string): Promise<boolean> {
  try {
    await handle(docker, kind, ref).remove();
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

/** removeObject for a removal a person reads about: a failure names the object, in one line. */
export async function removeNamed(docker: Dockerode, kind: Kind, name: string): Promise<boolean> {
  try {
    return await removeObject(docker, kind, name);
  } catch (err) {
    throw new Error(`removing ${kind} ${name} failed: ${engineMessage(err)}`, { cause: err });
  }
}

/**
 * A create call's options with the spec in the request body only. dockerode's create calls
 * (`createConfig`, `createSecret`, `createNetwork`) copy every option into the query string as
 * well: a config's or secret's Data would travel in the request line, where any proxy in front
 * of the Engine API logs it, and a config of a few hundred KB would pass the Engine's 1 MiB
 * header limit (HTTP 431). Updates pass `_query` (the version) and `_body` the same way.
 */
function bodyOnly(spec: object): never {
  return { _query: {}, _body: spec } as never;
}

/** Creates an object of `kind` from `spec` (which names it); returns its ID. */
export async function createObject(
  docker: Dockerode,
  kind: Kind,
  spec: Record<string, unknown>,
): Promise<string> {
  const create = {
    // The service create call has no query string to copy the spec into.
    service: () => docker.createService(spec as never),
    network: () => docker.createNetwork(bodyOnly(spec)),
    config: () => docker.createConfig(bodyOnly(spec)),
    secret: () => docker.createSecret(bodyOnly(spec)),
  }[kind];
  return ((await create()) as { id: string }).id;
}

/** The ID of the object of `kind` named `name`, created from `spec` when there is none. */
export async function ensureObject(
  docker: Dockerode,
  kind: Kind,
  name: string,
  spec: Record<string, unknown>,
): Promise<string> {
  return (await findId(docker, kind, name)) ?? createObject(docker, kind, spec);
}

/** The network's ID, created with `spec` when it does not exist yet. */
export async function ensureNetwork(
  docker: Dockerode,
  name: string,
  spec: Record<string, unknown>,
): Promise<string> {
  return ensureObject(docker, "network", name, { Name: name, CheckDuplicate: true, ...spec });
}

/** The secret's or config's ID, created with `data` when it does not exist yet (both immutable). */
export async function ensureData(
  docker: Dockerode,
  kind: "secret" | "config",
  name: string,
  labels: Record<string, string>,
  data: string,
): Promise<string> {
  return ensureObject(docker, kind, name, {
    Name: name,
    Labels: labels,
    Data: Buffer.from(data).toString("base64"),
  });
}

/**
 * Writes `spec` over the service as it was read: Swarm refuses the write when the service
 * changed since (its version index is stale; see ./versionRetry). `query` adds to the version,
 * e.g. `{ rollback: "previous" }`.
 */
export async function updateService(
  docker: Dockerode,
  read: { ID: string; Version: { Index: number } },
  spec: object,
  query: Record<string, string> = {},
): Promise<void> {
  await docker
    .getService(read.ID)
    .update({ _query: { version: read.Version.Index, ...query }, _body: spec });
}
