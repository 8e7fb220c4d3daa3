/**
 * Runs the real Pulumi engine offline: the CLI built by scripts/engine.sh, a file backend
 * under .state/, no update checks and no plugin downloads, the same environment as
 * scripts/env.sh gives a shell. The Automation API drives the `pulumi` CLI on this project's
 * Pulumi.yaml, so the program runs as `pulumi up` runs it: through the Node.js language host
 * (the offline one scripts/engine.sh builds beside the CLI) and stacks/index.ts.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import type { Stack } from "@pulumi/pulumi/automation";
import { projectDir } from "../../stacks/projectDir";

export const REPO = projectDir(__dirname);
export const STATE_DIR = path.join(REPO, ".state");
export const LAB_STACK = "lab";
/** The lab's stacks: `lab` (every environment) and `lab-<env>` (one stack per environment). */
export function isLabStack(name: string): boolean {
  return name === LAB_STACK || name.startsWith(`${LAB_STACK}-`);
}
/** Only the lab stacks have a default passphrase: their state holds nothing worth hiding. */
export const LAB_PASSPHRASE = "interlock-ingress-lab";
export const LAB_DOCKER_HOST = "unix:///run/interlock-lab/m0.sock";

let binDir: string | undefined;

/** The directory holding `pulumi` and `pulumi-resource-pulumi-nodejs`, built on first use. */
export function engineBinDir(): string {
  if (binDir) return binDir;
  binDir =
    process.env.PULUMI_BIN_DIR ??
    execFileSync("bash", [path.join(REPO, "scripts/engine.sh")], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
    }).trim();
  return binDir;
}

/** Environment for every engine run of `stackName`. */
export function engineEnv(stackName: string): Record<string, string> {
  const env: Record<string, string> = {
    PULUMI_BACKEND_URL:
      process.env.PULUMI_BACKEND_URL ?? `file://${path.join(STATE_DIR, "backend")}`,
    PULUMI_HOME: process.env.PULUMI_HOME ?? path.join(STATE_DIR, "pulumi-home"),
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PATH: `${engineBinDir()}:${process.env.PATH}`,
  };
  const passphrase =
    process.env.PULUMI_CONFIG_PASSPHRASE ?? (isLabStack(stackName) ? LAB_PASSPHRASE : undefined);
  if (passphrase !== undefined) env.PULUMI_CONFIG_PASSPHRASE = passphrase;
  else if (!process.env.PULUMI_CONFIG_PASSPHRASE_FILE) {
    throw new Error(
      `stack ${stackName}: set PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE) for its secrets`,
    );
  }
  return env;
}

/** A stack that has no stack file, or (when it must exist) nothing in the backend. */
export class NoSuchStackError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NoSuchStackError";
  }
}

/** A stack with a stack file that the backend does not have: only `up` creates it there. */
export function notInBackend(stackName: string): NoSuchStackError {
  return new NoSuchStackError(
    `no such stack: ${stackName} is not in the backend ${engineEnv(stackName).PULUMI_BACKEND_URL}; deploy it first with up`,
  );
}

/** The stack's `Pulumi.<stack>.yaml`; a stack without one is no stack of this project. */
export function stackFileOf(stackName: string): string {
  const stackFile = path.join(REPO, `Pulumi.${stackName}.yaml`);
  if (!fs.existsSync(stackFile)) {
    const known = fs
      .readdirSync(REPO)
      .filter((f) => /^Pulumi\..+\.yaml$/.test(f))
      .map((f) => f.slice(7, -5));
    throw new NoSuchStackError(
      `no such stack: ${stackName} has no stack file ${path.basename(stackFile)} (stacks here: ${known.join(", ")})`,
    );
  }
  return stackFile;
}

/**
 * Selects a stack of this project. Its `Pulumi.<stack>.yaml`
 * must exist; the stack is created in the backend only with `create` (by `up`, the one
 * command that writes), so reading commands never create stacks or stack files.
 */
export async function openStack(
  stackName: string,
  opts: { create?: boolean } = { create: true },
): Promise<Stack> {
  stackFileOf(stackName);
  const env = engineEnv(stackName);
  for (const dir of [STATE_DIR, env.PULUMI_HOME]) fs.mkdirSync(dir, { recursive: true });
  if (env.PULUMI_BACKEND_URL.startsWith("file://")) {
    fs.mkdirSync(env.PULUMI_BACKEND_URL.slice("file://".length), { recursive: true });
  }
  // Loaded here, not at the top: it loads all of Pulumi's SDK (~0.3 s), which the direct
  // drift check (directDrift.ts) does without.
  const { LocalWorkspace, PulumiCommand, StackNotFoundError } =
    await import("@pulumi/pulumi/automation");
  const pulumiCommand = await PulumiCommand.get({ root: path.dirname(engineBinDir()) });
  const args = { stackName, workDir: REPO };
  const workspace = { pulumiCommand, envVars: env };
  if (opts.create) return LocalWorkspace.createOrSelectStack(args, workspace);
  try {
    return await LocalWorkspace.selectStack(args, workspace);
  } catch (err) {
    if (err instanceof StackNotFoundError || /no stack named/i.test((err as Error).message)) {
      throw notInBackend(stackName);
    }
    throw err;
  }
}
