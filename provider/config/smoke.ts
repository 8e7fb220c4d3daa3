/**
 * `interlock-ingress:smoke`: after `up`, one request per routed host of the stack's apps
 * through its environment's proxy, to an address the stack names per environment.
 */
import { configKey, StackConfigError, throwIfAny } from "./errors";
import { isRecord, isWholeIn } from "./predicates";
import { didYouMean, WITHIN_TWO } from "./didYouMean";
import type { EnvironmentSpec } from "./environments";

export interface SmokeSettings {
  /** Where each environment's proxy is reached: a node's address or the NLB's DNS name. */
  addresses: Record<string, string>;
  /** A failed request fails the `up` instead of warning. */
  required: boolean;
  /** Per request. */
  timeoutSeconds: number;
}

const SMOKE_KEYS = ["addresses", "required", "timeoutSeconds"];

/** A host name or an IPv4 address: where a request goes, never a URL. */
const ADDRESS = /^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;

const at = (k: string) => configKey(`smoke.${k}`);

/** `interlock-ingress:smoke`; absent means no smoke check. */
export function parseSmokeSettings(
  raw: unknown,
  envs: EnvironmentSpec[],
): SmokeSettings | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!isRecord(raw))
    throw new StackConfigError([
      `${configKey("smoke")}: expected a table, e.g. {addresses: {dev: 10.0.1.11}}`,
    ]);
  const problems: string[] = [];
  for (const k of Object.keys(raw))
    if (!SMOKE_KEYS.includes(k))
      problems.push(`${at(k)}: unknown setting${didYouMean(k, SMOKE_KEYS, WITHIN_TWO)}`);
  const addresses = checkAddresses(raw.addresses, envs, problems);
  if (raw.required !== undefined && typeof raw.required !== "boolean")
    problems.push(`${at("required")}: expected true or false, got ${JSON.stringify(raw.required)}`);
  if (raw.timeoutSeconds !== undefined && !isWholeIn(raw.timeoutSeconds, 1, 60))
    problems.push(
      `${at("timeoutSeconds")}: expected a whole number of seconds from 1 to 60, got ${JSON.stringify(raw.timeoutSeconds)}`,
    );
  throwIfAny(problems);
  return {
    addresses,
    required: (raw.required as boolean | undefined) ?? false,
    timeoutSeconds: (raw.timeoutSeconds as number | undefined) ?? 5,
  };
}

/** `addresses`: one per environment of the stack that has routed apps to check. */
function checkAddresses(
  raw: unknown,
  envs: EnvironmentSpec[],
  problems: string[],
): Record<string, string> {
  const names = envs.map((e) => e.name);
  const example = `{${names[0] ?? "dev"}: 10.0.1.11}`;
  if (!isRecord(raw)) {
    problems.push(
      `${at("addresses")}: expected a table of environment -> address of its proxy (a node's address or the NLB's DNS name), e.g. ${example}`,
    );
    return {};
  }
  const out: Record<string, string> = {};
  for (const [env, address] of Object.entries(raw)) {
    if (!names.includes(env)) {
      problems.push(
        `${at(`addresses.${env}`)}: not an environment of this stack${didYouMean(env, names, WITHIN_TWO)}`,
      );
    } else if (typeof address !== "string" || !ADDRESS.test(address)) {
      problems.push(
        `${at(`addresses.${env}`)}: expected a host name or an IPv4 address (no scheme, no port: the port is the environment's published port), got ${JSON.stringify(address)}`,
      );
    } else {
      out[env] = address;
    }
  }
  return out;
}
