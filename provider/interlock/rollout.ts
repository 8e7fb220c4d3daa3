/**
 * Rolling a new Interlock config out the way UCP requires (blog steps 6-7): a new immutable
 * config object `conf-<N+1>`, swapped onto ucp-interlock with update-failure-action rollback,
 * under Swarm's optimistic concurrency. When Swarm rolls back (or pauses), the previous config
 * stays (or is put back) mounted, the orphaned object is removed, and the error carries the
 * failed task's error and the tail of its container log.
 */
import type Dockerode from "dockerode";
import { deepEqual, contentHash } from "../util/canonical";
import { engineMessage, isConflict, isOutOfSequence } from "../docker/errors";
import { createObject, listObjects, removeObject, updateService } from "../docker/objects";
import type { ConfigRef, ServiceSpec, SwarmService } from "../docker/types";
import { withVersionRetry } from "../docker/versionRetry";
import {
  ConfigObject,
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
import { pollOnServiceEvents } from "../docker/events";
import { pollUntil } from "../util/poll";

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
/** A rollout still in the same state is reported again after this long. */
const REPORT_EVERY_MS = 15_000;
/** How long Swarm's rollback of a failed rollout is waited for at least (else half the bound). */
const ROLLBACK_MIN_WAIT_MS = 60_000;

/**
 * A failed rollout. Not an Error subclass: the dynamic provider's closure serializer turns
 * classes into functions whose `super(message)` leaves `message` unset, and the engine then
 * printed "error: undefined" instead of Swarm's task error and the log tail.
 */
export function rolloutError(message: string): Error {
  return Object.assign(new Error(message), { name: "RolloutError" });
}

/**
 * What an attempt throws when another writer got between its read and its write: took the
 * config's number, updated ucp-interlock, or swapped in a config of its own. The rollout then
 * starts again from what is live, saying `note`; `final` is thrown once no attempt is left.
 */
interface Overtaken {
  overtaken: true;
  final: unknown;
  note?: string;
}

function overtaken(final: unknown, note?: string): Error & Overtaken {
  return Object.assign(new Error("overtaken by another writer"), {
    overtaken: true as const,
    final,
    note,
  });
}

function isOvertaken(err: unknown): err is Overtaken {
  return (err as Partial<Overtaken> | undefined)?.overtaken === true;
}

/** Writes conf-<N+1> and swaps it onto ucp-interlock with rollback, re-merging on concurrent changes. */
export async function rollout(docker: Dockerode, opts: RolloutOptions): Promise<RolloutResult> {
  const serviceName = opts.serviceName ?? CORE_SERVICE;
  return withVersionRetry(
    () => readLiveConfig(docker, serviceName),
    (live) => rolloutOver(docker, serviceName, live, opts),
    {
      // Only what an attempt says itself: a failed rollout's error may quote Swarm's "update
      // out of sequence" from the container log, and is final.
      changed: isOvertaken,
      failed: (err) => (isOvertaken(err) ? err.final : err),
      onRetry: (err) => {
        const { note } = err as Overtaken;
        if (note) opts.report(note);
      },
    },
  );
}

/** One attempt: the config merged into `live`, written as the next version and swapped in. */
async function rolloutOver(
  docker: Dockerode,
  serviceName: string,
  live: LiveConfig,
  opts: RolloutOptions,
): Promise<RolloutResult> {
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
    configId = await createObject(docker, "config", {
      Name: name,
      Labels: {
        [LABEL_HASH]: contentHash(desired),
        [LABEL_STACK]: opts.stack,
        [LABEL_OWNERS]: JSON.stringify(opts.owners(live)),
      },
      Data: encodeConfigText(text).toString("base64"),
    });
  } catch (err) {
    // Another writer took this number first: start again from what is live now.
    throw isConflict(err) ? overtaken(err) : err;
  }

  const spec = swapSpec(live.service, {
    ConfigID: configId,
    ConfigName: name,
    File: live.ref.File,
  });
  const startedAt = Date.now();
  try {
    await updateService(docker, live.service, spec);
  } catch (err) {
    await removeConfig(docker, configId);
    const failed = rolloutError(`updating ${serviceName} to ${name} failed: ${engineMessage(err)}`);
    if (!isOutOfSequence(err)) throw failed;
    throw overtaken(
      failed,
      `ucp-interlock changed while ${name} was prepared; re-reading and merging again`,
    );
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
    throw overtaken(
      rolloutError(
        `${serviceName} kept being changed by other writers; ${name} was not rolled out`,
      ),
    );
  }
  return { changed: true, configName: name, version, config: desired };
}

/** The service spec with the /config.toml config replaced and rollback on failure. */
function swapSpec(service: SwarmService, next: ConfigRef): ServiceSpec {
  const spec = JSON.parse(JSON.stringify(service.Spec)) as ServiceSpec;
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
  let lastState = "";
  let lastReport = 0;
  const outcome = await pollOnServiceEvents(
    docker,
    {
      timeoutMs: opts.timeoutMs,
      pollMs: opts.pollMs,
      pending: (found) => (found ? "" : `${serviceName} to converge`),
      onTimeout: async () => {
        const service = await inspectCoreService(docker, serviceName);
        throw await failRollout(
          docker,
          serviceName,
          service,
          swap,
          opts,
          "did not converge within the timeout",
        );
      },
    },
    async (): Promise<"converged" | "superseded" | undefined> => {
      const service = await inspectCoreService(docker, serviceName);
      const status = service.UpdateStatus;
      const fresh = status?.StartedAt
        ? Date.parse(status.StartedAt) >= swap.startedAt - 60_000
        : false;
      const state = fresh ? (status?.State ?? "") : "";
      if (state !== lastState || Date.now() - lastReport > REPORT_EVERY_MS) {
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
        return service.UpdateStatus?.State === "completed" ? "superseded" : undefined;
      }
      if (FAILED_STATES.includes(state)) {
        throw await failRollout(docker, serviceName, service, swap, opts);
      }
      return undefined;
    },
  );
  return outcome!; // pollUntil returns only an answer that leaves nothing pending
}

async function runningWith(
  docker: Dockerode,
  serviceName: string,
  configId: string,
): Promise<boolean> {
  const tasks = await listObjects(docker, "task", { service: [serviceName] });
  return tasks.some(
    (t) =>
      t.DesiredState === "running" &&
      t.Status?.State === "running" &&
      (t.Spec?.ContainerSpec?.Configs ?? []).some((c) => c.ConfigID === configId),
  );
}

/**
 * Brings the service back to the previous config when Swarm paused instead of rolling back,
 * waits for the rollback, removes the orphaned config, and explains what failed.
 */
async function failRollout(
  docker: Dockerode,
  serviceName: string,
  service: SwarmService,
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
      await updateService(docker, fresh, fresh.Spec, { rollback: "previous" });
    } catch (err) {
      opts.report(`${serviceName}: rollback request failed: ${engineMessage(err)}`);
    }
  }
  const diagnosis = await diagnose(docker, serviceName, swap.configId);
  const now = await pollUntil(
    {
      timeoutMs: Math.max(ROLLBACK_MIN_WAIT_MS, opts.timeoutMs / 2),
      pollMs: opts.pollMs,
      pending: (s) =>
        mountedConfig(s).ConfigID !== swap.configId &&
        ["rollback_completed", "completed"].includes(s.UpdateStatus?.State ?? "")
          ? ""
          : `${serviceName} to roll back`,
      onTimeout: (s) => s,
    },
    () => inspectCoreService(docker, serviceName),
  );
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
  const tasks = (await listObjects(docker, "task", { service: [serviceName] }))
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

/** True once the config is gone, removed now or before; false when it could not be removed. */
async function removeConfig(docker: Dockerode, id: string): Promise<boolean> {
  return removeObject(docker, "config", id).then(
    () => true,
    () => false,
  );
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
      // One removed concurrently is gone all the same, but not this run's to report.
      if (await removeObject(docker, "config", c.ID)) removed.push(c.name);
    } catch (err) {
      // In use by another service: keep going.
      report(`kept ${c.name}: ${engineMessage(err)}`);
    }
  }
  if (removed.length) report(`removed old Interlock configs: ${removed.join(", ")}`);
  return removed;
}
