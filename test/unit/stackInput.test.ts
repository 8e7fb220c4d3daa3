/**
 * The dead ends of a new user's bad-input run, each with the exact message: another stack's
 * ingress node, a released stack, a port Swarm holds, a malformed connection, the demo's and
 * the apps' settings named where they are set.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  connectionProblems,
  EnvironmentSpec,
  parseDemoSettings,
  parseTopology,
  TopologyError,
} from "../../provider/config";
import { nodeClaimProblems } from "../../provider/interlock/nodeClaims";
import { releasedOwners, releasePending, releaseProblems } from "../../provider/interlock/release";
import { NodeView } from "../../provider/interlock/constraints";
import { connect } from "../../provider/docker/connection";
import { deployApps } from "../../stacks/demo";
import { readStackFile } from "../../scripts/lib/stackConfig";
import { whyNotChecked } from "../../provider/docker/errors";
import { REPO } from "../../scripts/lib/workspace";

const LABEL = "com.docker.interlock.service.cluster";

function node(hostname: string, cluster?: string): NodeView {
  return {
    id: `id-${hostname}`,
    hostname,
    role: "worker",
    os: "linux",
    arch: "x86_64",
    labels: cluster ? { [LABEL]: cluster } : {},
    engineLabels: {},
  };
}

function env(name: string, nodes: string[]): EnvironmentSpec {
  return {
    name,
    collection: `/${name}`,
    ingressNodes: nodes,
    publishMode: "ingress",
    publishedPort: 8082,
    publishedSSLPort: 8445,
    proxyReplicas: 1,
    overrides: {},
    replace: {},
  };
}

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof TopologyError) return err.problems;
    throw err;
  }
  return [];
}

describe("another stack's ingress node", () => {
  const live = { Extensions: { dev: {}, blue: {}, qa: {} } };
  const nodes = [node("w1", "dev"), node("w2", "blue"), node("w3", "old"), node("w4")];
  const cases: Array<[string, EnvironmentSpec[], Record<string, string[]>, string[]]> = [
    [
      "a node another stack's section runs on is refused, naming node, environment and stack",
      [env("qa", ["w1"])],
      { dev: ["dev"] },
      [
        'error: interlock-ingress:environments.qa.ingressNodes[0]: node "w1" is the ingress node of environment dev (com.docker.interlock.service.cluster=dev), whose section stack "dev" owns; relabelling it would leave dev\'s proxies without a node. Pick another node, or take it out of stack "dev" first (interlock-ingress:environments.dev.ingressNodes); if stack "dev" is gone, set interlock-ingress:interlock.release: ["dev"] and declare environment dev in this stack (which then adopts its section and node)',
      ],
    ],
    [
      "a node of a live section no stack owns is refused, with the hand fix",
      [env("qa", ["w2"])],
      { dev: ["dev"] },
      [
        'error: interlock-ingress:environments.qa.ingressNodes[0]: node "w2" is the ingress node of environment blue (com.docker.interlock.service.cluster=blue), whose section [Extensions.blue] is live and owned by no stack; relabelling it would leave blue\'s proxies without a node. Pick another node, or, if blue no longer needs it, remove the label by hand (docker node update --label-rm com.docker.interlock.service.cluster w2)',
      ],
    ],
    [
      "a label naming a section that is gone is only said",
      [env("qa", ["w3"])],
      {},
      [
        'warning: interlock-ingress:environments.qa.ingressNodes[0]: node "w3" carries com.docker.interlock.service.cluster=old, a section that is gone; it is relabelled for qa, and old is put back when this stack no longer labels the node',
      ],
    ],
    [
      "a node moved between this stack's own environments, an unlabelled node, its own label: nothing",
      [env("qa", ["w4"]), env("dev", ["w1"]), env("test", ["id-w1"])],
      { me: ["dev"] },
      [],
    ],
  ];
  for (const [title, environments, owners, expected] of cases) {
    it(title, () => {
      const got = nodeClaimProblems({ stack: "me", environments, owners, live, nodes });
      assert.deepStrictEqual(
        got.map((p) => `${p.severity}: ${p.message}`),
        expected,
      );
    });
  }

  it("a released stack's section this stack declares: its node comes with it", () => {
    const owners = releasedOwners({ dev: ["dev"], prod: ["prod"] }, ["dev"]);
    assert.deepStrictEqual(owners, { prod: ["prod"] });
    const got = nodeClaimProblems({
      stack: "me",
      environments: [env("dev", ["w1"])],
      owners,
      live,
      nodes,
    });
    assert.deepStrictEqual(got, []);
  });
});

describe("interlock.release", () => {
  it("is pending while the live owners still name the released stack", () => {
    assert.strictEqual(releasePending({ dev: ["dev"] }, ["dev"]), true);
    assert.strictEqual(releasePending({ dev: [] }, ["dev"]), false);
    assert.strictEqual(releasePending({ dev: ["dev"] }, []), false);
  });
  it("refuses this stack and names a leftover entry", () => {
    assert.deepStrictEqual(
      releaseProblems({ dev: ["dev"], me: ["qa"] }, "me", ["me", "gone", "dev"], "conf-7").map(
        (p) => `${p.severity}: ${p.message}`,
      ),
      [
        'error: interlock-ingress:interlock.release: "me" is this stack; a stack releases others\' sections, not its own (remove an environment to give its section up)',
        'warning: interlock-ingress:interlock.release: stack "gone" owns no section of conf-7 (already released, or never owned one); remove it from the setting',
      ],
    );
  });
  it("is parsed as a list of stack names", () => {
    const environments = {
      dev: { ingressNodes: ["w1"], publishedPort: 8082, publishedSSLPort: 8445 },
    };
    assert.deepStrictEqual(
      parseTopology({ environments, interlock: { release: ["old", "old"] } }).interlock.release,
      ["old"],
    );
    assert.deepStrictEqual(
      problemsOf(() => parseTopology({ environments, interlock: { release: "old" } })),
      [
        'interlock-ingress:interlock.release: expected a list of stack names, e.g. ["dev"], got "old"',
      ],
    );
  });
});

describe("ports Swarm and MKE hold", () => {
  const cases: Array<[number, string]> = [
    [7946, "Swarm's node gossip port"],
    [2377, "Swarm's cluster management port"],
    [4789, "Swarm's overlay (VXLAN) port"],
    [12376, "MKE's TLS proxy port"],
    [12385, "one of MKE's control ports (12379-12390)"],
  ];
  for (const [port, what] of cases) {
    it(`refuses ${port} at preview, naming the key`, () => {
      assert.deepStrictEqual(
        problemsOf(() =>
          parseTopology({
            environments: {
              dev: { ingressNodes: ["w1"], publishedPort: port, publishedSSLPort: 8445 },
            },
          }),
        ),
        [
          `interlock-ingress:environments.dev.publishedPort: ${port} is ${what} on every node, so the proxy could not bind it and the environment would be left without one; use another port, e.g. 8082`,
        ],
      );
    });
  }
  it("leaves 443 to ingress nodes (MKE's controller holds it on managers only)", () => {
    assert.deepStrictEqual(
      problemsOf(() =>
        parseTopology({
          environments: { dev: { ingressNodes: ["w1"], publishedPort: 80, publishedSSLPort: 443 } },
        }),
      ),
      [],
    );
  });
});

describe("interlock-ingress:docker", () => {
  const cases: Array<[string, unknown, string[]]> = [
    [
      "a host that is not a URL",
      { host: "not a url" },
      [
        'interlock-ingress:docker.host: "not a url" is not an Engine API address; use the DOCKER_HOST of the client bundle\'s env.sh, e.g. tcp://ucp.example.com:443, or unix:///var/run/docker.sock',
      ],
    ],
    [
      "an unknown key and a key that is not PEM",
      { hots: "tcp://x:443", key: "key.pem" },
      [
        "interlock-ingress:docker.hots: unknown setting; known: host, ca, cert, key",
        "interlock-ingress:docker.key: not PEM text; set it from the client bundle's key.pem: pulumi config set --secret --path 'interlock-ingress:docker.key' < key.pem",
      ],
    ],
    ["a bundle's endpoint", { host: "tcp://ucp.example.com:443" }, []],
    ["a socket", { host: "unix:///var/run/docker.sock" }, []],
    [
      "a list",
      ["tcp://x"],
      [
        "interlock-ingress:docker: expected a table {host, ca, cert, key} (the client bundle's env.sh and PEM files)",
      ],
    ],
  ];
  for (const [title, raw, expected] of cases) {
    it(title, () => assert.deepStrictEqual(connectionProblems(raw), expected));
  }
  it("connect names the key instead of a bare Invalid URL", () => {
    assert.throws(
      () => connect({ host: "not a url" }),
      /^Error: interlock-ingress:docker\.host: "not a url" is not an Engine API address/,
    );
  });
});

describe("interlock-ingress:demo", () => {
  const envs = [env("dev", ["w1"])];
  const cases: Array<[string, unknown, string[]]> = [
    [
      "a port that is not one",
      { port: "http" },
      [
        'interlock-ingress:demo.port: "http" is not a port number (1-65535): the container port the proxy reaches',
      ],
    ],
    [
      "a misspelled key, replicas and hosts",
      { replica: 2, replicas: -1, hosts: { dev: "http://demo.dev", qa: "x.example.com" } },
      [
        "interlock-ingress:demo.replica: unknown setting; did you mean replicas?",
        "interlock-ingress:demo.replicas: expected a whole number of replicas, got -1",
        'interlock-ingress:demo.hosts.dev: "http://demo.dev" is not a host name (no scheme, port or path); e.g. demo.dev.example.com',
        "interlock-ingress:demo.hosts.qa: qa is not a configured environment (dev)",
      ],
    ],
  ];
  for (const [title, raw, expected] of cases) {
    it(title, () =>
      assert.deepStrictEqual(
        problemsOf(() => parseDemoSettings(raw, envs)),
        expected,
      ),
    );
  }
});

describe("interlock-ingress:apps", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "apps-"));
  const topology = parseTopology({
    environments: { dev: { ingressNodes: ["w1"], publishedPort: 8082, publishedSSLPort: 8445 } },
  });
  const config = { requireSecret: () => "x" } as never;
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("a YAML error names the key, the file and the line", () => {
    const file = path.join(dir, "bad.yml");
    fs.writeFileSync(file, "services:\n  web:\n    image: [unclosed\n");
    const problems = problemsOf(() =>
      deployApps(
        { web: { environment: "dev", composeFile: file } },
        topology,
        config,
        undefined,
        {} as never, // the parse fails before any resource is made
      ),
    );
    assert.strictEqual(problems.length, 1);
    assert.match(
      problems[0],
      new RegExp(
        `^interlock-ingress:apps\\.web\\.composeFile \\(${file.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}\\): line \\d+: .+; fix the Compose file$`,
      ),
    );
  });

  it("an unmapped, a stray secret and a misspelled key are named where they are set", () => {
    const file = path.join(dir, "web.yml");
    fs.writeFileSync(
      file,
      "services:\n  web:\n    image: nginx\n    secrets: [tls_key]\nsecrets:\n  tls_key:\n    file: ./k\n",
    );
    assert.deepStrictEqual(
      problemsOf(() =>
        deployApps(
          { web: { environment: "dev", composeFile: file, secret: {}, secrets: { tls_crt: "c" } } },
          topology,
          config,
          undefined,
          {} as never,
        ),
      ),
      [
        "interlock-ingress:apps.web.secret: unknown setting; did you mean secrets?",
        "interlock-ingress:apps.web.secrets.tls_key: the Compose file's secret tls_key has no value; map it to a secret stack config key (apps.web.secrets: {tls_key: <key>}) and set that key with pulumi config set --secret <key> < file",
        "interlock-ingress:apps.web.secrets.tls_crt: the Compose file declares no secret tls_crt (it declares: tls_key)",
      ],
    );
  });
});

describe("the stack file's own dead ends", () => {
  it("a YAML error is named with the file and line", () => {
    const file = path.join(REPO, "Pulumi.unit-yaml-error.yaml");
    fs.writeFileSync(
      file,
      "config:\n  interlock-ingress:environments:\n    dev: {ingressNodes: [w1]\n",
    );
    try {
      assert.throws(
        () => readStackFile("unit-yaml-error"),
        /^Error: Pulumi\.unit-yaml-error\.yaml line \d+: .+; fix the stack file \(YAML\)$/,
      );
    } finally {
      fs.rmSync(file, { force: true });
    }
  });
  it("the engine's secrets-manager error gets the copied-salt cause and fix", () => {
    assert.strictEqual(
      whyNotChecked(
        "error: could not create secrets manager: incorrect passphrase, please set PULUMI_CONFIG_PASSPHRASE to the correct passphrase",
      ),
      "stack secrets unreadable: could not create secrets manager: incorrect passphrase, please set PULUMI_CONFIG_PASSPHRASE to the correct passphrase; the stack file's encryptionsalt belongs to another passphrase than PULUMI_CONFIG_PASSPHRASE (a file copied from another stack keeps that stack's salt): remove the encryptionsalt line and set the secret values again with pulumi config set --secret",
    );
  });
});

describe("an app's Compose file refused at preview, not at up", () => {
  it("a relative bind source is named with the file it came from", async () => {
    const { appStackProvider } = await import("../../provider/swarm/appStack");
    const compose = [
      "services:",
      "  web:",
      "    image: nginx",
      "    volumes: ['./data:/data']",
      "",
    ].join("\n");
    const checked = await appStackProvider.check!(undefined as never, {
      stack: "web",
      compose,
      clusters: ["dev"],
      source: "interlock-ingress:apps.web.composeFile (apps/web.yml)",
    });
    assert.deepStrictEqual(
      (checked.failures ?? []).map((f) => [f.property, f.reason]),
      [
        [
          "",
          'interlock-ingress:apps.web.composeFile (apps/web.yml): service web: bind source "./data" is relative (docker stack deploy would resolve it on the deploying machine, not on the nodes); write the absolute path on the nodes',
        ],
      ],
    );
  });
});

describe("this stack's own nodes are never another's", () => {
  const live = { Extensions: {}, extensions: { prod: {} } } as never;
  it("a node of a section it owns and drops in this run, or wrote before, is its own", () => {
    const nodes = [node("w1", "dev"), node("w2", "old")];
    assert.deepStrictEqual(
      nodeClaimProblems({
        stack: "me",
        environments: [env("test", ["w1", "w2"])],
        owners: { me: ["dev"] },
        live: { Extensions: { dev: {}, old: {} } },
        nodes,
        previous: ["old"],
      }),
      [],
    );
  });
  it("a section under a lower-case root is live, not gone", () => {
    assert.deepStrictEqual(
      nodeClaimProblems({
        stack: "me",
        environments: [env("qa", ["w3"])],
        owners: {},
        live,
        nodes: [node("w3", "prod")],
      }).map((p) => p.severity),
      ["error"],
    );
  });
});

describe("values read as a user means them", () => {
  it("a demo port or replicas quoted in hand-written YAML is the number it says", () => {
    const demo = parseDemoSettings({ port: "8081", replicas: "3" }, [env("dev", ["w1"])])!;
    assert.deepStrictEqual([demo.port, demo.replicas], [8081, 3]);
  });
  it("a PEM pasted into docker.host is never printed", () => {
    const pem = "-----BEGIN PRIVATE KEY-----\nMIIEv...\n-----END PRIVATE KEY-----\n";
    const [problem] = connectionProblems({ host: pem });
    assert.strictEqual(
      problem,
      `interlock-ingress:docker.host: the value (${pem.length} characters, not shown) is not an Engine API address; use the DOCKER_HOST of the client bundle's env.sh, e.g. tcp://ucp.example.com:443, or unix:///var/run/docker.sock`,
    );
  });
});
