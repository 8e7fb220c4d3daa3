/**
 * The Interlock config with many owners against the real lab Swarm, at the provider level:
 * a live config someone wrote by hand (CRLF, comments, another team's host-mode section that
 * matches no node), four rounds of three stacks rolling out at once, and a section whose
 * tasks Swarm keeps rejecting, which must end the wait with Swarm's own error.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import {
  makeInterlockConfigProvider,
  InterlockConfigInputs,
  InterlockConfigOutputs,
} from "../../provider/interlock/interlockConfig";
import { readLiveConfig } from "../../provider/interlock/live";
import { DEFAULT_INTERLOCK, parseTopology } from "../../provider/config";
import { REPO } from "../../scripts/lib/workspace";
import { baseline, docker, LAB, labDocker, serviceNames, swapConfigByHand } from "../support/lab";

const CLUSTER = "com.docker.interlock.service.cluster";
const warned: string[] = [];
const provider = makeInterlockConfigProvider(async (m) => {
  warned.push(m);
});

const ENVS: Record<string, Record<string, unknown>> = {
  dev: {
    ingressNodes: [LAB.dev],
    publishMode: "host",
    publishedPort: 8082,
    publishedSSLPort: 8445,
  },
  test: {
    ingressNodes: [LAB.test],
    publishMode: "host",
    publishedPort: 8081,
    publishedSSLPort: 8444,
  },
  prod: {
    ingressNodes: [LAB.prod],
    publishMode: "host",
    publishedPort: 8080,
    publishedSSLPort: 8443,
  },
};

function inputs(env: string, extra: Record<string, unknown> = {}): InterlockConfigInputs {
  return {
    stack: `many-${env}`,
    environments: parseTopology({ environments: { [env]: { ...ENVS[env], ...extra } } })
      .environments,
    settings: { ...DEFAULT_INTERLOCK, verifyTimeoutSeconds: 180 },
    connection: { host: LAB.host },
  };
}

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

/** The lab's conf-1 with another team's section, written by hand on Windows. */
function handWritten(): string {
  const conf1 = fs.readFileSync(path.join(REPO, "lab/ucp/conf-1.toml"), "utf8");
  const legacy = [
    "",
    "  [Extensions.legacy-batch]",
    "    # The batch team's cluster: not managed by any stack.",
    '    Image = "lab/ucp-interlock-extension:lab"',
    '    ServiceName = "ucp-interlock-extension-batch"',
    '    ProxyImage = "lab/ucp-interlock-proxy:lab"',
    '    ProxyServiceName = "ucp-interlock-proxy-batch"',
    '    ServiceCluster = "batch"',
    "    ProxyReplicas = 1",
    '    PublishMode = "host"',
    "    PublishedPort = 9080",
    "    PublishedSSLPort = 9443",
    '    ProxyConstraints = ["node.labels.nodetype==batch-lb"]',
    "    Weight = 1.0",
    "    Since = 1979-05-27T07:32:00Z",
    "",
  ].join("\n");
  return (conf1 + legacy).replace(/\n/g, "\r\n");
}

describe("the Interlock config with many owners, on the lab swarm", function () {
  this.timeout(1_800_000);
  const state: Record<string, InterlockConfigOutputs> = {};

  before(() => {
    baseline();
    for (const env of Object.keys(ENVS))
      docker(
        "node",
        "update",
        "--label-add",
        `${CLUSTER}=${env}`,
        (ENVS[env].ingressNodes as string[])[0],
      );
  });

  it("merges into a hand-written live config (CRLF, comments, a foreign host-mode section matching no node) and keeps it byte for byte", async () => {
    const text = handWritten();
    await swapConfigByHand("com.docker.ucp.interlock.conf-7", text);
    warned.length = 0;
    const news = await checked(undefined, inputs("dev"));
    assert.deepStrictEqual(warned, [
      "[Extensions.legacy-batch].ProxyConstraints (live config, not owned by this stack): 1 host-mode proxies need 1 nodes matching ProxyConstraints [node.labels.nodetype==batch-lb], but 0 match; label more ingress nodes, fix the constraints or lower proxyReplicas",
    ]);
    state.dev = (await provider.create(news)).outs!;
    const live = await readLiveConfig(labDocker());
    assert.strictEqual(live.ref.ConfigName, "com.docker.ucp.interlock.conf-8");
    const legacy = text.slice(text.indexOf("  [Extensions.legacy-batch]"));
    assert.ok(
      live.text.includes(legacy),
      `the foreign section is kept byte for byte:\n${live.text}`,
    );
    assert.match(live.text, /^# UCP's default Interlock config.*\r$/m);
    assert.deepStrictEqual(Object.keys(live.config.Extensions!), ["legacy-batch", "dev"]);
  });

  it("four rounds of three stacks rolling out at once lose no section", async () => {
    for (const env of ["test", "prod"])
      state[env] = (await provider.create(await checked(undefined, inputs(env)))).outs!;
    for (let round = 1; round <= 4; round++) {
      const envs = Object.keys(ENVS);
      const news = await Promise.all(
        envs.map((env) =>
          checked(
            state[env],
            inputs(env, { overrides: { ProxyLabels: { round: String(round) } } }),
          ),
        ),
      );
      const outs = await Promise.all(
        envs.map((env, i) => provider.update!(`ucp-interlock/many-${env}`, state[env], news[i])),
      );
      envs.forEach((env, i) => (state[env] = outs[i].outs!));
      const live = await readLiveConfig(labDocker());
      assert.deepStrictEqual(
        Object.keys(live.config.Extensions!).sort(),
        ["dev", "legacy-batch", "prod", "test"],
        `round ${round}`,
      );
      for (const env of envs)
        assert.strictEqual(
          (live.config.Extensions![env].ProxyLabels as Record<string, string>).round,
          String(round),
          `round ${round}: ${env}`,
        );
      assert.deepStrictEqual(JSON.parse(live.labels["com.docker.interlock-ingress.owners"]), {
        "many-dev": ["dev"],
        "many-prod": ["prod"],
        "many-test": ["test"],
      });
    }
  });

  it("a section whose proxy image does not exist fails fast with Swarm's task error", async () => {
    const news = await checked(
      state.dev,
      inputs("dev", { overrides: { ProxyImage: "lab/missing:none" } }),
    );
    await assert.rejects(
      provider.update!("ucp-interlock/many-dev", state.dev, news),
      (err: Error) => {
        assert.match(
          err.message,
          /Interlock service clusters cannot start; Swarm keeps refusing their tasks:\n {2}- ucp-interlock-proxy-dev: \d+ tasks (rejected|failed)[a-z/]* since the rollout: .*No such image: lab\/missing:none/,
        );
        return true;
      },
    );
    state.dev = (
      await provider.update!(
        "ucp-interlock/many-dev",
        state.dev,
        await checked(state.dev, inputs("dev")),
      )
    ).outs!;
  });

  it("destroying the stacks leaves the foreign section and puts nothing else back", async () => {
    for (const env of ["test", "prod", "dev"])
      await provider.delete!(`ucp-interlock/many-${env}`, state[env]);
    const live = await readLiveConfig(labDocker());
    assert.deepStrictEqual(Object.keys(live.config.Extensions!), ["legacy-batch"]);
    assert.deepStrictEqual(await serviceNames(), [
      "ucp-interlock",
      "ucp-interlock-extension-batch",
      "ucp-interlock-proxy-batch",
    ]);
  });
});
