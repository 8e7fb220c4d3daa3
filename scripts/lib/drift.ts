/**
 * Drift: the live cluster read against the stack's state, nothing written (neither to the
 * cluster nor to the state), reduced to the resources and properties whose live values
 * differ. The state's resources are read directly with the provider code the state holds
 * (directDrift.ts) when they are all Docker resources; otherwise, or with `engine`, the
 * engine does it as a refresh in preview mode. Both give the same report.
 */
import type { EngineEvent } from "@pulumi/pulumi/automation";
import {
  configureConnection,
  connect,
  DockerConnection,
  forgetConnection,
} from "../../provider/docker/connection";
import { whyNoAnswer, whyNotChecked } from "../../provider/docker/errors";
import { unreachableMessage } from "../../provider/docker/swarm";
import { bundleProblems } from "../../provider/docker/bundle";
import { CONFIG_NAMESPACE } from "../../provider/config";
import { INTERLOCK_CONFIG_DERIVED_OUTPUTS } from "../../provider/interlock/derivedOutputs";
import {
  APP_STACK_DERIVED_OUTPUTS,
  NODE_LABELS_DERIVED_OUTPUTS,
  OVERLAY_NETWORK_DERIVED_OUTPUTS,
} from "../../provider/swarm/derivedOutputs";
import { NoSuchStackError, notInBackend, openStack, stackFileOf } from "./workspace";
import { readStackFile } from "./stackConfig";
import { PropertyChange, propertyChanges, Step, stepsOf } from "./steps";
import { connectionsOf, exportState, readable, readSteps } from "./directDrift";

export interface DriftedResource {
  type: string;
  name: string;
  urn: string;
  /** `update` (changed live) or `delete` (gone live). */
  op: string;
  properties: PropertyChange[];
}

export interface DriftReport {
  stack: string;
  status: "clean" | "drift" | "error";
  resources: DriftedResource[];
  error?: string;
  /** Not drift, but due soon: a client bundle about to expire. */
  warnings?: string[];
}

export const EXIT = { clean: 0, drift: 1, error: 2 } as const;

/** Top-level outputs that are not drift by themselves, as each provider says. */
const DERIVED = new Set<string>([
  ...INTERLOCK_CONFIG_DERIVED_OUTPUTS,
  ...NODE_LABELS_DERIVED_OUTPUTS,
  ...OVERLAY_NETWORK_DERIVED_OUTPUTS,
  ...APP_STACK_DERIVED_OUTPUTS,
]);

export function driftOf(stack: string, events: EngineEvent[]): DriftReport {
  return driftOfSteps(stack, stepsOf(events, "outputs"));
}

/** The drifted resources among a refresh's steps (one per resource, outputs before and after). */
function driftOfSteps(stack: string, steps: Step[]): DriftReport {
  const resources: DriftedResource[] = [];
  for (const step of steps) {
    const gone = step.op === "delete" || (step.before !== undefined && step.after === undefined);
    const properties = gone
      ? []
      : propertyChanges(step).filter((p) => !DERIVED.has(p.path.split(".")[0]));
    if (gone || properties.length) {
      resources.push({
        type: step.type.replace(/^pulumi-nodejs:dynamic\//, ""),
        name: step.name,
        urn: step.urn,
        op: gone ? "delete" : "update",
        properties,
      });
    }
  }
  return { stack, status: resources.length ? "drift" : "clean", resources };
}

/**
 * The cluster must answer before anything is compared: a stack whose state holds nothing
 * (or nothing a refresh would read) must not come out "clean" just because nothing was asked.
 */
async function clusterAnswers(
  connection: DockerConnection | undefined,
  warnings: string[],
  warnDays?: number,
): Promise<string | undefined> {
  for (const p of bundleProblems(connection, { warnDays })) {
    if (p.severity === "error") return p.message;
    warnings.push(p.message);
  }
  try {
    await connect(connection).ping();
    return undefined;
  } catch (err) {
    return whyNoAnswer(err, unreachableMessage(err, connection));
  }
}

export interface DriftOptions {
  /** Refresh through the engine even when the state could be read directly. */
  engine?: boolean;
}

export async function checkDrift(
  stackName: string,
  progress: (line: string) => void = () => undefined,
  opts: DriftOptions = {},
): Promise<DriftReport> {
  if (!opts.engine) {
    const direct = await checkDriftDirectly(stackName, progress);
    if (direct) return direct;
  }
  return checkDriftWithEngine(stackName, progress);
}

function withWarnings(report: DriftReport, warnings: string[]): DriftReport {
  return warnings.length ? { ...report, warnings } : report;
}

/**
 * `interlock-ingress:docker` as the stack file sets it now: read from the file when it is
 * plain text (the lab's socket), through the CLI when it holds secrets (a client bundle).
 */
async function configuredConnection(
  stackName: string,
  file: Record<string, unknown>,
): Promise<{ conn: DockerConnection; raw: string } | undefined> {
  const key = `${CONFIG_NAMESPACE}:docker`;
  const value = file[key];
  // Absent from the stack file (env.sh, or config from elsewhere): the state's connection holds.
  if (value === undefined) return undefined;
  let raw = JSON.stringify(value);
  if (/"secure":/.test(raw)) {
    const config = await (await openStack(stackName, { create: false })).getAllConfig();
    if (!config[key]) return undefined;
    raw = config[key].value;
  }
  return { conn: JSON.parse(raw) as DockerConnection, raw };
}

function stackFileConfig(stackName: string): Record<string, unknown> {
  stackFileOf(stackName);
  return readStackFile(stackName);
}

/** `interlock.bundleExpiryWarnDays` of the stack file, when set. */
function warnDaysOf(file: Record<string, unknown>): number | undefined {
  const interlock = file[`${CONFIG_NAMESPACE}:interlock`] as
    { bundleExpiryWarnDays?: unknown } | undefined;
  const days = interlock?.bundleExpiryWarnDays;
  return typeof days === "number" ? days : undefined;
}

function failed(stack: string, error: string): DriftReport {
  return { stack, status: "error", resources: [], error };
}

/** Undefined when the state holds resources only the engine can read. */
async function checkDriftDirectly(
  stackName: string,
  progress: (line: string) => void,
): Promise<DriftReport | undefined> {
  try {
    stackFileOf(stackName);
    const state = await exportState(stackName);
    if (!state.ok) {
      return failed(
        stackName,
        state.noSuchStack ? notInBackend(stackName).message : whyNotChecked(state.stderr),
      );
    }
    const resources = readable(state.resources);
    // Nothing to read: the engine path tells an unreachable cluster from a stack never deployed.
    if (!resources?.length) return undefined;
    // The stack's connection as configured now reads, as the engine's providers do
    // (configureConnection): a rotated bundle works at once, an expired one is named.
    const file = stackFileConfig(stackName);
    const configured = await configuredConnection(stackName, file);
    const current = configured ? configured.conn : connectionsOf(resources)[0];
    const warnings: string[] = [];
    const unreachable = await clusterAnswers(current, warnings, warnDaysOf(file));
    if (unreachable) return failed(stackName, unreachable);
    if (configured) await configureConnection({ config: { get: () => configured.raw } });
    try {
      return withWarnings(driftOfSteps(stackName, await readSteps(resources, progress)), warnings);
    } finally {
      // This process may check other stacks next (the tests do): theirs, not this one's.
      forgetConnection();
    }
  } catch (err) {
    if (err instanceof NoSuchStackError) return failed(stackName, err.message);
    return failed(stackName, whyNotChecked((err as Error).message));
  }
}

async function checkDriftWithEngine(
  stackName: string,
  progress: (line: string) => void,
): Promise<DriftReport> {
  const events: EngineEvent[] = [];
  const printed: string[] = [];
  const warnings: string[] = [];
  const fail = (error: string) => failed(stackName, error);
  try {
    const stack = await openStack(stackName, { create: false });
    const config = await stack.getAllConfig();
    const docker = config[`${CONFIG_NAMESPACE}:docker`];
    const unreachable = await clusterAnswers(
      docker ? (JSON.parse(docker.value) as DockerConnection) : undefined,
      warnings,
      warnDaysOf(stackFileConfig(stackName)),
    );
    if (unreachable) return fail(unreachable);
    const deployed = (await stack.exportStack()).deployment?.resources ?? [];
    if (
      !deployed.some(
        (r: { type?: string }) =>
          r.type !== "pulumi:pulumi:Stack" && !String(r.type).startsWith("pulumi:providers:"),
      )
    ) {
      return fail(
        `nothing to check: stack ${stackName} has never been deployed (no resources in its state); run up first`,
      );
    }
    await stack.refresh({
      previewOnly: true,
      onOutput: (s) => printed.push(s),
      onEvent: (e) => {
        events.push(e);
        const m = e.resourcePreEvent?.metadata;
        if (m && m.type !== "pulumi:pulumi:Stack")
          progress(
            `checking ${m.type.replace(/^pulumi-nodejs:dynamic\//, "")} ${m.urn.split("::").pop()}`,
          );
      },
    });
  } catch (err) {
    if (err instanceof NoSuchStackError) return fail(err.message);
    return fail(whyNotChecked(`${printed.join("")}\n${(err as Error).message}`));
  }
  return withWarnings(driftOf(stackName, events), warnings);
}
