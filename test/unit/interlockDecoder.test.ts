/**
 * The live config read as Interlock's decoder (BurntSushi/toml) reads it, and written back
 * without a byte changed outside this stack's sections: case-folded section roots and keys,
 * Object.prototype names, bytes that are not UTF-8, Swarm's size limit, templates that
 * cannot remove another team's cluster, and the services a takeover leaves behind.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { decodeConfigBytes, encodeConfigText } from "../../provider/interlock/bytes";
import { foldEqual, foldKey } from "../../provider/interlock/fold";
import { Owners, planConfig, PlanInput } from "../../provider/interlock/plan";
import { pinsACluster, Problem } from "../../provider/interlock/render";
import { configSizeProblem, MAX_CONFIG_BYTES } from "../../provider/interlock/size";
import { parseCoreConfig, stringifyCoreConfig } from "../../provider/interlock/toml";
import { deepClone, getOwn, stableStringify } from "../../provider/util/canonical";
import { DEFAULT_INTERLOCK, InterlockSettings, parseTopology } from "../../provider/config";

const UCP = fs.readFileSync(path.join(__dirname, "../fixtures/ucp-default.toml"), "utf8");
const DEFAULT = UCP.slice(UCP.indexOf("[Extensions.default]"));

/** UCP's default section as `[<root>.<name>]`, with its own service names and ports. */
function section(name: string, root = "Extensions", port = 9080): string {
  return DEFAULT.replaceAll("[Extensions.default", `[${root}.${name}`)
    .replace('"ucp-interlock-extension"', `"ext-${name}"`)
    .replace('"ucp-interlock-proxy"', `"proxy-${name}"`)
    .replace("PublishedPort = 8080", `PublishedPort = ${port}`)
    .replace("PublishedSSLPort = 8443", `PublishedSSLPort = ${port + 363}`);
}

function plan(
  live: string,
  opts: Partial<Omit<PlanInput, "live" | "settings">> & {
    settings?: Partial<InterlockSettings>;
    envs?: string[];
  } = {},
) {
  const { envs, settings, ...rest } = opts;
  const ports: Record<string, number> = { dev: 8082, constructor: 8083 };
  return planConfig({
    live: parseCoreConfig(live, "live"),
    stack: "lab-dev",
    owners: {},
    liveName: "conf-7",
    ...rest,
    settings: { ...DEFAULT_INTERLOCK, ...settings },
    environments: parseTopology({
      environments: Object.fromEntries(
        (envs ?? ["dev"]).map((e) => [
          e,
          { ingressNodes: ["w1"], publishedPort: ports[e], publishedSSLPort: ports[e] + 363 },
        ]),
      ),
    }).environments,
  });
}
const errors = (ps: Problem[]) => ps.filter((p) => p.severity === "error").map((p) => p.message);
const warnings = (ps: Problem[]) =>
  ps.filter((p) => p.severity === "warning").map((p) => p.message);

const AMBIGUOUS = (labels: string, name: string, fix: string) =>
  `${labels} in the live config conf-7 are one section "${name}" to Interlock, whose decoder fills its Extensions map from every root table spelled like "Extensions" (case-insensitively) in random order, so which of them the core runs changes from one start to the next; keep one (${fix})`;
const DUPLICATE_KEY = (labels: string, key: string) =>
  `[Extensions.team] (live config, not owned by this stack): ${labels} are one key to Interlock (${key}), whose decoder reads them in random order, so which value the core uses changes from one start to the next; keep one`;

describe("keys and sections as Interlock's decoder matches them", () => {
  for (const [a, b, equal] of [
    ["ProxyReplicas", "proxyreplicas", true],
    ["ProxyReplicas", "ProxyReplicaſ", true], // U+017F long s folds to s
    ["Kind", "\u212Aind", true], // U+212A Kelvin sign folds to k
    ["Extensions", "EXTENSIONS", true],
    ["ı", "i", false], // dotless i folds to nothing in Go
    ["ServiceName", "ServiceNames", false],
  ] as const) {
    it(`${JSON.stringify(a)} and ${JSON.stringify(b)} are ${equal ? "" : "not "}one key`, () => {
      assert.strictEqual(foldEqual(a, b), equal);
      assert.strictEqual(foldKey(a) === foldKey(b), equal);
    });
  }

  const cases: Array<{ name: string; live: string; errors: string[]; warnings: string[] }> = [
    {
      name: "the same section under [extensions.dev] and [Extensions.dev], one of this stack's: an error",
      live: `${UCP}\n${section("dev", "extensions")}\n${section("dev")}`,
      errors: [
        "interlock-ingress:environments.dev: " +
          AMBIGUOUS(
            "[Extensions.dev] and [extensions.dev]",
            "dev",
            "remove the other by hand before this stack writes it",
          ),
      ],
      warnings: [
        "interlock-ingress:environments.dev: this stack takes over [Extensions.dev] of the live config conf-7, whose services ext-dev (ServiceName) and proxy-dev (ProxyServiceName) its section no longer names (it writes ucp-interlock-extension-dev and ucp-interlock-proxy-dev); Interlock creates those, and up removes the old ones (ext-dev proxy-dev) once the new section is mounted, so they stop publishing its ports",
      ],
    },
    {
      name: "another team's section under two root spellings: a warning, named once",
      live: `${UCP}\n${section("team", "extensions")}\n${section("team")}`,
      errors: [],
      warnings: [AMBIGUOUS("[Extensions.team] and [extensions.team]", "team", "remove the other")],
    },
    {
      name: "a foreign [extensions.team] on this stack's port: the collision is caught",
      live: `${UCP}\n${section("team", "extensions", 8082)}`,
      errors: [
        "interlock-ingress:environments.dev.publishedPort: port 8082 is also published by [extensions.team], and ingress mode reserves a port on every node; give each cluster its own ports, or publish both in host mode on disjoint nodes",
      ],
      warnings: [],
    },
    {
      name: "a foreign section's second spelling of PublishedPort on this stack's port",
      live: `${UCP}\n${section("team").replace("PublishedPort = 9080", "PublishedPort = 9080\n    publishedporT = 8082")}`,
      errors: [
        "interlock-ingress:environments.dev.publishedPort: port 8082 is also published by [Extensions.team], and ingress mode reserves a port on every node; give each cluster its own ports, or publish both in host mode on disjoint nodes",
      ],
      warnings: [DUPLICATE_KEY("PublishedPort and publishedporT", "PublishedPort")],
    },
    {
      name: "a foreign section's servicename spelling on this stack's service name",
      live: `${UCP}\n${section("team").replace('ServiceName = "ext-team"', 'ServiceName = "ext-team"\n    servicename = "ucp-interlock-extension-dev"')}`,
      errors: [
        'interlock-ingress:environments.dev (from the environment name): service name "ucp-interlock-extension-dev" is also used by [Extensions.team]; every cluster needs its own extension and proxy service names',
      ],
      warnings: [DUPLICATE_KEY("ServiceName and servicename", "ServiceName")],
    },
    {
      name: "ProxyReplicas beside ProxyReplicaſ in a foreign section: a warning",
      live: `${UCP}\n${section("team").replace("ProxyReplicas = 2", 'ProxyReplicas = 2\n    "ProxyReplicaſ" = 3')}`,
      errors: [],
      warnings: [DUPLICATE_KEY("ProxyReplicas and ProxyReplicaſ", "ProxyReplicas")],
    },
    {
      name: "a foreign array of tables [[Extensions.batch]]: a warning",
      live: `${UCP}\n[[Extensions.batch]]\n  Image = "x"\n`,
      errors: [],
      warnings: [
        "[Extensions.batch] in the live config conf-7 is an array of tables ([[Extensions.batch]]), not a table, so Interlock cannot decode it as a service cluster",
      ],
    },
    {
      name: "an array of tables where this stack's section goes: an error",
      live: `${UCP}\n[[Extensions.dev]]\n  Image = "x"\n`,
      errors: [
        "interlock-ingress:environments.dev: [Extensions.dev] in the live config conf-7 is an array of tables ([[Extensions.dev]]), not a table, so Interlock cannot decode it as a service cluster; rename or remove it by hand, this stack does not overwrite what it cannot read",
      ],
      warnings: [],
    },
    {
      name: "an Extensions value that is not a table: a warning",
      live: UCP.replace("[Extensions]\n", "[Extensions]\n  odd = 5\n"),
      errors: [],
      warnings: [
        "[Extensions.odd] in the live config conf-7 is a number (5), not a table, so Interlock cannot decode it as a service cluster",
      ],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const p = plan(c.live);
      assert.deepStrictEqual(errors(p.problems), c.errors);
      assert.deepStrictEqual(warnings(p.problems), c.warnings);
    });
  }

  it("a hand-made [extensions.dev] (lower-case root) is this stack's section: adopted, written once under Extensions", () => {
    const p = plan(`${UCP}\n${section("dev", "extensions")}`);
    assert.deepStrictEqual(errors(p.problems), []);
    assert.deepStrictEqual(p.remove, ["default"]);
    assert.strictEqual(p.merged.extensions, undefined);
    assert.deepStrictEqual(Object.keys(p.merged.Extensions!), ["dev"]);
    assert.match(p.adoptions[0], /^\[extensions\.dev\] in the live config conf-7 was made by hand/);
  });
});

describe("Object.prototype names are ordinary names", () => {
  it("a __proto__ key and a __proto__ section survive the read and the write byte for byte", () => {
    const foreign =
      '[Extensions.__proto__]\n  Image = "x"\n  ProxyImage = "y"\n  ProxyReplicas = 1\n\n' +
      '[Extensions.team]\n  __proto__ = "kept"\n  constructor = 1\n  Image = "x"\n  ProxyImage = "y"\n  ProxyReplicas = 1\n';
    const live = `${UCP}\n${foreign}`;
    const config = parseCoreConfig(live, "live");
    assert.deepStrictEqual(Object.keys(config.Extensions!.team), [
      "__proto__",
      "constructor",
      "Image",
      "ProxyImage",
      "ProxyReplicas",
    ]);
    assert.strictEqual(
      stableStringify(deepClone(config.Extensions!.team)),
      '{"Image":"x","ProxyImage":"y","ProxyReplicas":1,"__proto__":"kept","constructor":1}',
    );
    const p = plan(live);
    assert.deepStrictEqual(errors(p.problems), []);
    const out = stringifyCoreConfig(p.merged, live, config);
    assert.ok(out.includes(foreign), out);
  });

  for (const stack of ["constructor", "__proto__", "toString"]) {
    it(`a stack named ${stack} plans (owning dev, beside another stack)`, () => {
      const owners = JSON.parse(`{"${stack}": ["dev"], "other": ["team"]}`) as Owners;
      const p = plan(`${UCP}\n${section("dev")}`, { stack, owners, previousSections: {} });
      assert.deepStrictEqual(errors(p.problems), []);
      assert.deepStrictEqual(p.adoptions, []);
      assert.deepStrictEqual(p.takeovers, []);
    });
  }

  it("an environment named constructor is rendered from the template, not taken for a hand-made section", () => {
    const p = plan(UCP, { envs: ["constructor"] });
    assert.deepStrictEqual(errors(p.problems), []);
    assert.deepStrictEqual(p.adoptions, []);
    assert.strictEqual(
      getOwn(p.sections, "constructor")!.ServiceName,
      "ucp-interlock-extension-constructor",
    );
  });
});

describe("bytes that are not UTF-8", () => {
  const foreign = Buffer.concat([
    Buffer.from("[Extensions.team]\n  # caf"),
    Buffer.from([0xe9, 0xff]), // Latin-1 "é" and a stray byte
    Buffer.from('\n  Image = "x"\n  ProxyImage = "y"\n  ProxyReplicas = 1\n  Note = "'),
    Buffer.from([0xc3]), // a truncated sequence
    Buffer.from('"\n'),
  ]);
  const bytes = Buffer.concat([Buffer.from(`${UCP}\n`), foreign]);

  it("are read and written back as they were, outside this stack's sections", () => {
    const text = decodeConfigBytes(bytes);
    assert.deepStrictEqual(encodeConfigText(text), bytes);
    const config = parseCoreConfig(text, "live");
    const p = plan(text);
    assert.deepStrictEqual(errors(p.problems), []);
    const out = encodeConfigText(stringifyCoreConfig(p.merged, text, config));
    assert.ok(out.includes(foreign));
    assert.ok(!out.includes(Buffer.from("\uFFFD")));
  });

  it("in the template they would be written into this stack's section: refused, named", () => {
    const [before, after] = UCP.replace('User = "nginx"', 'User = "ngin@"').split("@");
    const text = decodeConfigBytes(
      Buffer.concat([Buffer.from(before), Buffer.from([0xff]), Buffer.from(after)]),
    );
    const p = plan(text);
    assert.deepStrictEqual(
      errors(p.problems).filter((m) => m.includes("UTF-8")),
      [
        "[Extensions.default].Config.User (template, in the live config conf-7): holds bytes that are not UTF-8 (0xff), which this stack would write into [Extensions.dev]; fix them by hand (write the text in UTF-8) or set Config.User in interlock-ingress:environments.dev.replace",
      ],
    );
  });
});

describe("Swarm's config size limit", () => {
  it(`is ${MAX_CONFIG_BYTES} bytes, named with the largest sections`, () => {
    const big = `${UCP}\n[Extensions.team]\n  Image = "x"\n  Pad = "${"a".repeat(MAX_CONFIG_BYTES)}"\n`;
    assert.strictEqual(configSizeProblem(UCP, "conf-7"), undefined);
    assert.strictEqual(configSizeProblem("a".repeat(MAX_CONFIG_BYTES - 1)), undefined);
    assert.deepStrictEqual(configSizeProblem(big, "conf-7"), {
      severity: "error",
      message:
        "the merged Interlock config (over conf-7) would be 1,026,717 bytes, and Swarm refuses a config of 1,024,000 bytes or more (swarmkit MaxConfigSize, 1000 KiB); " +
        "the largest sections: [Extensions.team] 1,024,043 bytes, [Extensions.default] 2,462 bytes, top-level keys 212 bytes; remove sections nobody uses or shrink the largest before this stack can write",
    });
  });
});

describe("templates that cannot hurt another team", () => {
  const at = "interlock-ingress:interlock.template";
  it("one of this stack's own environments as the template is named as such", () => {
    assert.deepStrictEqual(errors(plan(UCP, { settings: { template: "dev" } }).problems), [
      `${at}: "dev" is one of this stack's environments, so it cannot be the template its sections are rendered from (a hand-made [Extensions.dev] is adopted as its own base without it); leave ${at} unset (UCP's "default", in the live config conf-7)`,
    ]);
  });

  it("another team's section with replaceTemplate true is refused, not removed", () => {
    const p = plan(`${UCP}\n${section("legacy")}`, { settings: { template: "legacy" } });
    assert.deepStrictEqual(errors(p.problems), [
      `${at}: [Extensions.legacy] is not UCP's template ([Extensions.default]) and no stack owns it, so it is another team's or a hand-made cluster; with interlock-ingress:interlock.replaceTemplate true this stack would remove it from the live config conf-7 and its services with it; set interlock-ingress:interlock.replaceTemplate to false to render from it and keep it, or set ${at} to UCP's template (default)`,
    ]);
    assert.deepStrictEqual(p.remove, []);
  });

  it("another team's section with replaceTemplate false renders and stays", () => {
    const p = plan(`${UCP}\n${section("legacy")}`, {
      settings: { template: "legacy", replaceTemplate: false },
    });
    assert.deepStrictEqual(errors(p.problems), []);
    assert.deepStrictEqual(p.remove, []);
    assert.deepStrictEqual(Object.keys(p.merged.Extensions!), ["default", "legacy", "dev"]);
  });

  for (const [constraint, pin] of [
    ["node.labels.com.docker.interlock.service.cluster==blue", true],
    ["node.labels.com.docker.interlock.service.cluster=blue", true],
    ["Node.Labels.com.docker.interlock.service.cluster!=blue", true],
    ["node.labels.com.docker.interlock.service.cluster-tier==gold", false],
    ["node.labels.com.docker.ucp.interlock.service.cluster-tier==gold", false],
    ["node.labels.team==com.docker.interlock.service.cluster", false],
  ] as const) {
    it(`${pin ? "drops" : "keeps"} the template constraint ${constraint}`, () => {
      assert.strictEqual(pinsACluster(constraint), pin);
      const live = UCP.replace(
        'ProxyConstraints = ["node.labels.com.docker.ucp.orchestrator.swarm==true"',
        `ProxyConstraints = ["${constraint}", "node.labels.com.docker.ucp.orchestrator.swarm==true"`,
      );
      const p = plan(live);
      assert.strictEqual(p.sections.dev.ProxyConstraints!.includes(constraint), !pin);
    });
  }
});

describe("takeovers", () => {
  it("list the taken-over section's services this stack's section no longer names", () => {
    const p = plan(
      `${UCP}\n${section("dev").replace('ProxyServiceName = "proxy-dev"', 'ProxyServiceName = "ucp-interlock-proxy-dev"')}`,
    );
    assert.deepStrictEqual(p.takeovers, [{ env: "dev", extensionService: "ext-dev" }]);
    assert.deepStrictEqual(warnings(p.problems), [
      "interlock-ingress:environments.dev: this stack takes over [Extensions.dev] of the live config conf-7, whose services ext-dev (ServiceName) its section no longer names (it writes ucp-interlock-extension-dev and ucp-interlock-proxy-dev); Interlock creates those, and up removes the old ones (ext-dev) once the new section is mounted, so they stop publishing its ports",
    ]);
  });

  it("are empty when the taken-over section already used this stack's names", () => {
    const p = plan(
      `${UCP}\n${section("dev").replace('"ext-dev"', '"ucp-interlock-extension-dev"').replace('"proxy-dev"', '"ucp-interlock-proxy-dev"')}`,
    );
    assert.deepStrictEqual(p.takeovers, []);
    assert.deepStrictEqual(warnings(p.problems), []);
  });
});
