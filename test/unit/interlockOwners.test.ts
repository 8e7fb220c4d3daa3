/**
 * The Interlock config with many owners (one stack per environment on one cluster), checked
 * against the review of the merge (shared reference interlock-config-review.md, D1-D12):
 * each case is a live config as users have them (hand-written, CRLF, comments, foreign
 * sections, case variants, floats, datetimes) and what the plan must do with it.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { NodeView, parseConstraint, satisfies } from "../../provider/interlock/constraints";
import { Owners, planConfig, PlanInput, sectionsToRemove } from "../../provider/interlock/plan";
import { Problem } from "../../provider/interlock/render";
import { CoreConfig } from "../../provider/interlock/schema";
import {
  droppedComments,
  parseCoreConfig,
  stringifyCoreConfig,
} from "../../provider/interlock/toml";
import { DEFAULT_INTERLOCK, parseTopology, TopologyError } from "../../provider/config";

const text = (name: string) => fs.readFileSync(path.join(__dirname, "../fixtures", name), "utf8");
const HAND = text("hand-written.toml");
const UCP = text("ucp-default.toml");
const PIN = (env: string) => `node.labels.com.docker.interlock.service.cluster==${env}`;

function node(
  hostname: string,
  labels: Record<string, string>,
  role = "worker",
  ip = "10.0.0.9",
): NodeView {
  return {
    id: hostname,
    hostname,
    role,
    ip,
    os: "linux",
    arch: "x86_64",
    labels: { "com.docker.ucp.orchestrator.swarm": "true", ...labels },
    engineLabels: {},
  };
}
const NODES = [
  node("w1", {}, "worker", "10.0.1.11"),
  node("w2", {}, "worker", "10.0.2.12"),
  node("w3", {}),
  node("m0", {}, "manager"),
];

type Env = Record<string, unknown>;
const ENVS: Record<string, Env> = {
  dev: { ingressNodes: ["w1"], publishedPort: 8082, publishedSSLPort: 8445 },
  test: { ingressNodes: ["w2"], publishedPort: 8081, publishedSSLPort: 8444 },
  prod: { ingressNodes: ["w3"], publishedPort: 8080, publishedSSLPort: 8443 },
};

function plan(
  opts: { live?: string; stack?: string; envs?: Record<string, Env>; owners?: Owners } & Partial<
    Omit<PlanInput, "live" | "environments" | "owners" | "stack">
  >,
) {
  const live = parseCoreConfig(opts.live ?? UCP, "live");
  const { live: _l, envs, ...rest } = opts;
  return planConfig({
    stack: "lab-dev",
    owners: {},
    settings: DEFAULT_INTERLOCK,
    nodes: NODES,
    liveName: "conf-7",
    ...rest,
    live,
    environments: parseTopology({ environments: envs ?? { dev: ENVS.dev } }).environments,
  });
}
const errors = (ps: Problem[]) => ps.filter((p) => p.severity === "error").map((p) => p.message);
const warnings = (ps: Problem[]) =>
  ps.filter((p) => p.severity === "warning").map((p) => p.message);

/** The live config after the dev stack replaced UCP's template: only dev, owned by lab-dev. */
function afterDev(): { text: string; owners: Owners; template: CoreConfig } {
  const first = plan({});
  return {
    text: stringifyCoreConfig(first.merged, UCP),
    owners: { "lab-dev": ["dev"] },
    template: { Extensions: { default: first.template!.section } },
  };
}

describe("per-environment stacks: the template and removals (D1)", () => {
  it("the second stack renders from the template the first one saved, and removes nothing", () => {
    const live = afterDev();
    const saved = {
      name: "default",
      section: live.template.Extensions!.default,
      source: "the saved template interlock-ingress.template.default",
    };
    const p = plan({
      live: live.text,
      stack: "lab-test",
      owners: live.owners,
      envs: { test: ENVS.test },
      savedTemplate: saved,
    });
    assert.deepStrictEqual(errors(p.problems), []);
    assert.deepStrictEqual(p.remove, []);
    assert.deepStrictEqual(Object.keys(p.merged.Extensions!), ["dev", "test"]);
    assert.strictEqual(p.sections.test.Image, "docker/ucp-interlock-extension:3.2.5");
    assert.deepStrictEqual(
      p.merged.Extensions!.dev,
      parseCoreConfig(live.text, "x").Extensions!.dev,
    );
  });

  it("without a saved template, lists only sections that are safe to use as one", () => {
    const live = afterDev();
    const p = plan({
      live: live.text,
      stack: "lab-test",
      owners: live.owners,
      envs: { test: ENVS.test },
    });
    assert.deepStrictEqual(errors(p.problems), [
      "interlock-ingress:interlock.template: section [Extensions.default] is not in the live config conf-7 and no copy of it was saved; no section is safe to use as one: every other section is another stack's or team's cluster; put UCP's [Extensions.default] back by hand, or render from another team's section without removing it (interlock-ingress:interlock.template <section> with interlock-ingress:interlock.replaceTemplate false)",
    ]);
  });

  it("refuses another stack's section as the template instead of removing it", () => {
    const live = afterDev();
    const p = plan({
      live: live.text,
      stack: "lab-test",
      owners: live.owners,
      envs: { test: ENVS.test },
      settings: { ...DEFAULT_INTERLOCK, template: "dev" },
    });
    assert.deepStrictEqual(errors(p.problems), [
      `interlock-ingress:interlock.template: [Extensions.dev] is owned by stack "lab-dev", so it is not a template; no section is safe to use as one (UCP's [Extensions.default] is gone from the live config conf-7 and no copy of it was saved): every other section is another stack's or team's cluster; put UCP's [Extensions.default] back by hand, or render from another team's section without removing it (interlock-ingress:interlock.template <section> with interlock-ingress:interlock.replaceTemplate false)`,
    ]);
    assert.deepStrictEqual(p.remove, []);
  });

  it("never removes a section another stack owns, even one this stack's state still lists", () => {
    const live = parseCoreConfig(afterDev().text, "live");
    const remove = sectionsToRemove({
      live,
      stack: "lab-test",
      owners: { "lab-dev": ["dev"] },
      declared: ["test"],
      settings: { ...DEFAULT_INTERLOCK, template: "dev" },
      previous: ["dev"],
    });
    assert.deepStrictEqual(remove, []);
  });

  it("keeps a foreign section nobody owns and removes only the template it was told to replace", () => {
    const p = plan({ live: HAND });
    assert.deepStrictEqual(p.remove, ["default"]);
    assert.deepStrictEqual(Object.keys(p.merged.Extensions!), ["legacy-batch", "dev"]);
  });

  it("removes a section it owned (by the owners label) and no longer declares, after a crash lost its state", () => {
    const live = afterDev();
    const p = plan({
      live: live.text,
      owners: live.owners,
      envs: { qa: { ingressNodes: ["w1"], publishedPort: 8090, publishedSSLPort: 8490 } },
      savedTemplate: {
        name: "default",
        section: live.template.Extensions!.default,
        source: "saved",
      },
    });
    assert.deepStrictEqual(p.remove, ["dev"]);
  });

  it("refuses to write a section another stack owns", () => {
    const live = afterDev();
    const p = plan({
      live: live.text,
      stack: "lab",
      owners: live.owners,
      envs: ENVS,
      savedTemplate: {
        name: "default",
        section: live.template.Extensions!.default,
        source: "saved",
      },
    });
    assert.deepStrictEqual(errors(p.problems), [
      'interlock-ingress:environments.dev: section [Extensions.dev] is owned by stack "lab-dev" (label on conf-7); remove dev from this stack or from "lab-dev"; if stack "lab-dev" is gone (pulumi stack rm), set interlock-ingress:interlock.release: ["lab-dev"] in this stack',
    ]);
  });
});

describe("overrides (D2, D3, D4, D9)", () => {
  it("D2: a list override adds to the template's list and keeps the environment pin", () => {
    const p = plan({
      envs: { dev: { ...ENVS.dev, overrides: { ProxyConstraints: ["node.labels.az==a"] } } },
    });
    assert.deepStrictEqual(p.sections.dev.ProxyConstraints, [
      "node.labels.com.docker.ucp.orchestrator.swarm==true",
      "node.platform.os==linux",
      "node.labels.az==a",
      PIN("dev"),
    ]);
  });

  it("D2: replace swaps the template's list outright, and still keeps the pin", () => {
    const p = plan({
      envs: { dev: { ...ENVS.dev, replace: { ProxyConstraints: ["node.labels.az==a"] } } },
    });
    assert.deepStrictEqual(p.sections.dev.ProxyConstraints, ["node.labels.az==a", PIN("dev")]);
  });

  const typed: Array<[string, Env, string]> = [
    [
      "a label value that is a number",
      { Labels: { team: 5 } },
      'interlock-ingress:environments.dev.overrides.Labels: expected a table of string values, got {com.docker.ucp.InstanceID: "bkb0lgevy7kbhrbxpmlbxnx6e", team: 5 (integer)}',
    ],
    [
      "a string where a list is expected",
      { ProxyArgs: "-D" },
      'interlock-ingress:environments.dev.overrides.ProxyArgs: expected a list of strings, got "-D"',
    ],
    [
      "a mixed list",
      { Args: ["-D", 5] },
      'interlock-ingress:environments.dev.overrides.Args: expected a list of strings, got ["-D", 5 (integer)]',
    ],
    [
      "a quoted number in Config",
      { Config: { MaxConnections: "2048" } },
      'interlock-ingress:environments.dev.overrides.Config.MaxConnections: expected an integer, got "2048"',
    ],
    [
      "a quoted boolean",
      { HitlessServiceUpdate: "true" },
      'interlock-ingress:environments.dev.overrides.HitlessServiceUpdate: expected true or false, got "true"',
    ],
    [
      "a number where a duration string is expected",
      { ProxyStopGracePeriod: 5 },
      "interlock-ingress:environments.dev.overrides.ProxyStopGracePeriod: expected a string, got 5 (integer)",
    ],
  ];
  for (const [name, overrides, message] of typed) {
    it(`D3: refuses ${name}, naming the override, the type and the value`, () => {
      assert.deepStrictEqual(errors(plan({ envs: { dev: { ...ENVS.dev, overrides } } }).problems), [
        message,
      ]);
    });
  }

  it("D4: override keys in any case are written once, in Interlock's spelling", () => {
    const p = plan({
      envs: {
        dev: {
          ...ENVS.dev,
          overrides: { proxystopsignal: "SIGTERM", config: { rlimitnofile: 1024 } },
        },
      },
    });
    assert.deepStrictEqual(errors(p.problems), []);
    assert.strictEqual(p.sections.dev.ProxyStopSignal, "SIGTERM");
    assert.strictEqual((p.sections.dev.Config as Record<string, unknown>).RLimitNoFile, 1024);
    assert.ok(!("proxystopsignal" in p.sections.dev) && !("config" in p.sections.dev));
  });

  it("D4: a template key in another case does not survive beside the stack's value", () => {
    const live = UCP.replace("PublishedPort = 8080", "publishedport = 8080");
    const p = plan({ live });
    assert.strictEqual(p.sections.dev.PublishedPort, 8082);
    assert.ok(!("publishedport" in p.sections.dev));
  });

  it("D4: one key given in two spellings is refused", () => {
    const p = plan({
      envs: {
        dev: { ...ENVS.dev, overrides: { ProxyStopSignal: "SIGTERM", proxystopsignal: "SIGINT" } },
      },
    });
    assert.deepStrictEqual(errors(p.problems), [
      "interlock-ingress:environments.dev.overrides: ProxyStopSignal and proxystopsignal are one key to Interlock (ProxyStopSignal); give it once",
    ]);
  });

  it("D9: a bad constraint inherited from the template names the template, not an override", () => {
    const live = UCP.replace(
      '"node.platform.os==linux"]\n    PublishMode',
      '"node.platform.os==linux", "node.labels.region=east"]\n    PublishMode',
    );
    assert.deepStrictEqual(errors(plan({ live }).problems), [
      '[Extensions.default].ProxyConstraints[2] (template, in the live config conf-7): "node.labels.region=east" uses "=", but Swarm constraints need "==" or "!=": write "node.labels.region==east"',
    ]);
  });

  it("settings that feed the AWS edge cannot be overridden", () => {
    assert.throws(
      () =>
        parseTopology({
          environments: {
            dev: { ...ENVS.dev, overrides: { PublishedPort: 9999, ServiceName: "x" } },
          },
        }),
      (err: TopologyError) => {
        assert.deepStrictEqual(err.problems, [
          "interlock-ingress:environments.dev.overrides.PublishedPort: set by the stack, not by overrides; use interlock-ingress:environments.dev.publishedPort",
          "interlock-ingress:environments.dev.overrides.ServiceName: set by the stack, not by overrides; it is derived from the environment's name",
        ]);
        return true;
      },
    );
  });
});

describe("problems the stack did not cause are warnings (D5, D8, D10)", () => {
  it("D5: host-mode clusters on different ports may share nodes (UCP's host-mode default kept)", () => {
    const live = UCP.replace('PublishMode = "ingress"', 'PublishMode = "host"').replace(
      /ProxyReplicas = \d/,
      "ProxyReplicas = 1",
    );
    const p = plan({
      live,
      envs: { dev: { ...ENVS.dev, publishMode: "host" } },
      settings: { ...DEFAULT_INTERLOCK, replaceTemplate: false },
    });
    assert.deepStrictEqual(p.problems, []);
  });

  it("D8: ingress-mode proxies with no node to run on are refused at preview", () => {
    const p = plan({
      envs: { dev: { ...ENVS.dev, overrides: { ProxyConstraints: ["node.labels.az==nowhere"] } } },
    });
    assert.deepStrictEqual(errors(p.problems), [
      "interlock-ingress:environments.dev.overrides.ProxyConstraints: the proxies need a node matching ProxyConstraints [node.labels.com.docker.ucp.orchestrator.swarm==true, node.platform.os==linux, node.labels.az==nowhere, node.labels.com.docker.interlock.service.cluster==dev], but 0 match; label more ingress nodes, fix the constraints or lower proxyReplicas",
    ]);
  });

  it("D10: a foreign section's own problems warn and do not block; its case variants and Host mode are fine", () => {
    const p = plan({ live: HAND });
    assert.deepStrictEqual(errors(p.problems), []);
    assert.deepStrictEqual(warnings(p.problems), [
      "[Extensions.legacy-batch].ProxyConstraints (live config, not owned by this stack): 1 host-mode proxies need 1 nodes matching ProxyConstraints [node.labels.nodetype==batch-lb], but 0 match; label more ingress nodes, fix the constraints or lower proxyReplicas",
    ]);
  });

  it("D10: a foreign section without service names is not a problem (Swarm names them)", () => {
    const live = HAND.replace('    ServiceName = "ucp-interlock-extension-batch"\n', "").replace(
      '    ProxyServiceName = "ucp-interlock-proxy-batch"\n',
      "",
    );
    assert.deepStrictEqual(errors(plan({ live }).problems), []);
  });

  it("a collision between this stack's section and a foreign one is an error", () => {
    const p = plan({ live: HAND, envs: { dev: { ...ENVS.dev, publishedPort: 9080 } } });
    assert.deepStrictEqual(errors(p.problems), [
      "interlock-ingress:environments.dev.publishedPort: port 9080 is also published by [Extensions.legacy-batch], and ingress mode reserves a port on every node; give each cluster its own ports, or publish both in host mode on disjoint nodes",
    ]);
  });
});

describe("lossless for what the stack does not own (D6, D11)", () => {
  const section = (toml: string, name: string) => {
    const start = toml.indexOf(`[Extensions.${name}]`);
    const next = toml.slice(start + 1).search(/^\s*\[Extensions\.(?!legacy-batch)/m);
    return next < 0 ? toml.slice(start) : toml.slice(start, start + 1 + next);
  };

  it("D6: reads a live config with CRLF line endings and comments", () => {
    const crlf = HAND.replace(/\n/g, "\r\n");
    const config = parseCoreConfig(crlf, "conf-9");
    assert.strictEqual(config.PollInterval, "3s");
    const out = stringifyCoreConfig(plan({ live: crlf }).merged, crlf);
    assert.ok(!/[^\r]\n/.test(out), "line endings stay CRLF");
    assert.match(out, /^# Written by hand by the platform team before anyone used a stack\.\r$/m);
  });

  it("D11: a foreign section is written back byte for byte: floats, datetimes, inf, big integers, digit groups, comments", () => {
    const out = stringifyCoreConfig(plan({ live: HAND }).merged, HAND);
    assert.strictEqual(section(out, "legacy-batch"), section(HAND, "legacy-batch"));
    assert.match(out, /^Started = 2021-03-04T05:06:07-07:00$/m);
    assert.match(out, /^PollInterval = "3s" {3}# poll often$/m);
    const again = parseCoreConfig(out, "out").Extensions!["legacy-batch"];
    assert.strictEqual(again.Huge, 9007199254740993n);
    assert.strictEqual(again.Limit, Infinity);
  });

  it("D11: a multi-line string's digit groups are not rewritten", () => {
    const out = stringifyCoreConfig(plan({ live: HAND }).merged, HAND);
    const config = parseCoreConfig(out, "out").Extensions!.dev.Config as Record<string, unknown>;
    assert.strictEqual(config.MainLogFormat, "worker_connections = 1_024\n");
  });

  it("names the comments it cannot keep (those inside the replaced template)", () => {
    const live = UCP.replace("[Extensions.default]", "[Extensions.default]\n    # UCP wrote this");
    const out = stringifyCoreConfig(plan({ live }).merged, live);
    assert.deepStrictEqual(droppedComments(live, out), ["# UCP wrote this"]);
  });
});

describe("constraints as swarmkit parses and matches them (D7)", () => {
  const table: Array<[string, string | null]> = [
    ["node.labels.region==east", null],
    ["node.role != manager", null],
    ["Node.Labels.region==east", null],
    ["node.ip==10.0.1.0/24", null],
    ["node.labels.a==b=c", 'Swarm refuses the value "b=c"'],
    ["node.labels.x==dev,prod", 'Swarm refuses the value "dev,prod"'],
    ["node.labels.k!=v==w", 'Swarm refuses the key "node.labels.k!=v"'],
    ["node.labels.region=east", 'uses "="'],
    ["node.labels.region==", "has no value after =="],
  ];
  for (const [text, error] of table) {
    it(`${error ? "refuses" : "accepts"} ${JSON.stringify(text)}`, () => {
      const parsed = parseConstraint(text);
      if (error === null) assert.ok(!("error" in parsed), JSON.stringify(parsed));
      else assert.ok("error" in parsed && parsed.error.includes(error), JSON.stringify(parsed));
    });
  }

  it("matches node.ip by address and subnet, key prefixes in any case, label names exactly", () => {
    assert.ok(
      satisfies(NODES[0], ["node.ip==10.0.1.0/24", "node.ip!=10.0.2.12", "NODE.ROLE==Worker"]),
    );
    assert.ok(!satisfies(NODES[1], ["node.ip==10.0.1.0/24"]));
    const labelled = node("w9", { Region: "east" });
    assert.ok(satisfies(labelled, ["Node.Labels.Region==EAST"]));
    assert.ok(!satisfies(labelled, ["node.labels.region==east"]));
  });

  it("a constraint key no node can match is refused in this stack's sections", () => {
    const p = plan({
      envs: { dev: { ...ENVS.dev, overrides: { ProxyConstraints: ["region==east"] } } },
    });
    assert.match(
      errors(p.problems).join("\n"),
      /interlock-ingress:environments\.dev\.overrides\.ProxyConstraints\[0\]: "region==east": Swarm accepts the key "region" but no node ever matches it/,
    );
  });
});

describe("environment names Swarm accepts (D12)", () => {
  for (const name of ["dev-", "-dev", "Dev", "a".repeat(40)]) {
    it(`refuses ${JSON.stringify(name)}`, () => {
      assert.throws(
        () => parseTopology({ environments: { [name]: ENVS.dev } }),
        new RegExp(
          `cannot name Swarm services ucp-interlock-extension-${name}; use lower-case letters, digits and inner dashes, at most 39 characters`,
        ),
      );
    });
  }
  it("accepts a 39-character name", () => {
    assert.strictEqual(
      parseTopology({ environments: { ["a".repeat(39)]: ENVS.dev } }).environments[0].name.length,
      39,
    );
  });
});
