/**
 * `interlock-ingress:apps`: Compose files deployed as stacks in an environment. Checked with
 * the Compose files they name, so that a YAML error or a secret without a value is a stack-config
 * problem naming the key, not a failed deployment.
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { configKey, throwIfAny } from "./errors";
import { isRecord } from "./predicates";
import { didYouMean, WITHIN_TWO } from "./didYouMean";
import type { EnvironmentSpec } from "./environments";

/** One entry of `interlock-ingress:apps`: a Compose file deployed as a stack in an environment. */
export interface AppSettings {
  environment: string;
  /** Path of the Compose file, relative to the project. */
  composeFile: string;
  /** Compose secret name → name of a secret stack config key holding its value (TLS material). */
  secrets?: Record<string, string>;
}

/** The top-level tables of a Compose file that the stack config is checked against. */
export type ComposeTop = {
  configs?: Record<string, { file?: string; external?: unknown } | null>;
  secrets?: Record<string, { external?: unknown } | null>;
};

/** `interlock-ingress:apps` parsed, with each app's Compose file as read. */
export interface ParsedApps {
  apps: Record<string, AppSettings>;
  composes: Record<string, ComposeTop>;
}

const APP_KEYS = ["environment", "composeFile", "secrets"];

/**
 * Parses `interlock-ingress:apps`, reading each Compose file (paths relative to `projectDir`);
 * undefined when the stack has no apps. Throws StackConfigError.
 */
export function parseApps(
  raw: unknown,
  environments: EnvironmentSpec[],
  projectDir: string,
): ParsedApps | undefined {
  if (raw === undefined || raw === null) return undefined;
  const apps = raw as Record<string, AppSettings>;
  const problems: string[] = [];
  const composes: Record<string, ComposeTop> = {};
  for (const [name, app] of Object.entries(apps)) {
    const compose = parseApp(name, app, environments, projectDir, problems);
    if (compose) composes[name] = compose;
  }
  throwIfAny(problems);
  return { apps, composes };
}

/** One app: its keys, its environment, and its Compose file with the secrets it declares. */
function parseApp(
  name: string,
  app: AppSettings,
  environments: EnvironmentSpec[],
  projectDir: string,
  problems: string[],
): ComposeTop | undefined {
  const at = configKey(`apps.${name}`);
  if (!isRecord(app)) {
    problems.push(`${at}: expected a table, e.g. {environment: dev, composeFile: apps/web.yml}`);
    return undefined;
  }
  for (const k of Object.keys(app))
    if (!APP_KEYS.includes(k))
      problems.push(`${at}.${k}: unknown setting${didYouMean(k, APP_KEYS, WITHIN_TWO)}`);
  if (!environments.some((e) => e.name === app.environment)) {
    problems.push(
      `${at}.environment: ${JSON.stringify(app.environment)} is not a configured environment (${environments.map((e) => e.name).join(", ")})`,
    );
  }
  const file = typeof app.composeFile === "string" && path.resolve(projectDir, app.composeFile);
  if (!file || !fs.existsSync(file)) {
    problems.push(
      `${at}.composeFile: ${JSON.stringify(app.composeFile)} does not exist (paths are relative to the project)`,
    );
    return undefined;
  }
  const read = readCompose(`${at}.composeFile`, file, app.composeFile);
  if (read.problem) {
    problems.push(read.problem);
    return undefined;
  }
  secretProblems(at, name, app.secrets ?? {}, read.compose!, problems);
  return read.compose;
}

/** Every secret the Compose file declares has a value, and every mapping names one of them. */
function secretProblems(
  at: string,
  name: string,
  mapped: Record<string, string>,
  compose: ComposeTop,
  problems: string[],
): void {
  const declared = compose.secrets ?? {};
  for (const [secret, def] of Object.entries(declared)) {
    if (!def?.external && mapped[secret] === undefined)
      problems.push(
        `${at}.secrets.${secret}: the Compose file's secret ${secret} has no value; map it to a secret stack config key ` +
          `(apps.${name}.secrets: {${secret}: <key>}) and set that key with pulumi config set --secret <key> < file`,
      );
  }
  for (const secret of Object.keys(mapped)) {
    if (!(secret in declared))
      problems.push(
        `${at}.secrets.${secret}: the Compose file declares no secret ${secret} (it declares: ${Object.keys(declared).join(", ") || "none"})`,
      );
  }
}

/** The Compose file's YAML, or the problem naming the stack-config key, the file and the line. */
function readCompose(
  key: string,
  file: string,
  shown: string,
): { compose?: ComposeTop; problem?: string } {
  const doc = YAML.parseDocument(fs.readFileSync(file, "utf8"));
  if (doc.errors.length) {
    const e = doc.errors[0];
    const line = e.linePos?.[0] ? `line ${e.linePos[0].line}: ` : "";
    return {
      problem: `${key} (${shown}): ${line}${e.message.split("\n")[0]}; fix the Compose file`,
    };
  }
  const compose = doc.toJS() as unknown;
  if (!isRecord(compose))
    return { problem: `${key} (${shown}): not a Compose file (expected a table with services)` };
  return { compose: compose as ComposeTop };
}
