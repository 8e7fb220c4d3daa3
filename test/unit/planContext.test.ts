/**
 * What check and render read before planning (provider/interlock/planContext.ts), over a fake
 * Engine API: the mounted config, its versions and owners, the nodes, the saved template, the
 * core's image, and the reasons a read fails with.
 */
import * as assert from "assert";
import type Dockerode from "dockerode";
import { forgetConnection } from "../../provider/docker/connection";
import { readPlanContext } from "../../provider/interlock/planContext";
import { LABEL_OWNERS } from "../../provider/interlock/schema";
import { LABEL_TEMPLATE_SOURCE } from "../../provider/interlock/templateStore";
import { engineError, fakeDocker } from "../support/fakeDocker";

const CONF = "com.docker.ucp.interlock.conf-";
const IMAGE = "mirantis/ucp-interlock:3.7.3";

const DEV = '[Extensions.dev]\nServiceCluster = "dev"\nPublishedPort = 8082\n';
const DEFAULT = '[Extensions.default]\nServiceCluster = ""\nPublishedPort = 8080\n';

interface FakeConfig {
  ID: string;
  name: string;
  text: string;
  labels?: Record<string, string>;
}

interface Cluster {
  mounted: string;
  configs: FakeConfig[];
  core?: boolean;
  nodesError?: Error;
}

/** The Engine API the reads see, answered from `cluster`. */
function clusterDocker(cluster: Cluster): Dockerode {
  const spec = (c: FakeConfig) => ({ Name: c.name, Labels: c.labels ?? {} });
  const byId = (id: string) => cluster.configs.find((c) => c.ID === id)!;
  const mounted = cluster.configs.find((c) => c.name === cluster.mounted)!;
  const core = {
    ID: "core",
    Version: { Index: 1 },
    Spec: {
      Name: "ucp-interlock",
      TaskTemplate: {
        ContainerSpec: {
          Image: IMAGE,
          Configs: [
            { File: { Name: "/config.toml" }, ConfigID: mounted.ID, ConfigName: mounted.name },
          ],
        },
      },
    },
  };
  const node = {
    ID: "n1",
    Version: { Index: 1 },
    Spec: { Role: "worker", Labels: { "com.docker.interlock.service.cluster": "dev" } },
    Description: { Hostname: "w1", Platform: { OS: "linux", Architecture: "x86_64" } },
    Status: { Addr: "10.0.0.11" },
  };
  return fakeDocker({
    "service.inspect": cluster.core === false ? engineError(404, "service not found") : core,
    "config.inspect": (id: string) => ({
      Spec: { ...spec(byId(id)), Data: Buffer.from(byId(id).text).toString("base64") },
    }),
    listConfigs: (opts: { filters: { name: string[] } }) =>
      cluster.configs
        .filter((c) => c.name.startsWith(opts.filters.name[0]))
        .map((c) => ({ ID: c.ID, Spec: spec(c) })),
    listNodes: cluster.nodesError ?? [node],
  }).docker;
}

/** A cluster still on UCP's first config version. */
const onUcpDefault = (cluster: Partial<Cluster>) =>
  clusterDocker({
    mounted: `${CONF}1`,
    configs: [{ ID: "c1", name: `${CONF}1`, text: DEFAULT }],
    ...cluster,
  });

describe("the live state a plan starts from", () => {
  before(forgetConnection);

  it("is the mounted config, its versions oldest first, its owners, the nodes, the saved template and the core's image", async () => {
    const context = await readPlanContext(
      clusterDocker({
        mounted: `${CONF}3`,
        configs: [
          { ID: "c3", name: `${CONF}3`, text: DEV, labels: { [LABEL_OWNERS]: '{"lab":["dev"]}' } },
          { ID: "c1", name: `${CONF}1`, text: DEFAULT },
          {
            ID: "t",
            name: "interlock-ingress.template.default",
            text: DEFAULT,
            labels: { [LABEL_TEMPLATE_SOURCE]: `${CONF}1` },
          },
        ],
      }),
      "default",
    );
    assert.strictEqual(context.live.ref.ConfigName, `${CONF}3`);
    assert.strictEqual(context.live.text, DEV);
    assert.deepStrictEqual(
      context.configs.map((c) => c.name),
      [`${CONF}1`, `${CONF}3`],
    );
    assert.deepStrictEqual(context.owners, { lab: ["dev"] });
    assert.deepStrictEqual(context.nodes, [
      {
        id: "n1",
        hostname: "w1",
        role: "worker",
        os: "linux",
        arch: "x86_64",
        ip: "10.0.0.11",
        labels: { "com.docker.interlock.service.cluster": "dev" },
        engineLabels: {},
      },
    ]);
    assert.deepStrictEqual(context.savedTemplate, {
      name: "default",
      section: { ServiceCluster: "", PublishedPort: 8080 },
      source: `the saved template interlock-ingress.template.default (from ${CONF}1)`,
    });
    assert.strictEqual(context.coreImage, IMAGE);
  });

  it("takes the owners of a version written by hand from the newest recorded one, without sections since removed", async () => {
    const context = await readPlanContext(
      clusterDocker({
        mounted: `${CONF}4`,
        configs: [
          {
            ID: "c2",
            name: `${CONF}2`,
            text: DEV + DEFAULT,
            labels: { [LABEL_OWNERS]: '{"a":["dev"],"b":["default"]}' },
          },
          { ID: "c4", name: `${CONF}4`, text: DEV },
        ],
      }),
      "default",
    );
    assert.deepStrictEqual(context.owners, { a: ["dev"], b: [] });
    assert.strictEqual(context.savedTemplate, undefined);
  });

  it("fails on a cluster without ucp-interlock, saying to enable layer-7 routing", async () => {
    await assert.rejects(readPlanContext(onUcpDefault({ core: false }), "default"), {
      message:
        "service ucp-interlock does not exist: enable layer-7 routing in UCP first (Admin Settings → Layer 7 Routing → Enable Layer 7 Routing)",
    });
  });

  it("names the connection's endpoint when the nodes cannot be listed", async () => {
    await assert.rejects(
      readPlanContext(
        onUcpDefault({
          nodesError: Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }),
        }),
        "default",
        { host: "tcp://manager.example:2376" },
      ),
      {
        message:
          "cannot reach the Docker Engine API at tcp://manager.example:2376 (connect ECONNREFUSED); " +
          "set DOCKER_HOST/DOCKER_CERT_PATH/DOCKER_TLS_VERIFY from your UCP client bundle (env.sh) or the interlock-ingress:docker stack config",
      },
    );
  });
});
