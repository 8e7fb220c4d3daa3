/**
 * Side by side on the lab, in one run (issue: up within 1.3x of the blog's CLI steps, no-change
 * checks within half of Ansible's):
 *   1. the blog's steps 3-9 with the docker CLI (bench/blog-cli.sh), from UCP's initial state;
 *   2. `pulumi up` of a new stack to the same end state, from UCP's initial state again;
 *   3. a no-change `pulumi up`, counting Docker API write calls (must be 0);
 *   4. a no-change `npm run drift` and `pulumi preview`, against an Ansible community.docker
 *      check-mode playbook reading the same objects (bench/ansible/check.yml).
 * The stack reaches the lab through a counting proxy (bench/apiCounter.ts), so each line also
 * says how many Engine API calls the command made. Prints a Markdown table.
 * Usage: ts-node bench/sideBySide.ts [runs for the medians, default 3]
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { startApiCounter } from "./apiCounter";

const REPO = path.resolve(__dirname, "..");
const LAB_SOCKET = "/run/interlock-lab/m0.sock";
const STACK = "bench";
const runs = Number(process.argv[2] ?? 3);
const backend = fs.mkdtempSync(path.join(os.tmpdir(), "ingress-bench-"));
const env = {
  ...process.env,
  PULUMI_BACKEND_URL: `file://${backend}`,
  PULUMI_CONFIG_PASSPHRASE: "bench",
  PULUMI_NON_INTERACTIVE: "true",
};

/** Seconds a command takes; it must succeed. */
function timed(cmd: string, args: string[]): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { cwd: REPO, env, encoding: "utf8" });
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0)
    throw new Error(`${cmd} ${args.join(" ")}: exit ${r.status}\n${r.stdout}${r.stderr}`);
  return secs;
}

const pulumi = (...args: string[]) =>
  timed("bash", [
    "-c",
    'source scripts/env.sh && exec pulumi "$@"',
    "pulumi",
    ...args,
    "--stack",
    STACK,
  ]);
const baseline = () => timed("bash", ["lab/lab", "baseline"]);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const counter = await startApiCounter(LAB_SOCKET, path.join(backend, "docker.sock"));
  const stackFile = path.join(REPO, `Pulumi.${STACK}.yaml`);
  const lab = fs.readFileSync(path.join(REPO, "Pulumi.lab.yaml"), "utf8");
  fs.writeFileSync(
    stackFile,
    lab
      .replace(/^encryptionsalt:.*\n?/m, "")
      .replace(`host: unix://${LAB_SOCKET}`, `host: unix://${counter.socket}`),
  );
  const rows: Array<[string, string, string]> = [];
  const calls = () => {
    const c = counter.counts();
    counter.reset();
    return `${c.reads} reads, ${c.writes} writes`;
  };
  try {
    baseline();
    const cli = timed("bash", ["bench/blog-cli.sh"]);
    rows.push(["the blog's steps 3-9 with the docker CLI (bench/blog-cli.sh)", cli.toFixed(1), ""]);

    baseline();
    timed("bash", ["-c", "source scripts/env.sh && pulumi stack init " + STACK]);
    counter.reset();
    const up = pulumi("up", "--yes");
    rows.push([
      `\`pulumi up\` of a new stack, same end state (ratio to the CLI: ${(up / cli).toFixed(2)}x)`,
      up.toFixed(1),
      calls(),
    ]);

    const noop = pulumi("up", "--yes");
    const noopCalls = counter.counts();
    rows.push(["`pulumi up` with no changes", noop.toFixed(1), calls()]);
    if (noopCalls.writes) rows.push(["  its write calls", "", noopCalls.writePaths.join(", ")]);

    const config = JSON.parse(
      spawnSync(
        "bash",
        [
          "-c",
          `source scripts/env.sh && pulumi stack output interlockConfig --json --stack ${STACK}`,
        ],
        {
          cwd: REPO,
          env,
          encoding: "utf8",
        },
      ).stdout,
    );
    const ansible = median(
      Array.from({ length: runs }, () =>
        timed("ansible-playbook", [
          "--check",
          "-e",
          `interlock_config=${config}`,
          "bench/ansible/check.yml",
        ]),
      ),
    );
    rows.push([
      `Ansible community.docker check mode, same reads (median of ${runs})`,
      ansible.toFixed(1),
      "",
    ]);

    counter.reset();
    const drift = median(
      Array.from({ length: runs }, () =>
        timed("npx", ["ts-node", "--transpile-only", "scripts/drift.ts", "--stack", STACK]),
      ),
    );
    rows.push([
      `\`npm run drift\`, no changes (median of ${runs}; ratio to Ansible: ${(drift / ansible).toFixed(2)}x)`,
      drift.toFixed(1),
      `${calls()} for ${runs} runs`,
    ]);
    const preview = median(
      Array.from({ length: runs }, () => pulumi("preview", "--expect-no-changes")),
    );
    rows.push([
      `\`pulumi preview\`, no changes (median of ${runs}; ratio to Ansible: ${(preview / ansible).toFixed(2)}x)`,
      preview.toFixed(1),
      `${calls()} for ${runs} runs`,
    ]);

    pulumi("destroy", "--yes");
  } finally {
    fs.rmSync(stackFile, { force: true });
    await counter.close();
    baseline();
  }
  console.log("| benchmark | seconds | Engine API calls |\n|---|---|---|");
  for (const [what, secs, n] of rows) console.log(`| ${what} | ${secs} | ${n} |`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
