/**
 * The drift check on the lab: each kind of drift introduced with the docker CLI is reported
 * as exactly that resource and property (exit 1); a clean stack exits 0; a stopped manager
 * exits 2 saying so; after `up` the drift is gone.
 */
import * as assert from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { Stack } from "@pulumi/pulumi/automation";
import { checkDrift, DriftReport } from "../../scripts/lib/drift";
import { openStack, REPO } from "../../scripts/lib/workspace";
import { readLiveConfig } from "../../provider/interlock/live";
import { parseCoreConfig, stringifyCoreConfig } from "../../provider/interlock/toml";
import { baseline, docker, LAB, labDocker, swapConfigByHand } from "../support/lab";

const CLUSTER = "com.docker.interlock.service.cluster";

function drifted(report: DriftReport): string[] {
  return report.resources.flatMap((r) =>
    r.properties.length
      ? r.properties.map((p) => `${r.type} ${r.name} ${p.path}`)
      : [`${r.type} ${r.name} gone`],
  );
}

/** The drift CLI as a scheduled job runs it. */
function cli(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync("node", ["build/prebuilt.js", "scripts/drift", "--stack", "drift", ...args], {
    cwd: REPO,
    encoding: "utf8",
    env: process.env,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** The engine's refresh (--engine) reports exactly what the direct read reported. */
async function sameThroughTheEngine(direct: DriftReport): Promise<void> {
  const viaEngine = await checkDrift("drift", undefined, { engine: true });
  // As --json prints them: a property gone live has no `after`.
  const order = (r: DriftReport) =>
    JSON.parse(
      JSON.stringify({
        ...r,
        resources: [...r.resources].sort((a, b) => a.urn.localeCompare(b.urn)),
      }),
    ) as DriftReport;
  assert.deepStrictEqual(order(viaEngine), order(direct));
}

describe("drift check on the lab", function () {
  this.timeout(900_000);
  const file = path.join(REPO, "Pulumi.drift.yaml");
  let stack: Stack;

  before(async () => {
    baseline();
    process.env.PULUMI_BACKEND_URL = `file://${fs.mkdtempSync(path.join(os.tmpdir(), "ingress-drift-"))}`;
    process.env.PULUMI_CONFIG_PASSPHRASE = "drift";
    process.env.DOCKER_HOST = LAB.host;
    fs.writeFileSync(
      file,
      fs
        .readFileSync(path.join(REPO, "Pulumi.lab.yaml"), "utf8")
        .replace(/^encryptionsalt:.*\n?/m, ""),
    );
    stack = await openStack("drift");
    await stack.up();
  });

  // No destroy: the state is in a backend of its own, and the next file starts from a baseline.
  after(() => {
    fs.rmSync(file, { force: true });
    delete process.env.PULUMI_BACKEND_URL;
  });

  it("a clean stack exits 0", () => {
    const r = cli();
    assert.strictEqual(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /drift check of drift: clean/);
    assert.match(r.stderr, /checking interlock:InterlockConfig interlock/);
  });

  it("a node label removed or changed by hand: that NodeLabels and label, exit 1", async () => {
    docker("node", "update", "--label-rm", CLUSTER, LAB.test);
    docker("node", "update", "--label-add", `${CLUSTER}=qa`, LAB.prod);
    const r = cli("--json");
    assert.strictEqual(r.code, 1);
    const report = JSON.parse(r.stdout) as DriftReport;
    assert.deepStrictEqual(drifted(report).sort(), [
      `swarm:NodeLabels prod-ingress-${LAB.prod} labels."${CLUSTER}"`,
      `swarm:NodeLabels test-ingress-${LAB.test} labels."${CLUSTER}"`,
    ]);
    const prod = report.resources.find((x) => x.name === `prod-ingress-${LAB.prod}`)!.properties[0];
    assert.deepStrictEqual([prod.before, prod.after], ["prod", "qa"]);
    await sameThroughTheEngine(report);
    await stack.up({ refresh: true });
    assert.strictEqual((await checkDrift("drift")).status, "clean");
  });

  it("the Interlock config swapped to a version edited by hand: the section key, not the config name (any stack's rollout changes that)", async () => {
    const live = await readLiveConfig(labDocker());
    const edited = parseCoreConfig(live.text, "live");
    edited.Extensions!.dev.PublishedSSLPort = 9445;
    await swapConfigByHand("com.docker.ucp.interlock.conf-90", stringifyCoreConfig(edited));
    const report = await checkDrift("drift");
    assert.strictEqual(report.status, "drift");
    assert.deepStrictEqual(drifted(report).sort(), [
      "interlock:InterlockConfig interlock sections.dev.PublishedSSLPort",
    ]);
    const port = report.resources[0].properties.find(
      (p) => p.path === "sections.dev.PublishedSSLPort",
    )!;
    assert.deepStrictEqual([port.before, port.after], [8445, 9445]);
    await sameThroughTheEngine(report);
    await stack.up({ refresh: true });
    assert.strictEqual((await checkDrift("drift")).status, "clean");
  });

  it("an app service scaled and relabelled by hand: the stack's service replicas and label", async () => {
    docker("service", "scale", "--detach", "demodev_demo=3");
    docker(
      "service",
      "update",
      "--detach",
      "--label-add",
      "com.docker.lb.port=9090",
      "demodev_demo",
    );
    const report = await checkDrift("drift");
    assert.deepStrictEqual(drifted(report).sort(), [
      'swarm:AppStack demodev services.demo.labels."com.docker.lb.port"',
      "swarm:AppStack demodev services.demo.replicas",
    ]);
    await stack.up({ refresh: true });
    assert.strictEqual((await checkDrift("drift")).status, "clean");
  });

  it("every other part of an app's spec edited by hand: each named by its Compose key", async () => {
    docker("config", "create", "drift-extra", path.join(REPO, "test/fixtures/docker-compose.yml"));
    try {
      // One update: each flag is a part of the spec a Compose file sets.
      docker(
        "service",
        "update",
        "--detach",
        ...["--env-add", "HAND=1", "--hostname", "by-hand", "--workdir", "/tmp"],
        ...["--dns-add", "10.213.0.53", "--host-add", "extra.lab:10.213.0.54"],
        ...["--health-cmd", "true", "--stop-signal", "SIGINT", "--restart-max-attempts", "3"],
        ...["--mount-add", "type=tmpfs,target=/scratch", "--limit-memory", "256M"],
        ...["--config-add", "source=drift-extra,target=/extra.yml"],
        ...["--constraint-add", "node.role==worker", "--placement-pref-add", "spread=node.id"],
        ...["--update-parallelism", "2", "--rollback-parallelism", "2"],
        ...["--publish-add", "published=18080,target=8080"],
        "demodev_demo",
      );
      const report = await checkDrift("drift");
      const keys = new Set(
        drifted(report).map(
          (p) => /^swarm:AppStack demodev services\.demo\.spec\.("[^"]+"|\w+)/.exec(p)?.[1] ?? p,
        ),
      );
      assert.deepStrictEqual([...keys].sort(), [
        '"deploy.placement.constraints"',
        '"deploy.placement.preferences"',
        '"deploy.resources"',
        '"deploy.restart_policy"',
        '"deploy.rollback_config"',
        '"deploy.update_config"',
        "configs",
        "dns",
        "environment",
        "extra_hosts",
        "healthcheck",
        "hostname",
        "ports",
        "stop_signal",
        "volumes",
        "working_dir",
      ]);
      await sameThroughTheEngine(report);
      await stack.up({ refresh: true });
      assert.strictEqual((await checkDrift("drift")).status, "clean");
    } finally {
      docker("config", "rm", "drift-extra");
    }
  });

  it("a network deleted, then recreated, by hand", async () => {
    docker("service", "rm", "demodev_demo");
    for (let i = 0; i < 30; i++) {
      try {
        docker("network", "rm", "ingress_dev");
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 1000)); // tasks still detaching
      }
    }
    let report = await checkDrift("drift");
    assert.deepStrictEqual(drifted(report).sort(), [
      "swarm:AppStack demodev gone",
      "swarm:OverlayNetwork ingress_dev gone",
    ]);
    await sameThroughTheEngine(report);
    docker(
      "network",
      "create",
      "--driver",
      "overlay",
      "--attachable",
      "--label",
      "com.docker.ucp.access.label=/dev",
      "ingress_dev",
    );
    report = await checkDrift("drift");
    assert.deepStrictEqual(drifted(report).sort(), [
      "swarm:AppStack demodev gone",
      "swarm:OverlayNetwork ingress_dev networkId",
    ]);
    await stack.refresh();
    await stack.up();
    assert.strictEqual((await checkDrift("drift")).status, "clean");
  });

  it("with the lab's manager stopped it exits 2 and says the cluster is unreachable", async () => {
    const pid = fs.readFileSync("/run/interlock-lab/m0/docker.pid", "utf8").trim();
    process.kill(Number(pid), "SIGTERM");
    for (let i = 0; i < 40 && fs.existsSync(`/proc/${pid}`); i++)
      await new Promise((r) => setTimeout(r, 500));
    try {
      for (const r of [cli(), cli("--engine")]) {
        assert.strictEqual(r.code, 2, r.stdout + r.stderr);
        assert.match(
          r.stdout,
          /drift check of drift: cluster unreachable: cannot reach the Docker Engine API at unix:\/\/\/run\/interlock-lab\/m0\.sock/,
        );
      }
    } finally {
      execFileSync("bash", [path.join(REPO, "lab/lab"), "up"], { stdio: "ignore" });
    }
    assert.strictEqual((await checkDrift("drift")).status, "clean");
  });
});
