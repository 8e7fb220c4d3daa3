import * as assert from "assert";
import {
  interlockConfigProvider as provider,
  InterlockConfigInputs,
  InterlockConfigOutputs,
} from "../../provider/interlock/interlockConfig";
import { readLiveConfig } from "../../provider/interlock/live";
import { parseCoreConfig, stringifyCoreConfig } from "../../provider/interlock/toml";
import { parseTopology, DEFAULT_INTERLOCK, InterlockSettings } from "../../provider/config";
import {
  baseline,
  configNames,
  docker,
  LAB,
  labDocker,
  mountedConfigName,
  serviceNames,
  swapConfigByHand,
} from "../support/lab";

const conn = { host: LAB.host };
const CLUSTER = "com.docker.interlock.service.cluster";

function inputs(
  stack: string,
  envs: Record<string, unknown>,
  settings: Partial<InterlockSettings> = {},
): InterlockConfigInputs {
  const topology = parseTopology({ environments: envs });
  return {
    stack,
    environments: topology.environments,
    settings: { ...DEFAULT_INTERLOCK, verifyTimeoutSeconds: 180, ...settings },
    connection: conn,
  };
}
const dev = (extra: Record<string, unknown> = {}) => ({
  dev: {
    ingressNodes: [LAB.dev],
    publishMode: "host",
    publishedPort: 8082,
    publishedSSLPort: 8445,
    proxyReplicas: 1,
    ...extra,
  },
});
const test = {
  test: {
    ingressNodes: [LAB.test],
    publishMode: "host",
    publishedPort: 8081,
    publishedSSLPort: 8444,
    proxyReplicas: 1,
  },
};

/** check, as the engine calls it before create/update; fails the test on any failure. */
async function checked(
  olds: InterlockConfigInputs | undefined,
  news: InterlockConfigInputs,
): Promise<InterlockConfigInputs> {
  const result = await provider.check!(olds as InterlockConfigInputs, news);
  assert.deepStrictEqual(
    (result.failures ?? []).map((f) => f.reason),
    [],
  );
  return result.inputs!;
}

describe("InterlockConfig against the lab swarm", function () {
  this.timeout(900_000);
  let a: InterlockConfigOutputs;
  let b: InterlockConfigOutputs;

  before(() => {
    baseline();
    docker("node", "update", "--label-add", `${CLUSTER}=dev`, LAB.dev);
    docker("node", "update", "--label-add", `${CLUSTER}=test`, LAB.test);
  });

  it("check rejects a constraint Swarm would refuse, and changes nothing", async () => {
    const before = await configNames();
    const result = await provider.check!(
      undefined as never,
      inputs("itest-a", dev({ overrides: { ProxyConstraints: [`node.labels.${CLUSTER}=dev`] } })),
    );
    const reasons = (result.failures ?? []).map((f) => f.reason).join("\n");
    assert.match(
      reasons,
      /interlock-ingress:environments\.dev\.overrides\.ProxyConstraints\[0\]: .*write "node\.labels\.com\.docker\.interlock\.service\.cluster==dev"/,
    );
    assert.deepStrictEqual(await configNames(), before);
    assert.strictEqual(await mountedConfigName(), "com.docker.ucp.interlock.conf-1");
  });

  it("check names the live sections when the template does not exist", async () => {
    const result = await provider.check!(
      undefined as never,
      inputs("itest-a", dev(), { template: "blue" }),
    );
    assert.match(
      (result.failures ?? [])[0]?.reason ?? "",
      /interlock\.template: section \[Extensions\.blue\] is not in the live config com\.docker\.ucp\.interlock\.conf-1 and no copy of it was saved; set it to one of the templates that are safe to use: default$/,
    );
  });

  it("create renders dev from the default section, rolls it out and removes the stale default services", async () => {
    const news = await checked(undefined, inputs("itest-a", dev()));
    assert.strictEqual(news.sections!.dev.ProxyServiceName, "ucp-interlock-proxy-dev");
    const created = await provider.create(news);
    a = created.outs!;
    assert.strictEqual(created.id, "ucp-interlock/itest-a");
    assert.strictEqual(a.configName, "com.docker.ucp.interlock.conf-2");
    assert.strictEqual(await mountedConfigName(), "com.docker.ucp.interlock.conf-2");
    const services = await serviceNames();
    assert.deepStrictEqual(services, [
      "ucp-interlock",
      "ucp-interlock-extension-dev",
      "ucp-interlock-proxy-dev",
    ]);
    assert.deepStrictEqual(a.clusters.dev.proxyNodes, [LAB.dev]);
    assert.strictEqual(a.clusters.dev.httpsPort, 8445);
    const live = await readLiveConfig(labDocker());
    assert.deepStrictEqual(Object.keys(live.config.Extensions!), ["dev"]);
    assert.strictEqual(live.config.PollInterval, "3s");
    assert.strictEqual(live.labels["com.docker.interlock-ingress.stack"], "itest-a");
    assert.deepStrictEqual(JSON.parse(live.labels["com.docker.interlock-ingress.owners"]), {
      "itest-a": ["dev"],
    });
  });

  it("writes no new version when the rendered config equals the live one", async () => {
    const news = await checked(a, inputs("itest-a", dev()));
    assert.strictEqual((await provider.diff!(a.configName, a, news)).changes, false);
    const updated = (await provider.update!("ucp-interlock/itest-a", a, news)).outs!;
    assert.strictEqual(updated.configName, "com.docker.ucp.interlock.conf-2");
    assert.deepStrictEqual(await configNames(), [
      "com.docker.ucp.interlock.conf-1",
      "com.docker.ucp.interlock.conf-2",
      "interlock-ingress.template.default",
    ]);
  });

  it("update rolls out a changed port as a new version, and the proxy publishes it", async () => {
    const news = await checked(a, inputs("itest-a", dev({ publishedSSLPort: 8446 })));
    assert.strictEqual((await provider.diff!(a.configName, a, news)).changes, true);
    a = (await provider.update!("ucp-interlock/itest-a", a, news)).outs!;
    assert.strictEqual(a.configName, "com.docker.ucp.interlock.conf-3");
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
  });

  it("a section the core rejects is rolled back by Swarm, reported with the container's log, and leaves nothing behind", async () => {
    const bad: InterlockConfigInputs = JSON.parse(JSON.stringify(a));
    bad.sections!.dev.PublishMode = "bogus"; // what check would refuse; the core is the last line
    await assert.rejects(provider.update!("ucp-interlock/itest-a", a, bad), (err: Error) => {
      assert.match(
        err.message,
        /Interlock config rollout of com\.docker\.ucp\.interlock\.conf-4 failed/,
      );
      assert.match(
        err.message,
        /ucp-interlock runs com\.docker\.ucp\.interlock\.conf-3 again; nothing was lost/,
      );
      assert.match(
        err.message,
        /Container log \(tail\):\n.*interlock: fatal: invalid config \/config\.toml: Extensions\.dev\.PublishMode must be "ingress" or "host"/,
      );
      assert.match(err.message, /The unused com\.docker\.ucp\.interlock\.conf-4 was removed/);
      return true;
    });
    assert.strictEqual(await mountedConfigName(), "com.docker.ucp.interlock.conf-3");
    assert.ok(!(await configNames()).includes("com.docker.ucp.interlock.conf-4"));
    assert.strictEqual(
      docker("service", "inspect", "ucp-interlock", "--format", "{{.UpdateStatus.State}}"),
      "rollback_completed",
    );
  });

  it("two stacks updating different sections at the same time both survive", async () => {
    // The template is gone once stack A replaced it: stack B renders from the copy A saved.
    const bNews = await checked(undefined, inputs("itest-b", test));
    assert.strictEqual(bNews.sections!.test.ProxyServiceName, "ucp-interlock-proxy-test");
    const aNews = await checked(a, inputs("itest-a", dev()));
    const [ra, rb] = await Promise.all([
      provider.update!("ucp-interlock/itest-a", a, aNews),
      provider.create(bNews),
    ]);
    a = ra.outs!;
    b = rb.outs!;
    const live = await readLiveConfig(labDocker());
    assert.deepStrictEqual(Object.keys(live.config.Extensions!).sort(), ["dev", "test"]);
    assert.strictEqual(live.config.Extensions!.dev.PublishedSSLPort, 8445);
    assert.strictEqual(live.config.Extensions!.test.PublishedSSLPort, 8444);
    assert.deepStrictEqual(JSON.parse(live.labels["com.docker.interlock-ingress.owners"]), {
      "itest-a": ["dev"],
      "itest-b": ["test"],
    });
    assert.deepStrictEqual(b.clusters.test.proxyNodes, [LAB.test]);
  });

  it("check refuses a section another stack owns", async () => {
    const result = await provider.check!(undefined as never, inputs("itest-c", test));
    assert.match(
      (result.failures ?? []).map((f) => f.reason).join("\n"),
      /environments\.test: section \[Extensions\.test\] is owned by stack "itest-b"/,
    );
  });

  it("read sees a config swapped and edited by hand", async () => {
    const live = await readLiveConfig(labDocker());
    const edited = parseCoreConfig(live.text, "live");
    edited.Extensions!.dev.ProxyReplicas = 2;
    edited.Extensions!.dev.PublishMode = "ingress";
    await swapConfigByHand("com.docker.ucp.interlock.conf-50", stringifyCoreConfig(edited));
    const read = await provider.read!("ucp-interlock/itest-a", a);
    assert.strictEqual(read.props!.configName, "com.docker.ucp.interlock.conf-50");
    assert.deepStrictEqual(
      ["configName", "configVersion", "clusters"].filter((k) => k in read.inputs!),
      [],
      "inputs hold no outputs",
    );
    assert.strictEqual(read.props!.sections!.dev.ProxyReplicas, 2);
    assert.strictEqual(read.props!.sections!.dev.PublishMode, "ingress");
    assert.deepStrictEqual(
      Object.keys(read.props!.sections!),
      ["dev"],
      "only owned sections are read",
    );
    const news = await checked(read.inputs, inputs("itest-a", dev()));
    assert.strictEqual((await provider.diff!(read.id!, read.props!, news)).changes, true);
    a = (await provider.update!("ucp-interlock/itest-a", read.props!, news)).outs!;
    assert.strictEqual(a.configName, "com.docker.ucp.interlock.conf-51");
    assert.strictEqual(a.sections!.dev.ProxyReplicas, 1);
  });

  it("delete removes only the stack's own sections and their services", async () => {
    await provider.delete!("ucp-interlock/itest-b", b);
    const live = await readLiveConfig(labDocker());
    assert.deepStrictEqual(Object.keys(live.config.Extensions!), ["dev"]);
    const services = await serviceNames();
    assert.ok(
      !services.includes("ucp-interlock-proxy-test") &&
        services.includes("ucp-interlock-proxy-dev"),
      services.join(","),
    );
  });

  it("deleting the last sections puts UCP's default section back", async () => {
    await provider.delete!("ucp-interlock/itest-a", a);
    const live = await readLiveConfig(labDocker());
    assert.deepStrictEqual(Object.keys(live.config.Extensions!), ["default"]);
    assert.strictEqual(live.config.Extensions!.default.ProxyServiceName, "ucp-interlock-proxy");
    assert.ok(!(await serviceNames()).includes("ucp-interlock-proxy-dev"));
    const kept = (await configNames()).filter((n) =>
      n.startsWith("com.docker.ucp.interlock.conf-"),
    );
    assert.ok(kept.length <= DEFAULT_INTERLOCK.keepVersions, `kept ${kept.join(", ")}`);
  });
});
