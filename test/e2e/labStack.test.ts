/**
 * The real Pulumi engine (built from the Go module proxy) running the stack program against
 * the lab: the blog's step-8 picture from one `up`, a preview with no changes, a bad config
 * refused at preview with nothing changed, drift seen by refresh, and destroy.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as http from "http";
import type { Stack } from "@pulumi/pulumi/automation";
import { openStack, REPO } from "../../scripts/lib/workspace";
import {
  ALL_ENVIRONMENTS_SERVICES,
  baseline,
  configNames,
  docker,
  LAB,
  mountedConfigName,
  nodeLabels,
  serviceNames,
} from "../support/lab";

const CLUSTER = "com.docker.interlock.service.cluster";

function get(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout: 5000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
    req.on("timeout", () => req.destroy(new Error(`timeout: ${url}`)));
  });
}

/** A stack file of its own for this run, so the committed Pulumi.lab.yaml stays untouched. */
function writeStackFile(name: string, mutate: (yaml: string) => string = (y) => y): string {
  const file = path.join(REPO, `Pulumi.${name}.yaml`);
  const lab = fs
    .readFileSync(path.join(REPO, "Pulumi.lab.yaml"), "utf8")
    .replace(/^encryptionsalt:.*\n?/m, "");
  fs.writeFileSync(file, mutate(lab));
  return file;
}

describe("the lab stack through the real Pulumi engine", function () {
  this.timeout(900_000);
  const files: string[] = [];
  let stack: Stack;
  const output: string[] = [];
  const onOutput = (s: string) => output.push(s);

  before(async () => {
    baseline();
    process.env.PULUMI_BACKEND_URL = `file://${fs.mkdtempSync(path.join(os.tmpdir(), "ingress-e2e-"))}`;
    process.env.PULUMI_CONFIG_PASSPHRASE = "e2e";
    process.env.DOCKER_HOST = LAB.host;
    files.push(writeStackFile("e2e"));
    stack = await openStack("e2e");
  });

  after(() => {
    for (const f of files) fs.rmSync(f, { force: true });
    delete process.env.PULUMI_BACKEND_URL;
  });

  it("up produces the blog's step-8 picture", async () => {
    const result = await stack.up({ onOutput });
    assert.strictEqual(result.summary.result, "succeeded", output.join(""));
    const services = await serviceNames();
    assert.deepStrictEqual(services, ALL_ENVIRONMENTS_SERVICES);
    const clusters = result.outputs.clusters.value as Record<
      string,
      { proxyNodes: string[]; httpPort: number; httpsPort: number }
    >;
    const expected: Array<[string, string, number, number]> = [
      ["dev", LAB.dev, 8082, 8445],
      ["test", LAB.test, 8081, 8444],
      ["prod", LAB.prod, 8080, 8443],
    ];
    for (const [env, node, httpPort, httpsPort] of expected) {
      assert.deepStrictEqual(clusters[env].proxyNodes, [node]);
      assert.strictEqual(clusters[env].httpPort, httpPort);
      assert.strictEqual(clusters[env].httpsPort, httpsPort);
      assert.strictEqual((await nodeLabels(node))[CLUSTER], env);
      assert.match(
        docker(
          "service",
          "ps",
          `ucp-interlock-proxy-${env}`,
          "--filter",
          "desired-state=running",
          "--format",
          "{{.Node}}",
        ),
        new RegExp(`^${node.replace(/\./g, "\\.")}$`),
      );
      const addr = `10.213.0.${node === LAB.dev ? 11 : node === LAB.test ? 12 : 13}`;
      // NGINX answers a host it has no route for with 503, as Interlock's proxy does.
      assert.strictEqual(
        await get(`http://${addr}:${httpPort}/`),
        503,
        `${env} proxy answers on ${addr}:${httpPort}`,
      );
    }
  });

  it("up deploys the demo: demodev with 2 tasks on the dev node, for the dev cluster, on ingress_dev", async () => {
    const tasks = docker(
      "stack",
      "ps",
      "demodev",
      "--filter",
      "desired-state=running",
      "--format",
      "{{.Name}} {{.Node}} {{.CurrentState}}",
    ).split("\n");
    assert.strictEqual(tasks.length, 2, tasks.join("\n"));
    for (const t of tasks)
      assert.match(t, new RegExp(`^demodev_demo\\.\\d ${LAB.dev.replace(/\./g, "\\.")} Running`));
    assert.strictEqual(
      docker(
        "service",
        "inspect",
        "demodev_demo",
        "--format",
        '{{index .Spec.Labels "com.docker.lb.service_cluster"}} {{index .Spec.Labels "com.docker.lb.network"}}',
      ),
      "dev ingress_dev",
    );
    assert.strictEqual(
      docker(
        "network",
        "inspect",
        "ingress_dev",
        "--format",
        '{{.Driver}} {{index .Labels "com.docker.ucp.access.label"}}',
      ),
      "overlay /dev",
    );
    // The demo's services start during Interlock's rollout; only the wait for its routes
    // comes after it.
    const { resources } = (await stack.exportStack()).deployment as {
      resources: Array<{ urn: string; dependencies?: string[] }>;
    };
    const urn = (name: string) => resources.find((r) => r.urn.endsWith(`::${name}`))!.urn;
    const dependencies = (name: string) =>
      resources.find((r) => r.urn === urn(name))!.dependencies ?? [];
    assert.ok(!dependencies("demodev").includes(urn("interlock")), dependencies("demodev").join());
    assert.deepStrictEqual(
      [...dependencies("demodev-routes")].sort(),
      [urn("demodev"), urn("interlock")].sort(),
    );
  });

  it("a stack routed to a service cluster that does not exist fails at preview and changes nothing", async () => {
    const file = path.join(REPO, "Pulumi.e2e.yaml");
    const good = fs.readFileSync(file, "utf8");
    const compose = path.join(os.tmpdir(), `qa-${process.pid}.yml`);
    fs.writeFileSync(
      compose,
      fs
        .readFileSync(path.join(REPO, "test/fixtures/docker-compose.yml"), "utf8")
        .replace("service_cluster: dev", "service_cluster: qa"),
    );
    fs.writeFileSync(
      file,
      good.replace(
        "config:\n",
        `config:\n  interlock-ingress:apps:\n    demoqa:\n      environment: dev\n      composeFile: ${compose}\n`,
      ),
    );
    const services = await serviceNames();
    const printed: string[] = [];
    try {
      await assert.rejects(stack.preview({ onOutput: (s) => printed.push(s) }));
    } finally {
      fs.writeFileSync(file, good);
      fs.rmSync(compose, { force: true });
    }
    assert.match(
      printed.join(""),
      /has a problem: interlock-ingress:apps\.demoqa\.composeFile \([^)]+\): services\.demo\.deploy\.labels\.com\.docker\.lb\.service_cluster: "qa" is not a service cluster of the Interlock config \([a-z, ]+\); use one of them/,
    );
    // One line per problem: no dump of the input value (the whole Compose file) before it.
    assert.doesNotMatch(printed.join(""), /property \w+ value/);
    assert.deepStrictEqual(await serviceNames(), services);
  });

  it("a second preview changes nothing", async () => {
    const before = await configNames();
    const preview = await stack.preview({ onOutput });
    assert.deepStrictEqual(Object.keys(preview.changeSummary), ["same"]);
    assert.deepStrictEqual(await configNames(), before);
  });

  it("a constraint Swarm would reject fails at preview, naming the field, and changes nothing", async () => {
    const file = path.join(REPO, "Pulumi.e2e.yaml");
    const good = fs.readFileSync(file, "utf8");
    fs.writeFileSync(
      file,
      good.replace(
        "      proxyReplicas: 1\n    test:",
        '      proxyReplicas: 1\n      overrides:\n        ProxyConstraints: ["node.labels.com.docker.interlock.service.cluster=dev"]\n    test:',
      ),
    );
    const mounted = await mountedConfigName();
    const configs = await configNames();
    const labels = await nodeLabels(LAB.dev);
    const printed: string[] = [];
    try {
      await assert.rejects(stack.preview({ onOutput: (s) => printed.push(s) }));
    } finally {
      fs.writeFileSync(file, good);
    }
    assert.match(
      printed.join(""),
      /interlock-ingress:environments\.dev\.overrides\.ProxyConstraints\[0\]: "node\.labels\.com\.docker\.interlock\.service\.cluster=dev" uses "=", but Swarm constraints need "==" or "!=": write "node\.labels\.com\.docker\.interlock\.service\.cluster==dev"/,
    );
    assert.strictEqual(await mountedConfigName(), mounted);
    assert.deepStrictEqual(await configNames(), configs);
    assert.deepStrictEqual(await nodeLabels(LAB.dev), labels);
  });

  it("refresh sees a node label removed by hand, and up puts it back", async () => {
    docker("node", "update", "--label-rm", CLUSTER, LAB.test);
    const refresh = await stack.refresh({ onOutput });
    // The label, and the test cluster whose proxy now runs on a node its constraints exclude.
    assert.strictEqual(refresh.summary.resourceChanges?.update, 2, output.join(""));
    const up = await stack.up({ onOutput });
    assert.strictEqual(up.summary.resourceChanges?.update, 2);
    assert.strictEqual((await nodeLabels(LAB.test))[CLUSTER], "test");
  });

  it("destroy gives the cluster back as UCP had it", async () => {
    await stack.destroy({ onOutput });
    assert.deepStrictEqual(await serviceNames(), [
      "ucp-interlock",
      "ucp-interlock-extension",
      "ucp-interlock-proxy",
    ]);
    assert.strictEqual(docker("network", "ls", "--filter", "name=ingress_dev", "-q"), "");
    for (const node of [LAB.dev, LAB.test, LAB.prod])
      assert.strictEqual((await nodeLabels(node))[CLUSTER], undefined);
  });
});
