import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import {
  overlayNetworkProvider as networks,
  OverlayNetworkOutputs,
} from "../../provider/swarm/overlayNetwork";
import {
  appStackProvider as stacks,
  AppStackInputs,
  AppStackOutputs,
} from "../../provider/swarm/appStack";
import { baseline, docker, LAB } from "../support/lab";

const conn = { host: LAB.host };
const blog = fs.readFileSync(path.join(__dirname, "../fixtures/docker-compose.yml"), "utf8");
/** The blog's file with the lab's stand-in image, placed on the dev collection's node. */
const labCompose = (edit: (y: string) => string = (y) => y) =>
  edit(
    blog
      .replace(
        "image: ehazlett/docker-demo",
        'image: lab/docker-demo:lab\n    command: ["httpd", "-f", "-p", "8080", "-h", "/www"]',
      )
      .replace(
        "      replicas: 2\n",
        "      replicas: 2\n      placement:\n        constraints: [node.labels.com.docker.ucp.access.label==/dev]\n      update_config:\n        monitor: 4s\n        failure_action: rollback\n",
      ),
  );

function stackInputs(compose: string, extra: Partial<AppStackInputs> = {}): AppStackInputs {
  return {
    stack: "demodev",
    compose,
    clusters: ["dev", "test", "prod"],
    collection: "/dev",
    connection: conn,
    convergeTimeoutSeconds: 120,
    ...extra,
  };
}

describe("OverlayNetwork and AppStack against the lab swarm", function () {
  this.timeout(600_000);
  let net: OverlayNetworkOutputs;
  let app: AppStackOutputs;

  before(baseline);

  it("creates the blog's ingress_dev network in the dev collection", async () => {
    const checked = (
      await networks.check!(undefined as never, {
        name: "ingress_dev",
        labels: { "com.docker.ucp.access.label": "/dev" },
        connection: conn,
      })
    ).inputs!;
    net = (await networks.create(checked)).outs!;
    assert.strictEqual(
      docker(
        "network",
        "inspect",
        "ingress_dev",
        "--format",
        '{{.Driver}} {{.Attachable}} {{index .Labels "com.docker.ucp.access.label"}}',
      ),
      "overlay true /dev",
    );
    const read = await networks.read!("ingress_dev", net);
    assert.strictEqual(read.props!.networkId, net.networkId);
    assert.ok(!("networkId" in read.inputs!), "inputs hold no outputs");
  });

  it("a change of labels or driver replaces the network, and the preview says so", async () => {
    const diff = await networks.diff!("ingress_dev", net, {
      ...net,
      labels: { "com.docker.ucp.access.label": "/test" },
    });
    assert.deepStrictEqual(diff.replaces, ["labels"]);
    assert.strictEqual(diff.deleteBeforeReplace, true);
    assert.deepStrictEqual(
      (await networks.diff!("ingress_dev", net, { ...net, driver: "bridge" })).replaces,
      ["driver"],
    );
  });

  it("check refuses a service cluster the Interlock config does not define, naming the label", async () => {
    const result = await stacks.check!(
      undefined as never,
      stackInputs(labCompose((y) => y.replace("service_cluster: dev", "service_cluster: qa"))),
    );
    assert.match(
      (result.failures ?? []).map((f) => f.reason).join("\n"),
      /stack demodev: services\.demo\.deploy\.labels\.com\.docker\.lb\.service_cluster: "qa" is not a service cluster/,
    );
  });

  it("deploys the blog's stack: 2 tasks on the dev node, routed to the dev cluster on ingress_dev", async () => {
    const inputs = (await stacks.check!(undefined as never, stackInputs(labCompose()))).inputs!;
    app = (await stacks.create(inputs)).outs!;
    const tasks = docker(
      "stack",
      "ps",
      "demodev",
      "--filter",
      "desired-state=running",
      "--format",
      "{{.Node}} {{.CurrentState}}",
    ).split("\n");
    assert.strictEqual(tasks.length, 2);
    for (const t of tasks) assert.match(t, new RegExp(`^${LAB.dev.replace(/\./g, "\\.")} Running`));
    assert.strictEqual(
      docker(
        "service",
        "inspect",
        "demodev_demo",
        "--format",
        '{{index .Spec.Labels "com.docker.lb.service_cluster"}}',
      ),
      "dev",
    );
    assert.match(
      docker(
        "service",
        "inspect",
        "demodev_demo",
        "--format",
        "{{json .Spec.TaskTemplate.Networks}}",
      ),
      new RegExp(net.networkId),
    );
    assert.deepStrictEqual(app.services.demo.replicas, 2);
  });

  it("read sees a manual docker service scale", async () => {
    docker("service", "scale", "--detach", "demodev_demo=3");
    const read = await stacks.read!("demodev", app);
    assert.strictEqual(read.props!.services.demo.replicas, 3);
    assert.ok(!("services" in read.inputs!), "inputs hold no outputs");
    const diff = await stacks.diff!("demodev", read.props!, stackInputs(labCompose()));
    assert.strictEqual(diff.changes, true);
    app = (await stacks.update!("demodev", read.props!, stackInputs(labCompose()))).outs!;
    assert.strictEqual(app.services.demo.replicas, 2);
  });

  it("an update whose tasks fail is rolled back by Swarm and reported with the task error", async () => {
    const bad = stackInputs(
      labCompose((y) =>
        y.replace(
          'command: ["httpd", "-f", "-p", "8080", "-h", "/www"]',
          'command: ["sh", "-c", "exit 3"]',
        ),
      ),
    );
    await assert.rejects(
      stacks.update!("demodev", app, bad),
      /updating demodev_demo failed and Swarm rollback (started|completed); task error: task: non-zero exit \(3\)/,
    );
    for (
      let i = 0;
      i < 60 &&
      docker("service", "inspect", "demodev_demo", "--format", "{{.UpdateStatus.State}}") !==
        "rollback_completed";
      i++
    ) {
      await new Promise((r) => setTimeout(r, 1000));
    }
    assert.match(
      docker(
        "service",
        "inspect",
        "demodev_demo",
        "--format",
        "{{json .Spec.TaskTemplate.ContainerSpec.Args}}",
      ),
      /httpd/,
    );
  });

  it("stack configs become Docker configs; a content change rolls out as a new config", async () => {
    const compose = [
      'version: "3.7"',
      "services:",
      "  page:",
      "    image: lab/docker-demo:lab",
      '    command: ["httpd", "-f", "-p", "8080", "-h", "/www"]',
      "    configs:",
      "      - source: index",
      "        target: /www/index.html",
      "configs:",
      "  index:",
      "    file: ./index.html",
    ].join("\n");
    const pages = {
      stack: "pages",
      compose,
      clusters: [],
      connection: conn,
      convergeTimeoutSeconds: 120,
    };
    const missing = await stacks.check!(undefined as never, pages);
    assert.match(
      (missing.failures ?? []).map((f) => f.reason).join("\n"),
      /stack pages: configs\.index has no content; pass it in configValues\.index/,
    );
    let outs = (await stacks.create({ ...pages, configValues: { index: "<h1>one</h1>" } })).outs!;
    const mounted = () =>
      docker(
        "service",
        "inspect",
        "pages_page",
        "--format",
        "{{(index .Spec.TaskTemplate.ContainerSpec.Configs 0).ConfigName}}",
      );
    const first = mounted();
    assert.match(first, /^pages_index-[0-9a-f]{8}$/);
    assert.strictEqual(
      docker("config", "inspect", first, "--format", '{{printf "%s" .Spec.Data}}'),
      "<h1>one</h1>",
    );
    const news = { ...pages, configValues: { index: "<h1>two</h1>" } };
    assert.strictEqual((await stacks.diff!("pages", outs, news)).changes, true);
    outs = (await stacks.update!("pages", outs, news)).outs!;
    assert.notStrictEqual(mounted(), first);
    assert.strictEqual(
      docker("config", "ls", "--filter", `name=${first}`, "-q"),
      "",
      "the replaced config is removed",
    );
    assert.strictEqual(
      docker("config", "inspect", mounted(), "--format", '{{printf "%s" .Spec.Data}}'),
      "<h1>two</h1>",
    );
    await stacks.delete!("pages", outs);
    assert.strictEqual(
      docker("config", "ls", "--filter", "label=com.docker.stack.namespace=pages", "-q"),
      "",
    );
  });

  it("deleting a network still in use waits, then names its users", async () => {
    docker(
      "service",
      "create",
      "--detach",
      "--no-resolve-image",
      "--name",
      "squatter",
      "--network",
      "ingress_dev",
      "lab/busybox:lab",
      "sleep",
      "3600",
    );
    await assert.rejects(
      networks.delete!("ingress_dev", { ...net, detachTimeoutSeconds: 3 }),
      /network ingress_dev is still in use after 3 s by service (demodev_demo, service squatter|squatter)/,
    );
    docker("service", "rm", "squatter");
  });

  it("delete removes the stack's services, then the network goes", async () => {
    await stacks.delete!("demodev", app);
    assert.deepStrictEqual(await stacks.read!("demodev", app), {}, "read reports the stack gone");
    assert.throws(() => docker("service", "inspect", "demodev_demo"), /no such service/i);
    await networks.delete!("ingress_dev", { ...net, detachTimeoutSeconds: 60 });
    assert.strictEqual(docker("network", "ls", "--filter", "name=ingress_dev", "-q"), "");
    assert.deepStrictEqual(await networks.read!("ingress_dev", net), {});
  });
});
