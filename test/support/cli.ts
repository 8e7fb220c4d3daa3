/**
 * The `pulumi` CLI as a user types it: in a shell that has sourced scripts/env.sh (the CLI and
 * the offline language host on PATH, the offline settings), in the project's directory.
 */
import { spawn, spawnSync } from "child_process";
import * as path from "path";
import { stripVTControlCharacters as plain } from "util";
import { REPO } from "../../scripts/lib/workspace";

const SHELL = `source ${JSON.stringify(path.join(REPO, "scripts/env.sh"))} && exec pulumi "$@"`;

export interface CliResult {
  code: number;
  /** stdout, then stderr, without colours. */
  out: string;
  stdout: string;
}

export interface CliOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: string;
}

function environment(opts: CliOptions): NodeJS.ProcessEnv {
  return { ...process.env, PULUMI_NON_INTERACTIVE: "true", ...opts.env };
}

export function pulumi(args: string[], opts: CliOptions = {}): CliResult {
  const r = spawnSync("bash", ["-c", SHELL, "pulumi", ...args], {
    cwd: opts.cwd ?? REPO,
    env: environment(opts),
    encoding: "utf8",
    input: opts.input,
    maxBuffer: 64 * 1024 * 1024,
  });
  return { code: r.status ?? -1, out: plain(r.stdout + r.stderr), stdout: r.stdout };
}

/**
 * Starts `pulumi ...` as the foreground job of a terminal would be: its own process group,
 * which is where Ctrl-C's SIGINT goes. `interrupt` sends it once `when` matches the output.
 */
export function pulumiInterrupted(
  args: string[],
  when: RegExp,
  opts: CliOptions = {},
): Promise<CliResult & { interrupted: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", ["-c", `${SHELL} 2>&1`, "pulumi", ...args], {
      cwd: opts.cwd ?? REPO,
      env: environment(opts),
      detached: true,
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    let interrupted = false;
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      if (!interrupted && when.test(out)) {
        interrupted = true;
        process.kill(-child.pid!, "SIGINT");
      }
    });
    child.on("error", reject);
    child.on("close", (code) =>
      resolve({ code: code ?? -1, out: plain(out), stdout: out, interrupted }),
    );
  });
}

/** `pulumi ...` without blocking this process, so a test can send traffic while it runs. */
export function pulumiAsync(args: string[], opts: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", ["-c", SHELL, "pulumi", ...args], {
      cwd: opts.cwd ?? REPO,
      env: environment(opts),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, out: plain(stdout + stderr), stdout }));
  });
}
