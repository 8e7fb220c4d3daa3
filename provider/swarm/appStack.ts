/**
 * AppStack: the services of a Compose file deployed as a Swarm stack (blog step 9,
 * `docker stack deploy -c docker-compose.yml demodev`), routed through a service cluster.
 *
 * - check:  Compose schema, then the com.docker.lb.* labels against the Interlock topology
 *           (hosts, port, service_cluster, network, collection); errors name service and label.
 * - create: stack networks and secrets (`<stack>_<name>`, namespace-labelled), then services;
 *           waits until every service runs its replicas.
 * - update: rolling service updates with rollback on failure; a rolled-back update fails with
 *           the task error. Services gone from the file are removed.
 * - adoption: a stack of that name deployed outside Pulumi (`docker stack deploy`) is taken
 *           over service by service under the same IDs; one with services the file does not
 *           declare fails at preview (adopting would remove them).
 * - read:   live image, replicas and labels of every service, so drift is visible.
 * - delete: services, then the stack's networks and secrets.
 * Secret values (TLS material for com.docker.lb.ssl_cert/ssl_key) are Pulumi secrets and
 * become Docker secrets; a change of them replaces the stack.
 */
import type * as pulumi from "@pulumi/pulumi";
import { DynamicResource } from "../util/dynamicResource";
import type Dockerode from "dockerode";
import {
  configureConnection,
  connect,
  connectionChanged,
  DockerConnection,
} from "../docker/connection";
import { ensureData, ensureNetwork, findId, listObjects, removeObject } from "../docker/objects";
import { reaching } from "../docker/swarm";
import type { SwarmService } from "../docker/types";
import { contentHash, deepEqual } from "../util/canonical";
import {
  labelMap,
  parseCompose,
  routingWarnings,
  serviceSpecs,
  unsupportedKeys,
  STACK_NAMESPACE,
  validateRouting,
  ComposeError,
  ComposeFile,
} from "./compose";
import { pollUntil } from "../util/poll";
import { projectService } from "./serviceProjection";
import { engineInfo, engineWarn } from "../util/engineLog";
import { awaitProxiesRolled, awaitRouting, reroutedProxies, routingProxies } from "./routing";
import {
  currentTasks,
  namespaceLabels,
  removeConfigsExcept,
  removeStackData,
  serviceTasks,
  stackServices,
  upsertService,
} from "./stackObjects";

/** A Compose file deployed as a Swarm stack behind one environment's cluster. */
export interface AppStackArgs {
  /** Stack namespace, e.g. demodev. */
  stack: pulumi.Input<string>;
  /** The Compose file's text (version 3.x). */
  compose: pulumi.Input<string>;
  /** ServiceCluster values of the Interlock config, for com.docker.lb.service_cluster. */
  clusters: pulumi.Input<pulumi.Input<string>[]>;
  /** Collection (com.docker.ucp.access.label) the services must declare, e.g. /dev. */
  collection?: pulumi.Input<string>;
  /** Values of the file's secrets, by name; pass Pulumi secrets. */
  secretValues?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Contents of the file's configs, by name. */
  configValues?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  convergeTimeoutSeconds?: pulumi.Input<number>;
  /** Where the Compose file came from (stack config key and file), named in every error. */
  source?: pulumi.Input<string>;
  /**
   * Whether `up` waits here for Interlock to route the services (the default); false when an
   * AppRoutes resource waits instead, after the Interlock rollout (the program does).
   */
  awaitRouting?: pulumi.Input<boolean>;
  connection?: pulumi.Input<DockerConnection>;
}

/** The resource's inputs as the provider receives them. */
export interface AppStackInputs {
  stack: string;
  compose: string;
  clusters: string[];
  collection?: string;
  secretValues?: Record<string, string>;
  configValues?: Record<string, string>;
  convergeTimeoutSeconds?: number;
  source?: string;
  awaitRouting?: boolean;
  connection?: DockerConnection;
  /** Bumped when the provider's behaviour changes, so stored state runs the new code. */
  providerVersion?: string;
}

/** Bumped when the provider's behaviour changes; its diff compares it. */
export const APP_STACK_PROVIDER_VERSION = "4";

/** How long `up` waits for the services to run, and `destroy` for their routes to go. */
const DEFAULT_CONVERGE_TIMEOUT_S = 120;
/** How long `destroy` waits for removed services' tasks to let go of the stack's other objects. */
const RELEASE_TIMEOUT_MS = 60_000;

/** What drift is judged on, per service. */
export interface ServiceSummary {
  image: string;
  replicas: number;
  labels: Record<string, string>;
  /** Every other part of the spec the Compose file sets, by Compose key (serviceProjection.ts). */
  spec?: Record<string, unknown>;
}

/** The inputs plus each service's live summary, and the spec parts as `up` left them. */
export interface AppStackOutputs extends AppStackInputs {
  services: Record<string, ServiceSummary>;
  /**
   * `services[*].spec` right after `up`: a later read that differs is a hand edit. The file's
   * own rendering is not compared, since the daemon stores some values its own way.
   */
  deployedSpecs?: Record<string, Record<string, unknown>>;
}

const SYSTEM_LABELS = [STACK_NAMESPACE, "com.docker.stack.image"];

function summarize(spec: {
  Labels?: Record<string, string>;
  Mode?: { Replicated?: { Replicas?: number } };
  TaskTemplate: { ContainerSpec: { Image: string } };
}): ServiceSummary {
  const labels = Object.fromEntries(
    Object.entries(spec.Labels ?? {}).filter(([k]) => !SYSTEM_LABELS.includes(k)),
  );
  return {
    image: spec.TaskTemplate.ContainerSpec.Image.split("@")[0],
    replicas: spec.Mode?.Replicated?.Replicas ?? 0,
    labels,
  };
}

/** The per-service summary the Compose file asks for. */
export function desiredServices(
  compose: ComposeFile,
  stack: string,
): Record<string, ServiceSummary> {
  const specs = serviceSpecs(compose, stack, { networks: {}, secrets: {} });
  return Object.fromEntries(
    Object.entries(specs).map(([name, spec]) => [name, summarize(spec as never)]),
  );
}

/**
 * Why a service of the stack does not run its current spec yet, if it does not; throws with the
 * task's error when Swarm rolled an update back or paused it.
 */
async function notConverged(
  docker: Dockerode,
  svc: SwarmService,
  since: number,
): Promise<string | undefined> {
  const state = svc.UpdateStatus?.State;
  const fresh = svc.UpdateStatus?.StartedAt
    ? Date.parse(svc.UpdateStatus.StartedAt) >= since - 60_000
    : false;
  if (fresh && state && /rollback|paused/.test(state)) {
    const tasks = await serviceTasks(docker, svc.ID);
    const err = tasks
      .filter((t) => t.Status?.Err)
      .sort(
        (a, b) => Date.parse(b.Status?.Timestamp ?? "") - Date.parse(a.Status?.Timestamp ?? ""),
      )[0]?.Status?.Err;
    throw new Error(
      `updating ${svc.Spec.Name} failed and Swarm ${state.replace("_", " ")}${err ? `; task error: ${err}` : ""} (${svc.UpdateStatus?.Message ?? ""})`,
    );
  }
  // Placement is not in a task's fingerprint (currentTasks): until Swarm says the update
  // is done, tasks on nodes the new constraints exclude may still be running.
  if (fresh && state === "updating") return `${svc.Spec.Name} updating`;
  const want = svc.Spec.Mode?.Replicated?.Replicas ?? 1;
  // Converged means running tasks of the service's current spec: a failing update never
  // gets there.
  const current = await currentTasks(docker, svc);
  return current !== want ? `${svc.Spec.Name} ${current}/${want}` : undefined;
}

/** Waits for every service of the stack to run its replicas, or for an update to fail. */
async function converge(
  docker: Dockerode,
  stack: string,
  timeoutMs: number,
  since: number,
): Promise<void> {
  await pollUntil(
    {
      timeoutMs,
      pending: (problems) => problems.join(", "),
      describe: (now) => console.error(`stack ${stack}: waiting for ${now}`),
      onTimeout: (problems) => {
        throw new Error(
          `stack ${stack} did not converge within ${Math.round(timeoutMs / 1000)} s: ${problems.join(", ")}`,
        );
      },
    },
    async () => {
      const problems: string[] = [];
      for (const svc of await stackServices(docker, stack)) {
        const problem = await notConverged(docker, svc, since);
        if (problem) problems.push(problem);
      }
      return problems;
    },
  );
}

async function ensureNetworksAndSecrets(
  docker: Dockerode,
  compose: ComposeFile,
  inputs: AppStackInputs,
) {
  const ns = namespaceLabels(inputs.stack);
  const networks: Record<string, string> = {};
  const wanted = { ...(compose.networks ?? {}) } as Record<string, Record<string, unknown> | null>;
  const usesDefault = Object.values(compose.services ?? {}).some(
    (s) =>
      !s.networks ||
      (Array.isArray(s.networks) ? !s.networks.length : !Object.keys(s.networks).length),
  );
  if (usesDefault && !("default" in wanted)) wanted.default = null;
  for (const [key, def] of Object.entries(wanted)) {
    if (def?.external) continue;
    networks[key] = await ensureNetwork(docker, (def?.name as string) ?? `${inputs.stack}_${key}`, {
      Driver: (def?.driver as string) ?? "overlay",
      Attachable: Boolean(def?.attachable),
      Labels: { ...labelMap(def?.labels), ...ns },
      Options: (def?.driver_opts as Record<string, string>) ?? {},
    });
  }
  const secrets: Record<string, { id: string; name: string }> = {};
  for (const [key, def] of Object.entries(
    (compose.secrets ?? {}) as Record<string, { external?: unknown; name?: string }>,
  )) {
    // As `docker stack deploy` names them: an external secret by its own name.
    const name = def?.name ?? (def?.external ? key : `${inputs.stack}_${key}`);
    const id = def?.external
      ? await findId(docker, "secret", name)
      : await ensureData(docker, "secret", name, ns, inputs.secretValues?.[key] ?? "");
    if (id) secrets[key] = { id, name };
  }
  // Configs are immutable: the content hash in the name lets a change roll as a new config.
  const configs: Record<string, { id: string; name: string }> = {};
  for (const [key, def] of Object.entries(
    (compose.configs ?? {}) as Record<string, { external?: unknown; name?: string }>,
  )) {
    if (def?.external) {
      const name = def.name ?? key;
      const id = await findId(docker, "config", name);
      if (id) configs[key] = { id, name };
      continue;
    }
    const data = inputs.configValues?.[key] ?? "";
    const name = `${inputs.stack}_${key}-${contentHash(data).slice(0, 8)}`;
    configs[key] = { id: await ensureData(docker, "config", name, ns, data), name };
  }
  return { networks, secrets, configs };
}

async function deploy(inputs: AppStackInputs): Promise<AppStackOutputs> {
  const docker = connect(inputs.connection);
  const compose = parseCompose(inputs.compose, `stack ${inputs.stack}`);
  const ids = await ensureNetworksAndSecrets(docker, compose, inputs);
  const specs = serviceSpecs(compose, inputs.stack, ids);
  const live = await stackServices(docker, inputs.stack);
  const rerouted = await reroutedProxies(docker, live, Object.values(specs));
  const since = Date.now();
  for (const spec of Object.values(specs)) await upsertService(docker, inputs.stack, spec);
  const names = new Set(Object.values(specs).map((s) => s.Name));
  for (const svc of live.filter((s) => !names.has(s.Spec.Name)))
    await removeObject(docker, "service", svc.ID);
  const timeoutMs = (inputs.convergeTimeoutSeconds ?? DEFAULT_CONVERGE_TIMEOUT_S) * 1000;
  await converge(docker, inputs.stack, timeoutMs, since);
  await awaitProxiesRolled(docker, inputs.stack, rerouted, "to take the changed routes", timeoutMs);
  if (inputs.awaitRouting !== false) await awaitRouting(docker, inputs.stack, timeoutMs);
  // Configs replaced by new content are no longer referenced once the services converged.
  await removeConfigsExcept(
    docker,
    inputs.stack,
    new Set(Object.values(ids.configs).map((c) => c.id)),
  );
  const services = await liveSummary(docker, inputs.stack);
  const deployedSpecs = Object.fromEntries(
    Object.entries(services).map(([n, s]) => [n, s.spec ?? {}]),
  );
  return { ...inputs, services, deployedSpecs };
}

async function liveSummary(
  docker: Dockerode,
  stack: string,
): Promise<Record<string, ServiceSummary>> {
  const out: Record<string, ServiceSummary> = {};
  const services = await stackServices(docker, stack);
  if (!services.length) return out;
  const networks = await listObjects(docker, "network");
  const names = Object.fromEntries(networks.map((n) => [n.Id, n.Name]));
  for (const svc of services)
    out[svc.Spec.Name.slice(stack.length + 1)] = {
      ...summarize(svc.Spec),
      spec: projectService(svc.Spec as never, names),
    };
  return out;
}

/** The spec parts changed by hand since `up`, by service (none for state of older versions). */
function specDrift(outs: Partial<AppStackOutputs>): boolean {
  if (!outs.deployedSpecs) return false;
  const live = Object.fromEntries(
    Object.entries(outs.services ?? {}).map(([n, s]) => [n, s.spec ?? {}]),
  );
  return !deepEqual(live, outs.deployedSpecs);
}

/**
 * What taking over a stack deployed outside Pulumi does, or why it cannot: the live services
 * of the namespace against the file's. Nothing when no such stack runs.
 */
async function adoptionOf(
  inputs: AppStackInputs,
  compose: ComposeFile,
): Promise<{ info?: string; failure?: string }> {
  const live = await reaching(inputs.connection, () =>
    stackServices(connect(inputs.connection), inputs.stack),
  );
  if (!live.length) return {};
  const wanted = desiredServices(compose, inputs.stack);
  const name = (svc: { Spec: { Name: string } }) => svc.Spec.Name.slice(inputs.stack.length + 1);
  const extra = live.filter((svc) => !wanted[name(svc)]).map((svc) => svc.Spec.Name);
  if (extra.length) {
    return {
      failure:
        `stack ${inputs.stack} already runs on the cluster, deployed outside this Pulumi stack, with ${extra.join(", ")}, which the Compose file does not declare; ` +
        `adopting it would remove them: add them to the Compose file, or remove them first (docker service rm ${extra.join(" ")})`,
    };
  }
  const each = live.map((svc) => {
    const changed = !deepEqual(summarize(svc.Spec), wanted[name(svc)]);
    return `${svc.Spec.Name} (${svc.ID.slice(0, 12)})${changed ? " updated in place to the Compose file" : ""}`;
  });
  return {
    info: `stack ${inputs.stack} runs on the cluster, deployed outside this Pulumi stack: up adopts its services under the same IDs: ${each.join(", ")}`,
  };
}

/** The AppStack provider: deploy, drift, rollback and removal of a stack. */
export const appStackProvider: pulumi.dynamic.ResourceProvider<AppStackInputs, AppStackOutputs> = {
  configure: configureConnection,
  async check(olds, news) {
    if (typeof news.compose !== "string") return { inputs: news };
    const failures: pulumi.dynamic.CheckFailure[] = [];
    // No `property`: the engine would print the whole input value (the Compose file) first.
    const fail = (reason: string) => failures.push({ property: "", reason });
    const from = news.source ?? `stack ${news.stack}`;
    try {
      const compose = parseCompose(news.compose, from);
      for (const reason of validateRouting(compose, news.stack, {
        clusters: news.clusters ?? [],
        collection: news.collection,
      })) {
        fail(`${from}: ${reason}`);
      }
      // The conversion's own refusals (an undefined volume, a relative bind, replicas in global
      // mode) at preview, not at up.
      try {
        serviceSpecs(compose, news.stack, { networks: {}, secrets: {} });
      } catch (err) {
        fail(`${from}: ${(err as Error).message}`);
      }
      // As `docker stack deploy` prints them: what a Swarm service cannot carry is said, once.
      for (const warning of [...unsupportedKeys(compose), ...routingWarnings(compose)])
        await engineWarn(`${from}: ${warning}`);
      for (const [key, def] of Object.entries(
        (compose.secrets ?? {}) as Record<string, { external?: unknown }>,
      )) {
        if (!def?.external && news.secretValues?.[key] === undefined) {
          fail(
            `${from}: secrets.${key} has no value; pass it in secretValues.${key} as a Pulumi secret`,
          );
        }
      }
      for (const [key, def] of Object.entries(
        (compose.configs ?? {}) as Record<string, { external?: unknown }>,
      )) {
        if (!def?.external && news.configValues?.[key] === undefined) {
          fail(
            `${from}: configs.${key} has no content; ${news.source ? "give it a file: next to the Compose file" : `pass it in configValues.${key}`}`,
          );
        }
      }
      if (!olds?.stack && !failures.length) {
        const adoption = await adoptionOf(news, compose);
        if (adoption.failure) fail(adoption.failure);
        else if (adoption.info) await engineInfo(adoption.info);
      }
    } catch (err) {
      const problems = err instanceof ComposeError ? err.problems : [(err as Error).message];
      problems.forEach(fail);
    }
    return { inputs: news, failures };
  },

  async diff(_id, olds, news) {
    const replaces = deepEqual(olds.secretValues ?? {}, news.secretValues ?? {})
      ? []
      : ["secretValues"];
    if (olds.stack !== news.stack) replaces.push("stack");
    let wanted: Record<string, ServiceSummary> | undefined;
    try {
      wanted = desiredServices(parseCompose(news.compose), news.stack);
    } catch {
      wanted = undefined;
    }
    const summaries = (all?: Record<string, ServiceSummary>) =>
      all &&
      Object.fromEntries(
        Object.entries(all).map(([n, { spec: _spec, ...summary }]) => [n, summary]),
      );
    const changes =
      replaces.length > 0 ||
      olds.compose !== news.compose ||
      !deepEqual(olds.configValues ?? {}, news.configValues ?? {}) ||
      !deepEqual(summaries(olds.services), wanted) ||
      specDrift(olds) ||
      connectionChanged(olds.connection, news.connection) ||
      olds.providerVersion !== news.providerVersion;
    return { changes, replaces, deleteBeforeReplace: true };
  },

  async create(inputs) {
    return { id: inputs.stack, outs: await deploy(inputs) };
  },

  async update(_id, _olds, news) {
    return { outs: await deploy(news) };
  },

  async read(id, props) {
    return reaching(props?.connection, async () => {
      const docker = connect(props?.connection);
      const services = await liveSummary(docker, props?.stack ?? id);
      if (!Object.keys(services).length) return {};
      const outs = { ...(props as AppStackOutputs), services };
      // Inputs are what the program declares; the live services are outputs only.
      const { services: _s, deployedSpecs: _d, ...inputs } = outs;
      return { id, props: outs, inputs: inputs as AppStackOutputs };
    });
  },

  async delete(_id, props) {
    const docker = connect(props.connection);
    const proxies = await routingProxies(docker, props.stack);
    for (const svc of await stackServices(docker, props.stack))
      await removeObject(docker, "service", svc.ID);
    await awaitProxiesRolled(
      docker,
      props.stack,
      proxies,
      "to drop its routes",
      (props.convergeTimeoutSeconds ?? DEFAULT_CONVERGE_TIMEOUT_S) * 1000,
    );
    // Networks, secrets and configs stay in use until the services' tasks are gone; the tasks
    // of removed services release them as they stop.
    await pollUntil(
      {
        timeoutMs: RELEASE_TIMEOUT_MS,
        pending: (left) => (left ? `${left} objects` : ""),
        onTimeout: () => {
          throw new Error(
            `stack ${props.stack}: services, networks or secrets still present after ${RELEASE_TIMEOUT_MS / 1000} s`,
          );
        },
      },
      async () =>
        (await stackServices(docker, props.stack)).length +
        (await removeStackData(docker, props.stack)),
    );
  },
};

/** A Swarm stack from a Compose file, routed through an Interlock service cluster. */
export class AppStack extends DynamicResource {
  declare public readonly services: pulumi.Output<Record<string, ServiceSummary>>;

  constructor(name: string, args: AppStackArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      appStackProvider,
      name,
      { services: undefined, providerVersion: APP_STACK_PROVIDER_VERSION, ...args },
      { ...opts, additionalSecretOutputs: ["connection", "secretValues"] },
      "swarm",
      "AppStack",
    );
  }
}
