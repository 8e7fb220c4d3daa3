/**
 * The `pulumi` CLI as users type it (after `source scripts/env.sh`), running programs through
 * the offline Node.js language host: a scratch program for what the host owes every program
 * (errors with their stack trace, secret config), then the lab stack's whole life: up, a
 * no-change check, drift seen by `--expect-no-changes`, Ctrl-C in the middle of an up, export
 * and import, destroy.
 */
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { REPO } from "../../scripts/lib/workspace";
import { pulumi, pulumiInterrupted } from "../support/cli";
import {
  ALL_ENVIRONMENTS_SERVICES,
  baseline,
  configNames,
  docker,
  LAB,
  nodeLabels,
  serviceNames,
} from "../support/lab";

const CLUSTER_LABEL = "com.docker.interlock.service.cluster";

/** The steps and summary of a preview, in a stable order (progress lines and timings left out). */
function plan(out: string): string[] {
  return out
    .split("\n")
    .filter((l) => /^ [~+-]|^\s+[~+-] \d+ to |^\s+\d+ unchanged/.test(l))
    .filter((l) => !/ refresh(ing)?$/.test(l))
    .map((l) => l.replace(/\s*\(\d+s\)/, "").trimEnd())
    .sort();
}

describe("the pulumi CLI and the offline language host: a scratch program", function () {
  this.timeout(300_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ingress-probe-"));
  const env = {
    PULUMI_BACKEND_URL: `file://${path.join(dir, ".backend")}`,
    PULUMI_CONFIG_PASSPHRASE: "probe",
  };
  const cli = (...args: string[]) => pulumi(args, { cwd: dir, env });

  before(() => {
    fs.mkdirSync(path.join(dir, ".backend"));
    fs.symlinkSync(path.join(REPO, "node_modules"), path.join(dir, "node_modules"));
    fs.writeFileSync(path.join(dir, "package.json"), '{ "name": "probe", "dependencies": {} }\n');
    fs.writeFileSync(
      path.join(dir, "Pulumi.yaml"),
      "name: probe\nruntime:\n  name: nodejs\n  options:\n    typescript: true\nmain: index.ts\n",
    );
    fs.writeFileSync(
      path.join(dir, "tsconfig.json"),
      '{ "compilerOptions": { "strict": true, "noCheck": true } }\n',
    );
    fs.writeFileSync(
      path.join(dir, "index.ts"),
      [
        'import * as pulumi from "@pulumi/pulumi";',
        "const config = new pulumi.Config();",
        "function checkPreconditions(): void {",
        '  if (config.getBoolean("fail")) throw new Error("probe: failing on purpose (fail=true)");',
        "}",
        "checkPreconditions();",
        'export const db = config.requireSecretObject<{ user: string; password: string }>("db");',
        'export const dbIsSecretConfig = pulumi.runtime.isConfigSecret("probe:db");',
        'export const user = config.requireObject<{ user: string }>("db").user;',
        "",
      ].join("\n"),
    );
    assert.strictEqual(cli("stack", "init", "probe").code, 0);
  });

  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("config set --path --secret reaches the program as a secret, and stays one in state and outputs", () => {
    assert.strictEqual(cli("config", "set", "--path", "db.user", "admin").code, 0);
    const set = cli("config", "set", "--path", "--secret", "db.password", "s3cr3t-probe");
    assert.strictEqual(set.code, 0, set.out);
    const up = cli("up", "--yes");
    assert.strictEqual(up.code, 0, up.out);
    const outputs = JSON.parse(cli("stack", "output", "--json").stdout);
    assert.deepStrictEqual(outputs, { db: "[secret]", dbIsSecretConfig: true, user: "admin" });
    const shown = JSON.parse(cli("stack", "output", "--json", "--show-secrets").stdout);
    assert.deepStrictEqual(shown.db, { user: "admin", password: "s3cr3t-probe" });
    const exported = cli("stack", "export");
    assert.strictEqual(exported.code, 0, exported.out);
    assert.ok(
      !exported.stdout.includes("s3cr3t-probe"),
      "the password is in the state in plain text",
    );
    assert.ok(!up.out.includes("s3cr3t-probe"), "the password is in the engine output");
  });

  it("a throw in the program shows its message and stack trace once, and exits 1", () => {
    assert.strictEqual(cli("config", "set", "fail", "true").code, 0);
    const preview = cli("preview");
    assert.strictEqual(preview.code, 1, preview.out);
    assert.strictEqual(
      preview.out.match(/probe: failing on purpose \(fail=true\)/g)?.length,
      1,
      preview.out,
    );
    assert.match(preview.out, /at checkPreconditions \(\S*index\.ts:4:\d+\)/);
    assert.strictEqual(cli("config", "rm", "fail").code, 0);
    assert.strictEqual(cli("preview", "--expect-no-changes").code, 0);
  });
});

describe("the pulumi CLI on the lab stack, as a user runs it", function () {
  this.timeout(900_000);
  const STACK = "e2e-cli";
  const stackFile = path.join(REPO, `Pulumi.${STACK}.yaml`);
  const backend = fs.mkdtempSync(path.join(os.tmpdir(), "ingress-cli-"));
  const env = { PULUMI_BACKEND_URL: `file://${backend}`, PULUMI_CONFIG_PASSPHRASE: "e2e-cli" };
  const cli = (...args: string[]) => pulumi([...args, "--stack", STACK], { env });

  before(() => {
    baseline();
    const lab = fs.readFileSync(path.join(REPO, "Pulumi.lab.yaml"), "utf8");
    fs.writeFileSync(stackFile, lab.replace(/^encryptionsalt:.*\n?/m, ""));
    // No DOCKER_HOST: the lab stack file names the lab's socket.
    delete process.env.DOCKER_HOST;
    const init = pulumi(["stack", "init", STACK], { env });
    assert.strictEqual(init.code, 0, init.out);
  });

  after(() => {
    try {
      cli("destroy", "--yes");
    } finally {
      fs.rmSync(stackFile, { force: true });
      baseline();
    }
  });

  it("pulumi up produces the blog's step-8 picture and prints the stack outputs", async () => {
    const up = cli("up", "--yes");
    assert.strictEqual(up.code, 0, up.out);
    assert.deepStrictEqual(await serviceNames(), ALL_ENVIRONMENTS_SERVICES);
    const outputs = JSON.parse(cli("stack", "output", "--json").stdout);
    assert.strictEqual(outputs.interlockConfig, "com.docker.ucp.interlock.conf-2");
    assert.deepStrictEqual(outputs.ingressNodes, {
      dev: [LAB.dev],
      test: [LAB.test],
      prod: [LAB.prod],
    });
  });

  it("preview --expect-no-changes exits 0 on a clean lab", () => {
    const r = cli("preview", "--expect-no-changes");
    assert.strictEqual(r.code, 0, r.out);
    assert.match(r.out, /Resources:\n\s+8 unchanged/);
  });

  it("a label removed by hand: preview --expect-no-changes exits 7 naming it, as npm run drift does; refresh records it; up puts it back", async () => {
    docker("node", "update", "--label-rm", CLUSTER_LABEL, LAB.test);
    const r = cli("preview", "--expect-no-changes");
    assert.strictEqual(r.code, 7, r.out);
    assert.match(
      r.out,
      /~ .*NodeLabels test-ingress-ip-10-213-0-12\.us-west-2\.compute\.internal update/,
    );
    assert.match(r.out, /no changes were expected for preview but changes were proposed/);
    const drift = spawnSync("node", ["build/prebuilt.js", "scripts/drift", "--stack", STACK], {
      cwd: REPO,
      encoding: "utf8",
      env: { ...process.env, ...env },
    });
    assert.strictEqual(drift.status, 1, drift.stdout + drift.stderr);
    // refresh records what it read; the next preview then plans putting the label back.
    const refresh = cli("refresh", "--yes");
    assert.strictEqual(refresh.code, 0, refresh.out);
    assert.match(
      refresh.out,
      /NodeLabels test-ingress-ip-10-213-0-12\.us-west-2\.compute\.internal updated .*\[diff: ~labels\]/,
    );
    assert.strictEqual(cli("preview", "--expect-no-changes", "--refresh=false").code, 7);
    const up = cli("up", "--yes");
    assert.strictEqual(up.code, 0, up.out);
    assert.strictEqual((await nodeLabels(LAB.test))[CLUSTER_LABEL], "test");
    assert.strictEqual(cli("preview", "--expect-no-changes").code, 0);
  });

  it("pulumi preview prints the same plan as the Automation API runner (npm run stack)", () => {
    const set = cli(
      "config",
      "set",
      "--path",
      "interlock-ingress:environments.dev.publishedPort",
      "8092",
    );
    assert.strictEqual(set.code, 0, set.out);
    const direct = cli("preview");
    const runner = spawnSync(
      "node",
      ["build/prebuilt.js", "scripts/stack", "preview", "--stack", STACK],
      { cwd: REPO, encoding: "utf8", env: { ...process.env, ...env } },
    );
    assert.strictEqual(direct.code, 0, direct.out);
    assert.strictEqual(runner.status, 0, runner.stdout + runner.stderr);
    const expected = plan(direct.out);
    assert.ok(
      expected.some((l) => /InterlockConfig interlock update/.test(l)),
      direct.out,
    );
    assert.deepStrictEqual(plan(runner.stdout), expected);
  });

  it("Ctrl-C during up: the CLI cancels after the step in flight; the next up does the rest, and nothing is left to change", async () => {
    // The dev port change above, and the demo for test too: its routes wait for the Interlock
    // config (its app stack may start during the rollout, or not, as the interrupt falls), so an
    // interrupt during the rollout leaves them for the next up.
    for (const [key, value] of [
      ["interlock-ingress:demo.environments[1]", "test"],
      ["interlock-ingress:demo.hosts.test", "ingress-demo-test.lab.capstonec.net"],
    ]) {
      const set = cli("config", "set", "--path", key, value);
      assert.strictEqual(set.code, 0, set.out);
    }
    const before = await configNames();
    const interrupted = await pulumiInterrupted(
      ["up", "--yes", "--stack", STACK],
      /InterlockConfig interlock updating/,
      { env },
    );
    assert.ok(interrupted.interrupted, interrupted.out);
    assert.strictEqual(interrupted.code, 1, interrupted.out);
    assert.match(interrupted.out, /\^C received; cancelling/);
    assert.match(interrupted.out, /error: update canceled/);
    assert.match(interrupted.out, /InterlockConfig interlock updated/);
    assert.doesNotMatch(interrupted.out, /AppRoutes demotest-routes creat(ing|ed)/);
    const startedBefore = /AppStack demotest created/.test(interrupted.out);
    assert.strictEqual((await serviceNames()).includes("demotest_demo"), startedBefore);

    const resumed = cli("up", "--yes");
    assert.strictEqual(resumed.code, 0, resumed.out);
    assert.match(resumed.out, /AppRoutes demotest-routes created/);
    // The app stack is created once, by whichever up got to it.
    assert.strictEqual(/AppStack demotest created/.test(resumed.out), !startedBefore, resumed.out);
    assert.doesNotMatch(resumed.out, /InterlockConfig interlock updat/);
    const clean = cli("preview", "--expect-no-changes");
    assert.strictEqual(clean.code, 0, clean.out);
    const proxy = JSON.parse(docker("service", "inspect", "ucp-interlock-proxy-dev"))[0];
    const ports = proxy.Endpoint.Spec.Ports.map((p: { PublishedPort: number }) => p.PublishedPort);
    assert.ok(ports.includes(8092), JSON.stringify(ports));
    assert.ok((await serviceNames()).includes("demotest_demo"));
    // One new conf-N, no orphan left by the interruption.
    const after = await configNames();
    assert.deepStrictEqual(
      after.filter((n) => !before.includes(n)),
      ["com.docker.ucp.interlock.conf-3"],
      after.join(", "),
    );
  });

  it("stack export and import round-trip the state; the next preview changes nothing", () => {
    const exported = cli("stack", "export", "--file", path.join(backend, "export.json"));
    assert.strictEqual(exported.code, 0, exported.out);
    const imported = cli("stack", "import", "--file", path.join(backend, "export.json"));
    assert.strictEqual(imported.code, 0, imported.out);
    assert.strictEqual(cli("preview", "--expect-no-changes").code, 0);
  });

  it("pulumi destroy puts the lab back to UCP's initial Interlock services and labels", async () => {
    const r = cli("destroy", "--yes");
    assert.strictEqual(r.code, 0, r.out);
    assert.deepStrictEqual(await serviceNames(), [
      "ucp-interlock",
      "ucp-interlock-extension",
      "ucp-interlock-proxy",
    ]);
    for (const node of [LAB.dev, LAB.test, LAB.prod]) {
      assert.strictEqual((await nodeLabels(node))[CLUSTER_LABEL], undefined, node);
    }
  });
});
