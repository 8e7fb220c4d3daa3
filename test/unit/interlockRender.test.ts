import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { parseCoreConfig, stringifyCoreConfig } from "../../provider/interlock/toml";
import {
  mergeConfig,
  renderSection,
  renderSections,
  Template,
} from "../../provider/interlock/render";
import { ExtensionSection } from "../../provider/interlock/schema";
import { parseTopology, EnvironmentSpec } from "../../provider/config";

const fixture = (name: string) =>
  parseCoreConfig(fs.readFileSync(path.join(__dirname, "../fixtures", name), "utf8"), name);

const asTemplate = (section: ExtensionSection, name = "default"): Template => ({
  name,
  section,
  source: "the test",
});
const sectionOf = (env: EnvironmentSpec, t: Template) => {
  const r = renderSection(env, t);
  assert.deepStrictEqual(r.problems, []);
  return r.section;
};

const blogEnvs = parseTopology({
  environments: {
    dev: {
      ingressNodes: ["ip-127-13-5-3.us-west-2.compute.internal"],
      publishedPort: 8082,
      publishedSSLPort: 8445,
      proxyReplicas: 1,
    },
    test: {
      ingressNodes: ["ip-127-13-6-2.us-west-2.compute.internal"],
      publishedPort: 8081,
      publishedSSLPort: 8444,
      proxyReplicas: 1,
    },
    prod: {
      ingressNodes: ["ip-127-13-1-6.us-west-2.compute.internal"],
      publishedPort: 8080,
      publishedSSLPort: 8443,
      proxyReplicas: 1,
    },
  },
}).environments;

describe("render: UCP default config into the blog's three service clusters", () => {
  const live = fixture("ucp-default.toml");
  const template = live.Extensions!.default;
  const sections = Object.fromEntries(
    Object.entries(renderSections(blogEnvs, asTemplate(template))).map(([k, r]) => [k, r.section]),
  );

  it("writes the blog's step-5 keys for each environment", () => {
    const cases: Array<[string, number, number]> = [
      ["dev", 8082, 8445],
      ["test", 8081, 8444],
      ["prod", 8080, 8443],
    ];
    for (const [env, http, https] of cases) {
      const s = sections[env];
      assert.strictEqual(s.ServiceCluster, env);
      assert.strictEqual(s.ServiceName, `ucp-interlock-extension-${env}`);
      assert.strictEqual(s.ProxyServiceName, `ucp-interlock-proxy-${env}`);
      assert.strictEqual(s.ProxyReplicas, 1);
      assert.strictEqual(s.PublishedPort, http);
      assert.strictEqual(s.PublishedSSLPort, https);
      assert.deepStrictEqual(s.ProxyConstraints, [
        "node.labels.com.docker.ucp.orchestrator.swarm==true",
        "node.platform.os==linux",
        `node.labels.com.docker.interlock.service.cluster==${env}`,
      ]);
      assert.deepStrictEqual(s.Constraints, s.ProxyConstraints);
    }
  });

  it("inherits every other key and sub-table from the template", () => {
    const dev = sections.dev;
    assert.strictEqual(dev.Image, template.Image);
    assert.strictEqual(dev.ProxyImage, template.ProxyImage);
    assert.strictEqual(dev.ProxyStopSignal, "SIGQUIT");
    assert.deepStrictEqual(dev.Config, template.Config);
    assert.deepStrictEqual(dev.ProxyLabels, {
      "com.docker.ucp.InstanceID": "bkb0lgevy7kbhrbxpmlbxnx6e",
    });
    assert.deepStrictEqual(dev.ContainerLabels, template.ContainerLabels);
  });

  it("applies per-environment overrides last, merging sub-tables key by key", () => {
    const env: EnvironmentSpec = {
      ...blogEnvs[0],
      overrides: { Config: { ClientMaxBodySize: "64m" }, ProxyLabels: { team: "web" } },
    };
    const s = sectionOf(env, asTemplate(template));
    assert.strictEqual((s.Config as Record<string, unknown>).ClientMaxBodySize, "64m");
    assert.strictEqual((s.Config as Record<string, unknown>).KeepaliveTimeout, "75s");
    assert.deepStrictEqual(s.ProxyLabels, {
      "com.docker.ucp.InstanceID": "bkb0lgevy7kbhrbxpmlbxnx6e",
      team: "web",
    });
  });

  it("drops a template's pin to another cluster instead of stacking two pins", () => {
    const dev = sectionOf(blogEnvs[0], asTemplate(template));
    const prod = sectionOf(blogEnvs[2], asTemplate(dev, "dev"));
    assert.deepStrictEqual(prod.ProxyConstraints, [
      "node.labels.com.docker.ucp.orchestrator.swarm==true",
      "node.platform.os==linux",
      "node.labels.com.docker.interlock.service.cluster==prod",
    ]);
  });

  it("renames the hitless-update config service per cluster when the template has one", () => {
    const s = sectionOf(
      blogEnvs[2],
      asTemplate(fixture("two-clusters.toml").Extensions!.east, "east"),
    );
    assert.strictEqual(s.ConfigServiceName, "ucp-interlock-config-prod");
    assert.ok(
      s.ProxyConstraints!.includes("node.labels.region==east"),
      "other template constraints are kept",
    );
  });

  it("merges owned sections and keeps every other section and top-level key", () => {
    const other = fixture("two-clusters.toml");
    const merged = mergeConfig(other, sections, []);
    assert.deepStrictEqual(merged.Extensions!.east, other.Extensions!.east);
    assert.deepStrictEqual(merged.Extensions!.west, other.Extensions!.west);
    assert.strictEqual(merged.PollInterval, "3s");
    assert.deepStrictEqual(Object.keys(merged.Extensions!), [
      "east",
      "west",
      "dev",
      "test",
      "prod",
    ]);
  });

  it("replaces the template section when asked to, as the blog renames it", () => {
    const merged = mergeConfig(live, sections, ["default"]);
    assert.deepStrictEqual(Object.keys(merged.Extensions!), ["dev", "test", "prod"]);
    assert.strictEqual(merged.ListenAddr, ":8080");
  });

  it("round-trips through TOML without changing a value", () => {
    for (const config of [
      live,
      fixture("two-clusters.toml"),
      mergeConfig(live, sections, ["default"]),
    ]) {
      const again = parseCoreConfig(stringifyCoreConfig(config), "round trip");
      assert.deepStrictEqual(again, config);
    }
  });

  it("writes integers plainly, as UCP does", () => {
    const text = stringifyCoreConfig(
      mergeConfig(live, sections, ["default"]),
      fs.readFileSync(path.join(__dirname, "../fixtures/ucp-default.toml"), "utf8"),
    );
    assert.match(text, /^PublishedSSLPort = 8445$/m);
    assert.match(text, /^\s*RLimitNoFile = 65535$/m);
    assert.doesNotMatch(text, /\d_\d/);
  });

  it("names the line of malformed TOML", () => {
    assert.throws(
      () =>
        parseCoreConfig(
          'ListenAddr = ":8080"\n[Extensions.default\nImage = "x"\n',
          "com.docker.ucp.interlock.conf-3",
        ),
      /com\.docker\.ucp\.interlock\.conf-3 is not valid TOML at line 2, column 20: illegal character in key/,
    );
  });
});
