/**
 * Rolling a new Interlock config out the way UCP requires (blog steps 6-7): a new immutable
 * config object `conf-<N+1>`, swapped onto ucp-interlock with update-failure-action rollback,
 * under Swarm's optimistic concurrency. When Swarm rolls back (or pauses), the previous config
 * stays (or is put back) mounted, the orphaned object is removed, and the error carries the
 * failed task's error and the tail of its container log.
 */
import type Dockerode from "dockerode";
import { deepEqual, contentHash } from "../util/canonical";
import { engineMessage, isConflict, isNotFound, isOutOfSequence } from "../docker/errors";
import { bodyOnly, VERSION_RETRIES } from "../docker/swarm";
import {
  ConfigObject,
  ConfigRef,
  CoreService,
  demuxLogs,
  inspectCoreService,
  listCoreConfigs,
  LiveConfig,
  mountedConfig,
  readLiveConfig,
} from "./live";
import {
  CONFIG_PREFIX,
  CONFIG_TARGET,
  CoreConfig,
  CORE_SERVICE,
  LABEL_HASH,
  LABEL_OWNERS,
  LABEL_STACK,
} from "./schema";
import { stringifyCoreConfig } from "./toml";
import { encodeConfigText } from "./bytes";
import { pollPauses, sleep } from "../util/time";

/** Where progress lines go (the provider's stderr, shown by the engine). */
export type Reporter = (message: string) => void;

/** How to compute the next config and its owners, and how long to wait. */
export interface RolloutOptions {
  /** The config to write, given the live one; called again after every concurrent change. */
  merge: (live: LiveConfig) => CoreConfig;
  /** Owner label of the new object: which stack owns which sections. */
  owners: (live: LiveConfig) => Record<string, string[]>;
  /**
   * True when `live` does not record the owners yet (a hand-made section just adopted): a
   * version is written even though its content equals the live one, or another stack could
   * adopt the same section.
   */
  unrecorded?: (live: LiveConfig) => boolean;
  stack: string;
  timeoutMs: number;
  report: Reporter;
  serviceName?: string;
  pollMs?: number;
}

/** The config mounted after the rollout, and whether a new version was written. */
export interface RolloutResult {
  changed: boolean;
  configName: string;
  version: number;
  config: CoreConfig;
}

const FAILED_STATES = ["rollback_started", "rollback_completed", "rollback_paused", "paused"];

/**
 * A failed rollout. Not an Error subclass: the dynamic provider's closure serializer turns
 * classes into functions whose `super(message)` leaves `message` unset, and the engine then
 * printed "error: undefined" instead of Swarm's task error and the log tail.
 */
export function rolloutError(message: string): Error {
  return Object.assign(new Error(message), { name: "RolloutError" });
}

/** Writes conf-<N+1> and swaps it onto ucp-interlock with rollback, re-merging on concurrent changes. */
export async function rollout(docker: Dockerode, opts: RolloutOptions): Promise<RolloutResult> {
  const serviceName = opts.serviceName ?? CORE_SERVICE;
  for (let attempt = 0; ; attempt++) {
    const live = await readLiveConfig(docker, serviceName);
    const desired = opts.merge(live);
    if (deepEqual(desired, live.config) && !opts.unrecorded?.(live)) {
      return {
        changed: false,
        configName: live.ref.ConfigName,
        version: live.version,
        config: live.config,
      };
    }
    // A patch of the live text: what this stack does not own keeps its exact spelling.
    const text = stringifyCoreConfig(desired, live.text, live.config);
    const existing = await listCoreConfigs(docker);
    const version = Math.max(live.version, ...existing.map((c) => c.version)) + 1;
    const name = `${CONFIG_PREFIX}${version}`;
    let configId: string;
    try {
      const created = (await docker.createConfig(
        bodyOnly({
          Name: name,
          Labels: {
            [LABEL_HASH]: contentHash(desired),
            [LABEL_STACK]: opts.stack,
            [LABEL_OWNERS]: JSON.stringify(opts.owners(live)),
          },
          Data: encodeConfigText(text).toString("base64"),
        }),
      )) as { id?: string; ID?: string };
      configId = (created.id ?? created.ID)!;
    } catch (err) {
      // Another writer took this number first: start again from what is live now.
      if (isConflict(err) && attempt < VERSION_RETRIES) continue;
      throw err;
    }

    const spec = swapSpec(live.service, {
      ConfigID: configId,
      ConfigName: name,
      File: live.ref.File,
    });
    const startedAt = Date.now();
    try {
      await docker
        .getService(live.service.ID)
        .update({ _query: { version: live.service.Version.Index }, _body: spec });
    } catch (err) {
      await removeConfig(docker, configId);
      if (isOutOfSequence(err) && attempt < VERSION_RETRIES) {
        opts.report(
          `ucp-interlock changed while ${name} was prepared; re-reading and merging again`,
        );
        continue;
      }
      throw rolloutError(`updating ${serviceName} to ${name} failed: ${engineMessage(err)}`);
    }
    opts.report(
      `swapped ${live.ref.ConfigName} → ${name} on ${serviceName}; waiting for Swarm to converge`,
    );
    const outcome = await waitForRollout(
      docker,
      serviceName,
      { configId, name, previous: live.ref, startedAt },
      opts,
    );
    if (outcome === "superseded") {
      // Another writer swapped in a config of its own meanwhile: done if it carries our
      // sections, otherwise merge into it again.
      const now = await readLiveConfig(docker, serviceName);
      await removeConfig(docker, configId);
      if (deepEqual(opts.merge(now), now.config)) {
        opts.report(
          `${now.ref.ConfigName}, rolled out by another writer, already carries these sections`,
        );
        return {
          changed: true,
          configName: now.ref.ConfigName,
          version: now.version,
          config: now.config,
        };
      }
      if (attempt < VERSION_RETRIES) continue;
      throw rolloutError(
        `${serviceName} kept being changed by other writers; ${name} was not rolled out`,
      );
    }
    return { changed: true, configName: name, version, config: desired };
  }
}

/** The service spec with the /config.toml config replaced and rollback on failure. */
function swapSpec(service: CoreService, next: ConfigRef): CoreService["Spec"] {
  const spec = JSON.parse(JSON.stringify(service.Spec)) as CoreService["Spec"];
  const refs = spec.TaskTemplate.ContainerSpec.Configs ?? [];
  const file = next.File ?? { Name: CONFIG_TARGET, UID: "0", GID: "0", Mode: 292 };
  spec.TaskTemplate.ContainerSpec.Configs = [
    ...refs.filter((r) => (r.File?.Name ?? CONFIG_TARGET) !== file.Name),
    { File: file, ConfigID: next.ConfigID, ConfigName: next.ConfigName },
  ];
  spec.UpdateConfig = { ...(spec.UpdateConfig ?? {}), FailureAction: "rollback" };
  return spec;
}

interface Swap {
  configId: string;
  name: string;
  previous: ConfigRef;
  startedAt: number;
}

async function waitForRollout(
  docker: Dockerode,
  serviceName: string,
  swap: Swap,
  opts: RolloutOptions,
): Promise<"converged" | "superseded"> {
  const deadline = Date.now() + opts.timeoutMs;
  const pause = pollPauses(opts.pollMs);
  let lastState = "";
  let lastReport = 0;
  while (Date.now() < deadline) {
    const service = await inspectCoreService(docker, serviceName);
    const status = service.UpdateStatus;
    const fresh = status?.StartedAt
      ? Date.parse(status.StartedAt) >= swap.startedAt - 60_000
      : false;
    const state = fresh ? (status?.State ?? "") : "";
    if (state !== lastState || Date.now() - lastReport > 15_000) {
      opts.report(
        `${serviceName}: update ${state || "pending"}${status?.Message ? ` (${status.Message})` : ""}`,
      );
      lastState = state;
      lastReport = Date.now();
    }
    const mounted = mountedConfig(service).ConfigID;
    if (state === "completed" && mounted === swap.configId) {
      if (await runningWith(docker, serviceName, swap.configId)) return "converged";
    }
    if (mounted !== swap.configId && mounted !== swap.previous.ConfigID) {
      // Neither ours nor the one we replaced: another writer updated the service after us.
      if (service.UpdateStatus?.State === "completed") return "superseded";
      await sleep(pause());
      continue;
    }
    if (FAILED_STATES.includes(state)) {
      throw await failRollout(docker, serviceName, service, swap, opts);
    }
    await sleep(pause());
  }
  const service = await inspectCoreService(docker, serviceName);
  throw await failRollout(
    docker,
    serviceName,
    service,
    swap,
    opts,
    "did not converge within the timeout",
  );
}

async function runningWith(
  docker: Dockerode,
  serviceName: string,
  configId: string,
): Promise<boolean> {
  const tasks = await serviceTasks(docker, serviceName);
  return tasks.some(
    (t) =>
      t.DesiredState === "running" &&
      t.Status?.State === "running" &&
      (t.Spec?.ContainerSpec?.Configs ?? []).some((c) => c.ConfigID === configId),
  );
}

interface Task {
  ID: string;
  DesiredState?: string;
  CreatedAt?: string;
  Spec?: { ContainerSpec?: { Configs?: ConfigRef[] } };
  Status?: {
    State?: string;
    Err?: string;
    Timestamp?: string;
    ContainerStatus?: { ContainerID?: string; ExitCode?: number };
  };
}

async function serviceTasks(docker: Dockerode, serviceName: string): Promise<Task[]> {
  return (await docker.listTasks({ filters: { service: [serviceName] } })) as Task[];
}

/**
 * Brings the service back to the previous config when Swarm paused instead of rolling back,
 * waits for the rollback, removes the orphaned config, and explains what failed.
 */
async function failRollout(
  docker: Dockerode,
  serviceName: string,
  service: CoreService,
  swap: Swap,
  opts: RolloutOptions,
  why?: string,
): Promise<Error> {
  const state = service.UpdateStatus?.State ?? "unknown";
  if (state === "paused" || mountedConfig(service).ConfigID === swap.configId) {
    opts.report(
      `${serviceName}: update ${why ?? state}; rolling back to ${swap.previous.ConfigName}`,
    );
    try {
      const fresh = await inspectCoreService(docker, serviceName);
      await docker.getService(fresh.ID).update({
        _query: { version: fresh.Version.Index, rollback: "previous" },
        _body: fresh.Spec,
      });
    } catch (err) {
      opts.report(`${serviceName}: rollback request failed: ${engineMessage(err)}`);
    }
  }
  const diagnosis = await diagnose(docker, serviceName, swap.configId);
  const deadline = Date.now() + Math.max(60_000, opts.timeoutMs / 2);
  let now = service;
  const pause = pollPauses(opts.pollMs);
  while (Date.now() < deadline) {
    now = await inspectCoreService(docker, serviceName);
    const mounted = mountedConfig(now).ConfigID;
    const settled = ["rollback_completed", "completed"].includes(now.UpdateStatus?.State ?? "");
    if (mounted !== swap.configId && settled) break;
    await sleep(pause());
  }
  const mounted = mountedConfig(now);
  const removed = mounted.ConfigID !== swap.configId && (await removeConfig(docker, swap.configId));
  const lines = [
    `Interlock config rollout of ${swap.name} failed (${why ?? `Swarm update state ${state}`}).`,
    mounted.ConfigID === swap.configId
      ? `${serviceName} still references ${swap.name}; check it with: docker service inspect ${serviceName}`
      : `${serviceName} runs ${mounted.ConfigName} again; nothing was lost.`,
    diagnosis.taskError ? `Task error: ${diagnosis.taskError}` : "",
    diagnosis.log ? `Container log (tail):\n${diagnosis.log}` : "",
    removed ? `The unused ${swap.name} was removed.` : "",
  ];
  return rolloutError(lines.filter(Boolean).join("\n"));
}

async function diagnose(
  docker: Dockerode,
  serviceName: string,
  configId: string,
): Promise<{ taskError?: string; log?: string }> {
  const tasks = (await serviceTasks(docker, serviceName))
    .filter((t) => (t.Spec?.ContainerSpec?.Configs ?? []).some((c) => c.ConfigID === configId))
    .filter((t) => ["failed", "rejected", "shutdown", "complete"].includes(t.Status?.State ?? ""))
    .sort((a, b) => Date.parse(b.Status?.Timestamp ?? "") - Date.parse(a.Status?.Timestamp ?? ""));
  const failed = tasks.find((t) => t.Status?.Err) ?? tasks[0];
  if (!failed) return {};
  const exit = failed.Status?.ContainerStatus?.ExitCode;
  const taskError = [failed.Status?.Err, exit !== undefined ? `exit code ${exit}` : ""]
    .filter(Boolean)
    .join(", ");
  const containerId = failed.Status?.ContainerStatus?.ContainerID;
  let log: string | undefined;
  if (containerId) {
    try {
      const raw = (await docker
        .getContainer(containerId)
        .logs({ stdout: true, stderr: true, tail: 20, follow: false })) as unknown as Buffer;
      log = demuxLogs(Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw))).trim();
    } catch {
      // The container may be on another node the API cannot reach; the service log has it too.
    }
  }
  if (!log) {
    try {
      const raw = (await docker.getService(serviceName).logs({
        stdout: true,
        stderr: true,
        tail: 50,
        follow: false,
      } as never)) as unknown as Buffer;
      log = demuxLogs(raw)
        .split("\n")
        .filter((l) => l.includes(failed.ID.slice(0, 12)) || /fatal|error/i.test(l))
        .slice(-20)
        .join("\n");
    } catch {
      log = undefined;
    }
  }
  return { taskError, log };
}

async function removeConfig(docker: Dockerode, id: string): Promise<boolean> {
  try {
    await docker.getConfig(id).remove();
    return true;
  } catch (err) {
    return isNotFound(err);
  }
}

/**
 * Removes versions this stack created that never got mounted (newer than the mounted one):
 * left by a run killed between creating conf-<N+1> and swapping it. Only this stack's own,
 * since the engine lets one update of a stack run at a time while other stacks may be
 * between their create and swap right now.
 */
export async function removeOrphans(
  docker: Dockerode,
  stack: string,
  live: LiveConfig,
  configs: ConfigObject[],
  report: Reporter,
): Promise<string[]> {
  const removed: string[] = [];
  for (const c of configs) {
    if (c.version <= live.version || c.ID === live.ref.ConfigID || c.labels[LABEL_STACK] !== stack)
      continue;
    if (await removeConfig(docker, c.ID)) removed.push(c.name);
  }
  if (removed.length)
    report(
      `removed ${removed.join(", ")}: created by an earlier run of this stack and never rolled out`,
    );
  return removed;
}

/** Keeps the newest `keep` config versions and the mounted one; removes older unused ones. */
export async function pruneConfigs(
  docker: Dockerode,
  keep: number,
  report: Reporter,
  serviceName = CORE_SERVICE,
): Promise<string[]> {
  const mounted = mountedConfig(await inspectCoreService(docker, serviceName)).ConfigID;
  const all = await listCoreConfigs(docker);
  const removed: string[] = [];
  for (const c of all.slice(0, Math.max(0, all.length - keep))) {
    if (c.ID === mounted) continue;
    try {
      await docker.getConfig(c.ID).remove();
      removed.push(c.name);
    } catch (err) {
      // In use by another service, or removed concurrently: keep going.
      if (!isNotFound(err)) report(`kept ${c.name}: ${engineMessage(err)}`);
    }
  }
  if (removed.length) report(`removed old Interlock configs: ${removed.join(", ")}`);
  return removed;
}
