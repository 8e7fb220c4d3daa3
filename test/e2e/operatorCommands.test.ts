/**
 * The operator's commands as scheduled jobs and reviewers run them, through the real engine:
 * a misspelled or missing stack is "no such stack" (exit 2) and creates nothing; a flag
 * without its value is a usage error; an unreachable cluster is never "clean"; a review
 * after a hand change shows the change up will make; a rollback Swarm performs reaches the
 * user with its task error and log tail, once; stack-config errors are one diagnostic, no trace.
 */
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { readLiveConfig } from "../../provider/interlock/live";
import { stringifyCoreConfig } from "../../provider/interlock/toml";
import { REPO } from "../../scripts/lib/workspace";
import {
  baseline,
  configNames,
  LAB,
  labDocker,
  mountedConfigName,
  swapConfigByHand,
  withoutStackConnection,
} from "../support/lab";

const STACK = "ops";
const FILE = path.join(REPO, `Pulumi.${STACK}.yaml`);
// DOCKER_HOST decides where it deploys, so a test can point it at an unreachable address.
const TEST_ONLY = withoutStackConnection("Pulumi.lab-test.yaml");

/** An npm command as a user runs it, with `env` added to this process's environment. */
function runWith(env: NodeJS.ProcessEnv, script: string, ...args: string[]) {
  const r = spawnSync("node", ["build/prebuilt.js", `scripts/${script}`, ...args], {
    cwd: REPO,
    encoding: "utf8",
    env: { ...process.env, ...env },
  });
  return { code: r.status ?? -1, out: r.stdout + r.stderr, stdout: r.stdout };
}

const run = (script: string, ...args: string[]) => runWith({}, script, ...args);
const UNREACHABLE = { DOCKER_HOST: "tcp://127.0.0.1:1" };

/** How often the engine's diagnostics (not its progress lines) print something. */
const inDiagnostics = (text: string, what: RegExp) =>
  (text.slice(text.lastIndexOf("Diagnostics:")).match(new RegExp(what.source, "g")) ?? []).length;

describe("operator commands tell the truth", function () {
  this.timeout(900_000);

  before(() => {
    baseline();
    process.env.PULUMI_BACKEND_URL = `file://${fs.mkdtempSync(path.join(os.tmpdir(), "ingress-ops-"))}`;
    process.env.PULUMI_CONFIG_PASSPHRASE = "ops";
    process.env.DOCKER_HOST = LAB.host;
    fs.writeFileSync(FILE, TEST_ONLY);
  });

  after(() => {
    run("stack", "destroy", "--stack", STACK);
    fs.rmSync(FILE, { force: true });
    delete process.env.PULUMI_BACKEND_URL;
  });

  it("drift of a misspelled stack exits 2 with no such stack, and creates nothing", () => {
    const before = fs.readdirSync(REPO).sort();
    for (const json of [false, true]) {
      const r = run("drift", "--stack", "lab-dve", ...(json ? ["--json"] : []));
      assert.strictEqual(r.code, 2, r.out);
      if (json) assert.strictEqual(JSON.parse(r.stdout).status, "error");
      assert.match(r.stdout, /no such stack: lab-dve has no stack file Pulumi\.lab-dve\.yaml/);
    }
    assert.deepStrictEqual(fs.readdirSync(REPO).sort(), before);
  });

  it("a flag without its value is a usage error, not a stack named undefined", () => {
    const r = run("stack", "preview", "--stack");
    assert.strictEqual(r.code, 2, r.out);
    assert.match(r.out, /Option '--stack <value>' argument missing\nusage: npm run stack/);
    assert.ok(!fs.existsSync(path.join(REPO, "Pulumi.undefined.yaml")));
  });

  it("drift of a stack never deployed: exit 2, unreachable cluster or not", () => {
    const unreachable = runWith(UNREACHABLE, "drift", "--stack", STACK);
    assert.strictEqual(unreachable.code, 2, unreachable.out);
    assert.match(
      unreachable.stdout,
      /drift check of ops: no such stack: ops is not in the backend/,
    );
    const up = run("stack", "up", "--stack", STACK);
    assert.strictEqual(up.code, 0, up.out);
    const down = runWith(UNREACHABLE, "drift", "--stack", STACK);
    assert.strictEqual(down.code, 2, down.out);
    assert.match(
      down.stdout,
      /drift check of ops: cluster unreachable: cannot reach the Docker Engine API at tcp:\/\/127\.0\.0\.1:1/,
    );
  });

  it("after a hand change to the live config, review and preview show the change up will make", async () => {
    const live = await readLiveConfig(labDocker());
    // Written by hand under a version number no rollout of this run reaches.
    const byHand = `com.docker.ucp.interlock.conf-${live.version + 100}`;
    const edited = JSON.parse(JSON.stringify(live.config));
    edited.Extensions.test.PublishedPort = 9081;
    await swapConfigByHand(byHand, stringifyCoreConfig(edited, live.text));
    const review = run("review", "--stack", STACK);
    assert.strictEqual(review.code, 0, review.out);
    assert.match(review.stdout, /0 to create, 1 to update, 0 to replace, 0 to delete/);
    assert.match(review.stdout, /\| `sections\.test\.PublishedPort` \| `9081` \| `8081` \|/);
    assert.match(review.stdout, /-PublishedPort = 9081\n\+PublishedPort = 8081/);
    const preview = run("stack", "preview", "--stack", STACK);
    assert.match(
      preview.out,
      /~ +pulumi-nodejs:dynamic\/interlock:InterlockConfig +interlock +update/,
    );
    assert.strictEqual(await mountedConfigName(), byHand, "reading changed nothing");
    const up = run("stack", "up", "--stack", STACK);
    assert.strictEqual(up.code, 0, up.out);
    assert.strictEqual(
      (await readLiveConfig(labDocker())).config.Extensions!.test.PublishedPort,
      8081,
    );
  });

  it("a problem in a section nobody owns is an engine warning in the preview, not an error", async () => {
    const live = await readLiveConfig(labDocker());
    // Written by hand under a version number no rollout of this run reaches.
    const byHand = `com.docker.ucp.interlock.conf-${live.version + 100}`;
    const legacy =
      '\n[Extensions.legacy-batch]\nImage = "lab/ucp-interlock-extension:lab"\nProxyImage = "lab/ucp-interlock-proxy:lab"\n' +
      'ServiceName = "ucp-interlock-extension-batch"\nProxyServiceName = "ucp-interlock-proxy-batch"\nProxyReplicas = 1\n' +
      'PublishMode = "host"\nPublishedPort = 9080\nPublishedSSLPort = 9443\nProxyConstraints = ["node.labels.nodetype==batch-lb"]\n';
    await swapConfigByHand(byHand, live.text + legacy);
    const preview = run("stack", "preview", "--stack", STACK);
    assert.strictEqual(preview.code, 0, preview.out);
    assert.match(
      preview.out,
      /warning: \[Extensions\.legacy-batch\]\.ProxyConstraints \(live config, not owned by this stack\): 1 host-mode proxies need 1 nodes matching ProxyConstraints \[node\.labels\.nodetype==batch-lb\], but 0 match/,
    );
  });

  it("a rollout Swarm rolls back reaches the user through the engine with the task error and log tail, once", async () => {
    // Swarm's grammar allows a space in a value; the lab's core refuses it at start.
    fs.writeFileSync(
      FILE,
      TEST_ONLY.replace(
        "      proxyReplicas: 1\n",
        '      proxyReplicas: 1\n      overrides:\n        ProxyConstraints: ["node.labels.region!=us east"]\n',
      ),
    );
    const mounted = await mountedConfigName();
    const r = run("stack", "up", "--stack", STACK);
    fs.writeFileSync(FILE, TEST_ONLY);
    assert.strictEqual(r.code, 1, r.out);
    assert.match(r.out, /Interlock config rollout of com\.docker\.ucp\.interlock\.conf-\d+ failed/);
    assert.match(
      r.out,
      /ucp-interlock runs com\.docker\.ucp\.interlock\.conf-\d+ again; nothing was lost/,
    );
    assert.match(r.out, /Task error: .*exit code 1/);
    assert.match(
      r.out,
      /Container log \(tail\):\n.*interlock: fatal: invalid config \/config\.toml: .*invalid constraint "node\.labels\.region!=us east"/,
    );
    assert.strictEqual(inDiagnostics(r.out, /Interlock config rollout of/), 1, r.out);
    assert.strictEqual(await mountedConfigName(), mounted);
    const version = (n: string) => Number(/conf-(\d+)$/.exec(n)?.[1] ?? -1);
    assert.deepStrictEqual(
      (await configNames()).filter((n) => version(n) > version(mounted)),
      [],
      "the rolled-back version is removed",
    );
  });

  it("a stack-config error is one diagnostic naming the key and the fix, without a stack trace", () => {
    fs.writeFileSync(
      FILE,
      TEST_ONLY.replace("    test:\n", "    Test:\n").replace(
        "publishMode: host",
        "publishmode: host",
      ),
    );
    const r = run("stack", "preview", "--stack", STACK);
    fs.writeFileSync(FILE, TEST_ONLY);
    assert.strictEqual(r.code, 1, r.out);
    assert.strictEqual(
      inDiagnostics(r.out, /"Test" cannot name Swarm services ucp-interlock-extension-Test/),
      1,
      r.out,
    );
    assert.doesNotMatch(r.out, /Unhandled exception|\n\s+at [\w.<>]+ \(/);
    assert.match(
      r.out,
      /error: the stack config has 1 problem\(s\), listed above; nothing was changed/,
    );
    assert.doesNotMatch(r.out, /to delete/);
  });

  it("an unknown key in an environment is an error with a suggestion", () => {
    fs.writeFileSync(FILE, TEST_ONLY.replace("publishMode: host", "publishmode: host"));
    const r = run("stack", "preview", "--stack", STACK);
    fs.writeFileSync(FILE, TEST_ONLY);
    assert.strictEqual(r.code, 1, r.out);
    assert.strictEqual(
      inDiagnostics(
        r.out,
        /interlock-ingress:environments\.test\.publishmode: unknown key; did you mean publishMode\?/,
      ),
      1,
      r.out,
    );
  });
});
