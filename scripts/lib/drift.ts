/**
 * Drift: a refresh in preview mode (nothing is written, neither to the cluster nor to the
 * state), reduced to the resources and properties whose live values differ from the state.
 */
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { connect, DockerConnection } from "../../provider/docker/connection";
import { isUnreachable } from "../../provider/docker/errors";
import { unreachableMessage } from "../../provider/docker/swarm";
import { CONFIG_NAMESPACE } from "../../provider/topology";
import { NoSuchStackError, openStack } from "./workspace";
import { PropertyChange, propertyChanges, stepsOf } from "./steps";

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
}

export const EXIT = { clean: 0, drift: 1, error: 2 } as const;

/** Outputs the providers compute from live state that are not drift by themselves. */
const DERIVED = /^(configVersion|clusters|networkId|nodeId|hostname)(\.|$)/;

export function driftOf(stack: string, events: EngineEvent[]): DriftReport {
  const resources: DriftedResource[] = [];
  for (const step of stepsOf(events, "outputs")) {
    const gone = step.op === "delete" || (step.before !== undefined && step.after === undefined);
    const properties = gone
      ? []
      : propertyChanges(step).filter(
          (p) => !DERIVED.test(p.path) || p.path.startsWith("networkId"),
        );
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

/** Says why a check could not run: the cluster or the credentials, in one line. */
export function whyNotChecked(text: string): string {
  const lines = text.split("\n").map((l) => l.trim());
  const reach = lines.find((l) => /cannot reach the Docker Engine API/.test(l));
  if (reach) return `cluster unreachable: ${reach.slice(reach.indexOf("cannot reach"))}`;
  const creds = lines.find((l) => /x509|certificate|tls:|unauthorized|401|403|forbidden/i.test(l));
  if (creds) return `credentials rejected: ${creds.replace(/^error:\s*/, "")}`;
  const error = lines.find(
    (l) => /^error:/.test(l) && !/update failed|preview failed|refresh failed/.test(l),
  );
  return `could not check: ${error ?? lines.filter(Boolean).pop() ?? "unknown error"}`;
}

/**
 * The cluster must answer before anything is compared: a stack whose state holds nothing
 * (or nothing a refresh would read) must not come out "clean" just because nothing was asked.
 */
async function clusterAnswers(connection?: DockerConnection): Promise<string | undefined> {
  try {
    await connect(connection).ping();
    return undefined;
  } catch (err) {
    const message = unreachableMessage(err, connection);
    if (isUnreachable(err)) return `cluster unreachable: ${message}`;
    return /x509|certificate|tls|EPROTO|401|403|unauthorized|forbidden/i.test(message)
      ? `credentials rejected: ${message}`
      : `could not check: ${message}`;
  }
}

export async function checkDrift(
  stackName: string,
  progress: (line: string) => void = () => undefined,
): Promise<DriftReport> {
  const events: EngineEvent[] = [];
  const printed: string[] = [];
  const fail = (error: string): DriftReport => ({
    stack: stackName,
    status: "error",
    resources: [],
    error,
  });
  try {
    const stack = await openStack(stackName, { create: false });
    const config = await stack.getAllConfig();
    const docker = config[`${CONFIG_NAMESPACE}:docker`];
    const unreachable = await clusterAnswers(
      docker ? (JSON.parse(docker.value) as DockerConnection) : undefined,
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
  return driftOf(stackName, events);
}
