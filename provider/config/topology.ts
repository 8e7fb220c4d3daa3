/**
 * The typed stack config of the Interlock side: the environments and the rollout settings,
 * parsed together so every problem of both is reported at once.
 */
import { throwIfAny } from "./errors";
import { EnvironmentSpec, parseEnvironments } from "./environments";
import { InterlockSettings, parseInterlockSettings } from "./interlock";

/** The whole parsed stack config of the Interlock side. */
export interface Topology {
  environments: EnvironmentSpec[];
  interlock: InterlockSettings;
}

/** Parses `interlock-ingress:environments` and `interlock-ingress:interlock`; throws StackConfigError. */
export function parseTopology(raw: { environments?: unknown; interlock?: unknown }): Topology {
  const problems: string[] = [];
  const environments = parseEnvironments(raw.environments, problems);
  const interlock = parseInterlockSettings(raw.interlock, problems);
  throwIfAny(problems);
  return { environments, interlock };
}
