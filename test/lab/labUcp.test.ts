/**
 * The lab as a stand-in for UCP, checked the way the blog's reader would: docker CLI only.
 */
import * as assert from "assert";
import { spawnSync } from "child_process";
import { REPO } from "../../scripts/lib/workspace";
import { baseline, docker, LAB } from "../support/lab";
import { interlockConfigProvider } from "../../provider/interlock/interlockConfig";
import { DEFAULT_INTERLOCK, parseTopology } from "../../provider/config";
import { parseCoreConfig } from "../../provider/interlock/toml";
import { validateCoreConfig } from "../../provider/interlock/validate";

describe("the lab stands in for a UCP cluster", function () {
  this.timeout(600_000);
  before(baseline);

  it("has 4 Ready nodes with EC2 hostnames and the collection labels", () => {
    const nodes = docker("node", "ls", "--format", "{{.Hostname}} {{.Status}}").split("\n").sort();
    assert.deepStrictEqual(
      nodes,
      [LAB.manager, LAB.dev, LAB.test, LAB.prod].sort().map((h) => `${h} Ready`),
    );
    for (const [host, collection] of [
      [LAB.dev, "/dev"],
      [LAB.test, "/test"],
      [LAB.prod, "/prod"],
    ]) {
      assert.strictEqual(
        docker(
          "node",
          "inspect",
          host,
          "--format",
          '{{index .Spec.Labels "com.docker.ucp.access.label"}}',
        ),
        collection,
      );
    }
  });

  it("runs ucp-interlock with conf-1 and the default extension and proxy", () => {
    const services = docker("service", "ls", "--format", "{{.Name}} {{.Replicas}}")
      .split("\n")
      .sort();
    assert.deepStrictEqual(services, [
      "ucp-interlock 1/1",
      "ucp-interlock-extension 1/1",
      "ucp-interlock-proxy 2/2",
    ]);
    assert.strictEqual(
      docker(
        "service",
        "inspect",
        "ucp-interlock",
        "--format",
        "{{(index .Spec.TaskTemplate.ContainerSpec.Configs 0).ConfigName}} {{.Spec.UpdateConfig.FailureAction}}",
      ),
      "com.docker.ucp.interlock.conf-1 rollback",
    );
  });

  it("rolls back an invalid config swapped in by hand, and the failed container's log names the problem", () => {
    const log = swapByHandAndRollBack(liveConf1().replace(/\n\s*ProxyReplicas = 2/, ""));
    assert.match(
      log,
      /interlock: fatal: invalid config \/config\.toml: Extensions\.default\.ProxyReplicas is missing/,
    );
  });

  it("decodes as Interlock's Go decoder does: a value of the wrong type that the product's reader lets through is rolled back, with the decoder's error", () => {
    // TOML says 2.0 is a float; Interlock decodes ProxyReplicas into an integer and refuses it.
    // JavaScript reads 2.0 as the number 2, so the product's own checks find nothing wrong.
    const text = liveConf1().replace(/ProxyReplicas = 2\b/, "ProxyReplicas = 2.0");
    assert.match(text, /ProxyReplicas = 2\.0/);
    const config = parseCoreConfig(text, "hand-written conf-2");
    assert.deepStrictEqual(validateCoreConfig(config, { owned: {} }), []);
    const log = swapByHandAndRollBack(text);
    assert.match(
      log,
      /interlock: fatal: cannot decode \/config\.toml: toml: line \d+ \(last key "Extensions\.default\.ProxyReplicas"\): incompatible types: TOML value has type float64; destination has type integer/,
    );
  });

  it("matches keys case-insensitively as Interlock's decoder does", () => {
    const text = liveConf1()
      .replace(/ProxyReplicas = 2\b/, "proxyreplicas = 2")
      .replace(/PublishMode = "host"/, 'publishmode = "sideways"');
    const log = swapByHandAndRollBack(text);
    assert.match(
      log,
      /interlock: fatal: invalid config \/config\.toml: Extensions\.default\.PublishMode must be "ingress" or "host", got "sideways"/,
    );
    assert.doesNotMatch(log, /ProxyReplicas is missing/);
  });

  it("render prints the TOML a stack would write and its diff against the live config, changing nothing", () => {
    const r = spawnSync("node", ["build/prebuilt.js", "scripts/render", "--stack", "lab"], {
      cwd: REPO,
      encoding: "utf8",
      env: { ...process.env, DOCKER_HOST: LAB.host },
    });
    assert.strictEqual(r.status, 0, r.stderr);
    assert.match(r.stdout, /^\[Extensions\.dev\]$/m);
    assert.match(r.stdout, /^ProxyServiceName = "ucp-interlock-proxy-prod"$/m);
    assert.match(r.stdout, /# diff against the live com\.docker\.ucp\.interlock\.conf-1:/);
    assert.match(r.stdout, /^-\s*\[Extensions\.default\]$/m);
    assert.match(r.stdout, /^\+PublishedSSLPort = 8445$/m);
    assert.strictEqual(
      docker(
        "service",
        "inspect",
        "ucp-interlock",
        "--format",
        "{{(index .Spec.TaskTemplate.ContainerSpec.Configs 0).ConfigName}}",
      ),
      "com.docker.ucp.interlock.conf-1",
    );
  });

  it("render against a cluster it cannot reach exits 2 naming the connection and --offline", () => {
    const r = spawnSync("node", ["build/prebuilt.js", "scripts/render", "--stack", "blog"], {
      cwd: REPO,
      encoding: "utf8",
      env: { ...process.env, DOCKER_HOST: "unix:///run/interlock-lab/nowhere.sock" },
    });
    assert.strictEqual(r.status, 2, r.stdout + r.stderr);
    assert.match(
      r.stderr,
      /^could not read the live config at unix:\/\/\/run\/interlock-lab\/nowhere\.sock \(.+\); fix the connection \(the stack's interlock-ingress:docker or DOCKER_HOST\), or pass --offline to render over UCP's default config$/m,
    );
    assert.strictEqual(r.stdout, "");
  });

  it("render without a cluster renders over UCP's default config", () => {
    const r = spawnSync(
      "node",
      ["build/prebuilt.js", "scripts/render", "--stack", "blog", "--offline"],
      { cwd: REPO, encoding: "utf8" },
    );
    assert.strictEqual(r.status, 0, r.stderr);
    assert.match(r.stdout, /^PublishedSSLPort = 8444$/m);
    assert.match(r.stdout, /^Image = "docker\/ucp-interlock-extension:3\.2\.5"$/m);
  });

  it("a malformed live config stops a stack at preview with the object and line, changing nothing", async () => {
    const conf1 = docker(
      "config",
      "inspect",
      "--format",
      '{{printf "%s" .Spec.Data}}',
      "com.docker.ucp.interlock.conf-1",
    );
    const broken = conf1.replace("[Extensions.default.Config]", "[Extensions.default.Config");
    // With pause instead of rollback, Swarm leaves the broken config in the spec (a hand edit gone wrong).
    swapByHand("com.docker.ucp.interlock.conf-3", broken, "pause");
    try {
      const topology = parseTopology({
        environments: {
          dev: {
            ingressNodes: [LAB.dev],
            publishMode: "host",
            publishedPort: 8082,
            publishedSSLPort: 8445,
          },
        },
      });
      const result = await interlockConfigProvider.check!(undefined as never, {
        stack: "broken",
        environments: topology.environments,
        settings: DEFAULT_INTERLOCK,
        connection: { host: LAB.host },
      });
      assert.match(
        (result.failures ?? [])[0]?.reason ?? "",
        /the live Interlock config com\.docker\.ucp\.interlock\.conf-3 is not valid TOML at line \d+, column \d+: .*fix it by hand/,
      );
      assert.strictEqual(
        docker("config", "ls", "--filter", "name=com.docker.ucp.interlock.conf-4", "-q"),
        "",
      );
    } finally {
      baseline();
    }
  });
});

/** UCP's default config as the lab holds it. */
function liveConf1(): string {
  return docker(
    "config",
    "inspect",
    "--format",
    '{{printf "%s" .Spec.Data}}',
    "com.docker.ucp.interlock.conf-1",
  );
}

/**
 * The blog's step 7 by hand with `text` as conf-2; Swarm must roll it back. Returns the failed
 * container's log and leaves conf-1 mounted and no conf-2.
 */
function swapByHandAndRollBack(text: string): string {
  const since = docker(
    "ps",
    "-a",
    "-q",
    "--filter",
    "label=com.docker.swarm.service.name=ucp-interlock",
  );
  swapByHand("com.docker.ucp.interlock.conf-2", text, "rollback");
  try {
    assert.strictEqual(
      docker(
        "service",
        "inspect",
        "ucp-interlock",
        "--format",
        "{{.UpdateStatus.State}} {{(index .Spec.TaskTemplate.ContainerSpec.Configs 0).ConfigName}}",
      ),
      "rollback_completed com.docker.ucp.interlock.conf-1",
    );
    const earlier = new Set(since.split("\n"));
    const failed = docker(
      "ps",
      "-a",
      "--filter",
      "label=com.docker.swarm.service.name=ucp-interlock",
      "--filter",
      "status=exited",
      "--format",
      "{{.ID}}",
    )
      .split("\n")
      .find((id) => id && !earlier.has(id));
    assert.ok(failed, "a container of the swapped config exited");
    return spawnSync("docker", ["-H", LAB.host, "logs", failed], { encoding: "utf8" }).stderr;
  } finally {
    docker("config", "rm", "com.docker.ucp.interlock.conf-2");
  }
}

/** Creates `name` with `text` and swaps it for conf-1 on ucp-interlock, as the blog does by hand. */
function swapByHand(name: string, text: string, failureAction: "rollback" | "pause"): void {
  const created = spawnSync("docker", ["-H", LAB.host, "config", "create", name, "-"], {
    input: text,
    encoding: "utf8",
  });
  assert.strictEqual(created.status, 0, created.stderr);
  // The CLI waits for the update and reports a failure; its exit status is not the point.
  spawnSync(
    "docker",
    [
      "-H",
      LAB.host,
      "service",
      "update",
      "--quiet",
      "--update-failure-action",
      failureAction,
      "--config-rm",
      "com.docker.ucp.interlock.conf-1",
      "--config-add",
      `source=${name},target=/config.toml`,
      "ucp-interlock",
    ],
    { encoding: "utf8" },
  );
}
