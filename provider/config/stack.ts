/**
 * The project's keys as a whole: a key of the namespace that nothing reads (a misspelled
 * `environment` would otherwise read as "no environment is configured"), and the connection.
 */
import type { Config } from "@pulumi/pulumi/config";
import { CONFIG_NAMESPACE, configKey } from "./errors";
import { didYouMean, WITHIN_TWO } from "./didYouMean";
import { dockerConfigProblems } from "./docker";

/** The stack config keys of this project the program reads. */
export const KNOWN_KEYS = ["environments", "interlock", "aws", "demo", "apps", "docker", "smoke"];

/**
 * Keys of the project's namespace that nothing reads, and a malformed connection. Secret
 * stack-config keys that apps map their Compose secrets to are read, so they count as known.
 */
export function stackConfigProblems(config: Config): string[] {
  const runtimeConfig =
    require("@pulumi/pulumi/runtime/config") as typeof import("@pulumi/pulumi/runtime/config");
  const mapped = mappedSecretKeys(config);
  const problems: string[] = [];
  for (const full of Object.keys(runtimeConfig.allConfig())) {
    if (!full.startsWith(`${CONFIG_NAMESPACE}:`)) continue;
    const key = full.slice(CONFIG_NAMESPACE.length + 1);
    if (KNOWN_KEYS.includes(key) || mapped.includes(key) || mapped.includes(full)) continue;
    problems.push(`${full}: unknown setting${didYouMean(key, KNOWN_KEYS, WITHIN_TWO)}`);
  }
  // The raw value: only `host` is looked at, and no value is printed.
  problems.push(...dockerConfigProblems(runtimeConfig.getConfig(configKey("docker"))));
  return problems;
}

/** The stack-config keys that apps map their Compose secrets to. */
function mappedSecretKeys(config: Config): string[] {
  const apps = (config.getObject<Record<string, { secrets?: Record<string, string> }>>("apps") ??
    {}) as Record<string, { secrets?: Record<string, string> } | null>;
  return Object.values(apps).flatMap((a) =>
    a && typeof a.secrets === "object" ? Object.values(a.secrets ?? {}) : [],
  );
}
