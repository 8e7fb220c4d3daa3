/**
 * The lab as a stand-in for UCP, checked the way the blog's reader would: docker CLI only.
 */
import * as assert from "assert";
import { spawnSync } from "child_process";
import { REPO } from "../../scripts/lib/workspace";
import { baseline, docker, LAB } from "../support/lab";
import { interlockConfigProvider } from "../../provider/interlock/interlockConfig";
import { DEFAULT_INTERLOCK, parseTopology } from "../../provider/topology";

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
    const conf1 = docker(
      "config",
      "inspect",
      "--format",
      '{{printf "%s" .Spec.Data}}',
      "com.docker.ucp.interlock.conf-1",
    );
    const bad = conf1.replace(/\n\s*ProxyReplicas = 2/, "");
    const created = spawnSync(
      "docker",
      ["-H", LAB.host, "config", "create", "com.docker.ucp.interlock.conf-2", "-"],
      { input: bad, encoding: "utf8" },
    );
    assert.strictEqual(created.status, 0, created.stderr);
    // The CLI waits for the update and reports the rollback; its exit status is not the point.
    spawnSync(
      "docker",
      [
        "-H",
        LAB.host,
        "service",
        "update",
        "--quiet",
        "--update-failure-action",
        "rollback",
        "--config-rm",
        "com.docker.ucp.interlock.conf-1",
        "--config-add",
        "source=com.docker.ucp.interlock.conf-2,target=/config.toml",
        "ucp-interlock",
      ],
      { encoding: "utf8" },
    );
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
    const failed = docker(
      "ps",
      "-a",
      "--filter",
      "label=com.docker.swarm.service.name=ucp-interlock",
      "--filter",
      "status=exited",
      "--format",
      "{{.ID}}",
    ).split("\n")[0];
    const log = spawnSync("docker", ["-H", LAB.host, "logs", failed], { encoding: "utf8" });
    assert.match(
      log.stderr,
      /interlock: fatal: invalid config \/config\.toml: Extensions\.default\.ProxyReplicas is missing/,
    );
    docker("config", "rm", "com.docker.ucp.interlock.conf-2");
  });

  it("render prints the TOML a stack would write and its diff against the live config, changing nothing", () => {
    const r = spawnSync(
      "npx",
      ["ts-node", "--transpile-only", "scripts/render.ts", "--stack", "lab"],
      { cwd: REPO, encoding: "utf8", env: { ...process.env, DOCKER_HOST: LAB.host } },
    );
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

  it("render without a cluster renders over UCP's default config", () => {
    const r = spawnSync(
      "npx",
      ["ts-node", "--transpile-only", "scripts/render.ts", "--stack", "blog", "--offline"],
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
    assert.strictEqual(
      spawnSync(
        "docker",
        ["-H", LAB.host, "config", "create", "com.docker.ucp.interlock.conf-3", "-"],
        { input: broken },
      ).status,
      0,
    );
    // With pause instead of rollback, Swarm leaves the broken config in the spec (a hand edit gone wrong).
    spawnSync(
      "docker",
      [
        "-H",
        LAB.host,
        "service",
        "update",
        "--quiet",
        "--update-failure-action",
        "pause",
        "--config-rm",
        "com.docker.ucp.interlock.conf-1",
        "--config-add",
        "source=com.docker.ucp.interlock.conf-3,target=/config.toml",
        "ucp-interlock",
      ],
      { encoding: "utf8" },
    );
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
