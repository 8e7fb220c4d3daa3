/**
 * One stack per environment on one cluster, as users run them, through the real engine:
 * in turn (test/e2e/dayTwo.test.ts runs prod before dev), at once, killed mid-rollout and run again, and one destroyed while the
 * others stay. Each ends with the same config (compared semantically) as the lab's
 * all-environments stack would write.
 */
import * as assert from "assert";
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { Stack } from "@pulumi/pulumi/automation";
import { listCoreConfigs, readLiveConfig } from "../../provider/interlock/live";
import { planConfig } from "../../provider/interlock/plan";
import { CoreConfig } from "../../provider/interlock/schema";
import { parseCoreConfig } from "../../provider/interlock/toml";
import { DEFAULT_INTERLOCK } from "../../provider/config";
import { readStackTopology } from "../../scripts/lib/stackConfig";
import { openStack, REPO } from "../../scripts/lib/workspace";
import {
  ALL_ENVIRONMENTS_SERVICES,
  baseline,
  docker,
  LAB,
  labDocker,
  nodeLabels,
  serviceNames,
} from "../support/lab";

const CLUSTER = "com.docker.interlock.service.cluster";
const ENVS = ["dev", "test", "prod"] as const;
const NODE = { dev: LAB.dev, test: LAB.test, prod: LAB.prod };
const stackName = (env: string) => `pe-${env}`;
const file = (env: string) => path.join(REPO, `Pulumi.${stackName(env)}.yaml`);
/** The committed lab stack file, without the salt of the lab's passphrase (these stacks use their own). */
const committed = (env: string) =>
  fs
    .readFileSync(path.join(REPO, `Pulumi.lab-${env}.yaml`), "utf8")
    .replace(/^encryptionsalt:.*\n?/m, "");

/** The Extensions the lab's all-environments stack writes over UCP's conf-1. */
function allEnvironmentsExtensions(): CoreConfig["Extensions"] {
  const topology = readStackTopology("lab");
  const conf1 = parseCoreConfig(
    fs.readFileSync(path.join(REPO, "lab/ucp/conf-1.toml"), "utf8"),
    "conf-1",
  );
  const instance = docker(
    "config",
    "inspect",
    "com.docker.ucp.interlock.conf-1",
    "--format",
    "{{json .Spec.Data}}",
  );
  const live = parseCoreConfig(
    Buffer.from(JSON.parse(instance), "base64").toString("utf8"),
    "conf-1",
  );
  assert.deepStrictEqual(Object.keys(live.Extensions!), Object.keys(conf1.Extensions!));
  return planConfig({
    live,
    stack: "lab",
    owners: {},
    environments: topology.environments,
    settings: { ...DEFAULT_INTERLOCK, ...topology.interlock },
  }).merged.Extensions;
}

async function liveExtensions(): Promise<CoreConfig["Extensions"]> {
  return (await readLiveConfig(labDocker())).config.Extensions;
}

/** conf-N objects newer than the mounted one: what a crash between create and swap leaves. */
async function orphans(): Promise<string[]> {
  const live = await readLiveConfig(labDocker());
  return (await listCoreConfigs(labDocker()))
    .filter((c) => c.version > live.version)
    .map((c) => c.name);
}

describe("one stack per environment on the lab, through the real engine", function () {
  this.timeout(1_800_000);
  const stacks: Record<string, Stack> = {};
  const output: string[] = [];
  const onOutput = (s: string) => output.push(s);
  let expected: CoreConfig["Extensions"];

  async function up(env: string): Promise<void> {
    const result = await stacks[env].up({ onOutput, refresh: true });
    assert.strictEqual(result.summary.result, "succeeded", output.join(""));
  }

  before(async () => {
    baseline();
    process.env.PULUMI_BACKEND_URL = `file://${fs.mkdtempSync(path.join(os.tmpdir(), "ingress-pe-"))}`;
    process.env.PULUMI_CONFIG_PASSPHRASE = "e2e";
    process.env.DOCKER_HOST = LAB.host;
    for (const env of ENVS) {
      fs.writeFileSync(file(env), committed(env));
      stacks[env] = await openStack(stackName(env));
    }
    expected = allEnvironmentsExtensions();
  });

  after(() => {
    for (const env of ENVS) fs.rmSync(file(env), { force: true });
    delete process.env.PULUMI_BACKEND_URL;
  });

  it("dev, test, prod in turn end with the all-environments config, each section owned by its stack", async () => {
    for (const env of ENVS) await up(env);
    const live = await readLiveConfig(labDocker());
    assert.deepStrictEqual(live.config.Extensions, expected);
    assert.deepStrictEqual(JSON.parse(live.labels["com.docker.interlock-ingress.owners"]), {
      "pe-dev": ["dev"],
      "pe-prod": ["prod"],
      "pe-test": ["test"],
    });
    assert.deepStrictEqual(await serviceNames(), ALL_ENVIRONMENTS_SERVICES);
    for (const env of ENVS) assert.strictEqual((await nodeLabels(NODE[env]))[CLUSTER], env);
  });

  it("three stacks changing their own sections at once lose nothing", async () => {
    const bump = (env: string, round: number) =>
      fs.writeFileSync(
        file(env),
        committed(env).replace(
          "      proxyReplicas: 1\n",
          `      proxyReplicas: 1\n      overrides:\n        ProxyLabels: {round: "${round}"}\n`,
        ),
      );
    for (const env of ENVS) bump(env, 1);
    await Promise.all(ENVS.map((env) => up(env)));
    const live = await liveExtensions();
    for (const env of ENVS) {
      assert.strictEqual((live![env].ProxyLabels as Record<string, string>).round, "1", env);
      assert.deepStrictEqual(
        { ...live![env], ProxyLabels: expected![env].ProxyLabels },
        expected![env],
      );
    }
    for (const env of ENVS) fs.writeFileSync(file(env), committed(env));
    await Promise.all(ENVS.map((env) => up(env)));
    assert.deepStrictEqual(await liveExtensions(), expected);
    assert.deepStrictEqual(await orphans(), []);
  });

  it("an up killed with SIGKILL mid-rollout, then run again, converges with nothing orphaned", async () => {
    fs.writeFileSync(
      file("dev"),
      committed("dev").replace("publishedSSLPort: 8445", "publishedSSLPort: 8446"),
    );
    const child: ChildProcess = spawn(
      "node",
      ["build/prebuilt.js", "scripts/stack", "up", "--stack", stackName("dev")],
      {
        cwd: REPO,
        env: process.env,
        detached: true,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    const seen: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no rollout started:\n${seen.join("")}`)),
        300_000,
      );
      const watch = (chunk: Buffer) => {
        seen.push(chunk.toString());
        if (/swapped com\.docker\.ucp\.interlock\.conf-\d+ → /.test(seen.join(""))) {
          clearTimeout(timer);
          process.kill(-child.pid!, "SIGKILL");
          resolve();
        }
      };
      child.stdout!.on("data", watch);
      child.stderr!.on("data", watch);
    });
    await new Promise((resolve) => child.on("exit", resolve));
    await stacks.dev.cancel().catch(() => undefined);
    await up("dev");
    const live = await liveExtensions();
    assert.strictEqual(live!.dev.PublishedSSLPort, 8446);
    assert.deepStrictEqual(Object.keys(live!).sort(), ["dev", "prod", "test"]);
    assert.deepStrictEqual(await orphans(), []);
    assert.deepStrictEqual(await serviceNames(), ALL_ENVIRONMENTS_SERVICES, "no stale service");
    assert.match(
      docker(
        "service",
        "inspect",
        "ucp-interlock-proxy-dev",
        "--format",
        "{{json .Endpoint.Ports}}",
      ),
      /"PublishedPort":8446/,
    );
    const preview = await stacks.dev.preview({ onOutput, refresh: true });
    assert.deepStrictEqual(Object.keys(preview.changeSummary), ["same"], output.join(""));
    fs.writeFileSync(file("dev"), committed("dev"));
    await up("dev");
  });

  it("destroying the test stack leaves dev and prod untouched", async () => {
    const before = await liveExtensions();
    // Their specs, not version indexes: Swarm bumps those itself while updates settle.
    const ids = (name: string) =>
      docker("service", "inspect", name, "--format", "{{.ID}} {{json .Spec}}");
    const kept = [
      "ucp-interlock-extension-dev",
      "ucp-interlock-proxy-dev",
      "ucp-interlock-extension-prod",
      "ucp-interlock-proxy-prod",
      "demodev_demo",
    ];
    const versions = kept.map(ids);
    await stacks.test.destroy({ onOutput });
    const after = await liveExtensions();
    assert.deepStrictEqual(Object.keys(after!).sort(), ["dev", "prod"]);
    assert.deepStrictEqual(after!.dev, before!.dev);
    assert.deepStrictEqual(after!.prod, before!.prod);
    assert.deepStrictEqual(kept.map(ids), versions);
    assert.ok(!(await serviceNames()).includes("ucp-interlock-proxy-test"));
    assert.strictEqual((await nodeLabels(LAB.test))[CLUSTER], undefined);
    assert.strictEqual((await nodeLabels(LAB.dev))[CLUSTER], "dev");
    assert.strictEqual(
      docker("network", "ls", "--filter", "name=ingress_dev", "--format", "{{.Name}}"),
      "ingress_dev",
    );
  });
});
