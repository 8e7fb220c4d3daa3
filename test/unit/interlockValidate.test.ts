import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { parseCoreConfig } from "../../provider/interlock/toml";
import { mergeConfig, renderSections } from "../../provider/interlock/render";
import { ValidationContext } from "../../provider/interlock/validate";
import { validateCoreConfig } from "../../provider/interlock/validate";
import { NodeView, parseConstraint, satisfies } from "../../provider/interlock/constraints";
import { parseTopology } from "../../provider/config";
import { CoreConfig } from "../../provider/interlock/schema";

const live = parseCoreConfig(
  fs.readFileSync(path.join(__dirname, "../fixtures/ucp-default.toml"), "utf8"),
  "default",
);
const twoClusters = parseCoreConfig(
  fs.readFileSync(path.join(__dirname, "../fixtures/two-clusters.toml"), "utf8"),
  "two",
);

function node(hostname: string, labels: Record<string, string>, role = "worker"): NodeView {
  return {
    id: hostname,
    hostname,
    role,
    os: "linux",
    arch: "x86_64",
    labels: { "com.docker.ucp.orchestrator.swarm": "true", ...labels },
    engineLabels: {},
  };
}
const nodes = [
  node("w1", { "com.docker.interlock.service.cluster": "dev", region: "east" }),
  node("w2", { "com.docker.interlock.service.cluster": "test", region: "west" }),
  node("w3", { "com.docker.interlock.service.cluster": "prod" }),
  node("m0", {}, "manager"),
];

type Env = Record<string, unknown>;
function rendered(envs: Record<string, Env>): {
  config: CoreConfig;
  owned: ValidationContext["owned"];
} {
  const topology = parseTopology({ environments: envs });
  const r = renderSections(topology.environments, {
    name: "default",
    section: live.Extensions!.default,
    source: "conf-1",
  });
  const sections = Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v.section]));
  return {
    config: mergeConfig(live, sections, ["default"]),
    owned: Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v.origin])),
  };
}
const errors = (config: CoreConfig, ctx: ValidationContext) =>
  validateCoreConfig(config, ctx)
    .filter((p) => p.severity === "error")
    .map((p) => p.message);
const env = (n: string, http: number, https: number, extra: Env = {}): Env => ({
  ingressNodes: [n],
  publishedPort: http,
  publishedSSLPort: https,
  proxyReplicas: 1,
  ...extra,
});

describe("validate: core config problems, each naming the field and the fix", () => {
  it("accepts the blog's topology and both reference configs", () => {
    const { config, owned } = rendered({
      dev: env("w1", 8082, 8445),
      test: env("w2", 8081, 8444),
      prod: env("w3", 8080, 8443),
    });
    assert.deepStrictEqual(validateCoreConfig(config, { owned, nodes }), []);
    assert.deepStrictEqual(validateCoreConfig(live, { owned: {}, nodes }), []);
    assert.deepStrictEqual(validateCoreConfig(twoClusters, { owned: {}, nodes }), []);
  });

  const cases: Array<{
    name: string;
    config: () => { config: CoreConfig; owned: ValidationContext["owned"] };
    expect: RegExp;
    severity?: string;
  }> = [
    {
      name: "port collision between ingress-mode clusters",
      config: () => rendered({ dev: env("w1", 8082, 8445), test: env("w2", 8081, 8445) }),
      expect:
        /interlock-ingress:environments\.dev\.publishedSSLPort: port 8445 is also published by \[Extensions\.test\], and ingress mode reserves a port on every node; give each cluster its own ports/,
    },
    {
      name: "host-mode clusters on the same port whose proxy nodes overlap",
      config: () => {
        const { config, owned } = rendered({ dev: env("w1", 8082, 8445, { publishMode: "host" }) });
        config.Extensions!.legacy = {
          ...twoClusters.Extensions!.east,
          PublishedPort: 8082,
          ProxyConstraints: ["node.role==worker"],
        };
        return { config, owned };
      },
      expect:
        /environments\.dev\.publishedPort: host-mode clusters dev and legacy both publish port 8082 and can both place proxies on w1; use other ports/,
    },
    {
      name: "fewer labelled nodes than ProxyReplicas in host mode",
      config: () =>
        rendered({ dev: env("w1", 8082, 8445, { publishMode: "host", proxyReplicas: 2 }) }),
      expect:
        /\[Extensions\.default\]\.ProxyConstraints \(template, in conf-1\): 2 host-mode proxies need 2 nodes matching ProxyConstraints \[.*\], but 1 match/,
    },
    {
      name: "a constraint Swarm would reject (a=b)",
      config: () =>
        rendered({
          dev: env("w1", 8082, 8445, {
            overrides: {
              ProxyConstraints: ["node.labels.com.docker.interlock.service.cluster=dev"],
            },
          }),
        }),
      expect:
        /environments\.dev\.overrides\.ProxyConstraints\[0\]: .*uses "=".*write "node\.labels\.com\.docker\.interlock\.service\.cluster==dev"/,
    },
    {
      name: "a service name another section uses",
      config: () => {
        const { config, owned } = rendered({ dev: env("w1", 8082, 8445) });
        config.Extensions!.legacy = {
          ...twoClusters.Extensions!.east,
          ProxyServiceName: "ucp-interlock-proxy-dev",
        };
        return { config, owned };
      },
      expect:
        /interlock-ingress:environments\.dev \(from the environment name\): service name "ucp-interlock-proxy-dev" is also used by \[Extensions\.legacy\]/,
    },
    {
      name: "a ServiceCluster another section serves",
      config: () => {
        const { config, owned } = rendered({ dev: env("w1", 8082, 8445) });
        config.Extensions!.legacy = { ...twoClusters.Extensions!.east, ServiceCluster: "dev" };
        return { config, owned };
      },
      expect:
        /interlock-ingress:environments\.dev \(from the environment name\): ServiceCluster "dev" is also the ServiceCluster of \[Extensions\.legacy\]/,
    },
    {
      name: "missing ProxyReplicas in a section the stack does not own, as a warning",
      config: () => {
        const config = JSON.parse(JSON.stringify(twoClusters)) as CoreConfig;
        delete config.Extensions!.west.ProxyReplicas;
        return { config, owned: {} };
      },
      expect:
        /\[Extensions\.west\]\.ProxyReplicas \(live config, not owned by this stack\) is missing.*set it/,
      severity: "warning",
    },
    {
      name: "no extension at all",
      config: () => ({ config: { ...live, Extensions: {} }, owned: {} }),
      expect: /no \[Extensions\.<name>\] section/,
    },
  ];
  for (const c of cases) {
    it(`reports ${c.name}`, () => {
      const { config, owned } = c.config();
      const problems = validateCoreConfig(config, { owned, nodes });
      const found = problems.filter((p) => c.expect.test(p.message));
      assert.strictEqual(
        found.length,
        1,
        `expected ${c.expect} once in:\n${problems.map((p) => p.message).join("\n")}`,
      );
      assert.strictEqual(found[0].severity, c.severity ?? "error");
    });
  }

  it("lets host-mode clusters share ports on disjoint nodes", () => {
    const { config, owned } = rendered({
      dev: env("w1", 80, 443, { publishMode: "host" }),
      test: env("w2", 80, 443, { publishMode: "host" }),
    });
    assert.deepStrictEqual(errors(config, { owned, nodes }), []);
  });
});

describe("constraints", () => {
  const table: Array<[string, boolean]> = [
    ["node.labels.region==east", true],
    ["node.role != manager", true],
    ["node.labels.region=east", false],
    ["region==east", true],
    ["node.labels.region==", false],
  ];
  for (const [text, ok] of table) {
    it(`${ok ? "accepts" : "rejects"} ${JSON.stringify(text)}`, () => {
      assert.strictEqual(!("error" in parseConstraint(text)), ok);
    });
  }
  it("evaluates against node labels, roles and hostnames, case-insensitively", () => {
    assert.ok(satisfies(nodes[0], ["node.labels.region==EAST", "node.role==worker"]));
    assert.ok(!satisfies(nodes[3], ["node.role!=manager"]));
    assert.ok(!satisfies(nodes[2], ["node.labels.region==east"]));
    assert.ok(satisfies(nodes[2], ["node.hostname==w3"]));
  });
});
