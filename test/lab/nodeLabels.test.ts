import * as assert from "assert";
import {
  nodeLabelsProvider,
  NodeLabelsInputs,
  NodeLabelsOutputs,
} from "../../provider/swarm/nodeLabels";
import { baseline, docker, LAB, nodeLabels } from "../support/lab";

const CLUSTER = "com.docker.interlock.service.cluster";
const conn = { host: LAB.host };

function inputs(extra: Partial<NodeLabelsInputs> = {}): NodeLabelsInputs {
  return {
    node: LAB.dev,
    labels: { [CLUSTER]: "dev" },
    expectedCollection: "/dev",
    source: "environments.dev.ingressNodes[0]",
    connection: conn,
    ...extra,
  };
}

describe("NodeLabels against the lab swarm", function () {
  this.timeout(300_000);
  before(baseline);

  describe("check, at preview time", () => {
    const cases: Array<[string, Partial<NodeLabelsInputs>, RegExp]> = [
      [
        "a node that is not in the swarm",
        { node: "ip-10-0-0-99.us-west-2.compute.internal" },
        /environments\.dev\.ingressNodes\[0\]: node "ip-10-0-0-99\.us-west-2\.compute\.internal" is not in the swarm; use one of: .*ip-10-213-0-11/,
      ],
      [
        "a manager when workers only",
        { node: LAB.manager, expectedCollection: undefined },
        /is a manager, but ingress nodes must be workers/,
      ],
      [
        "a node of another collection",
        { node: LAB.test },
        /node "ip-10-213-0-12\.us-west-2\.compute\.internal" is in collection "\/test" \(com\.docker\.ucp\.access\.label\), not "\/dev"/,
      ],
      [
        "an unreachable Engine API",
        { connection: { host: "unix:///run/interlock-lab/nowhere.sock" } },
        /cannot reach the Docker Engine API at unix:\/\/\/run\/interlock-lab\/nowhere\.sock/,
      ],
    ];
    for (const [name, extra, expected] of cases) {
      it(`fails for ${name}, naming the field and the fix`, async () => {
        const result = await nodeLabelsProvider.check!(undefined as never, inputs(extra));
        const reasons = (result.failures ?? []).map((f) => f.reason);
        assert.ok(
          reasons.some((r) => expected.test(r)),
          `expected ${expected} in ${JSON.stringify(reasons)}`,
        );
      });
    }
    it("passes for the dev worker in /dev", async () => {
      const result = await nodeLabelsProvider.check!(undefined as never, inputs());
      assert.deepStrictEqual(result.failures ?? [], []);
    });
  });

  describe("create, update, read, delete", () => {
    let outs: NodeLabelsOutputs;
    let id: string;

    it("create puts the label on the node and leaves its other labels alone", async () => {
      docker("node", "update", "--label-add", "team=web", LAB.dev);
      const created = await nodeLabelsProvider.create(inputs());
      id = created.id;
      outs = created.outs!;
      const live = await nodeLabels(LAB.dev);
      assert.strictEqual(live[CLUSTER], "dev");
      assert.strictEqual(live.team, "web");
      assert.strictEqual(live["com.docker.ucp.access.label"], "/dev");
      assert.strictEqual(outs.hostname, LAB.dev);
      assert.match(
        docker("node", "inspect", LAB.dev, "--format", "{{json .Spec.Labels}}"),
        /"com.docker.interlock.service.cluster":"dev"/,
      );
    });

    it("update changes owned labels and drops owned keys no longer declared", async () => {
      const news = inputs({ labels: { [CLUSTER]: "dev", "com.example.tier": "edge" } });
      outs = (await nodeLabelsProvider.update!(id, outs, news)).outs!;
      let live = await nodeLabels(LAB.dev);
      assert.strictEqual(live["com.example.tier"], "edge");
      const fewer = inputs();
      outs = (await nodeLabelsProvider.update!(id, outs, fewer)).outs!;
      live = await nodeLabels(LAB.dev);
      assert.strictEqual(live["com.example.tier"], undefined);
      assert.strictEqual(live[CLUSTER], "dev");
      assert.strictEqual(live.team, "web");
    });

    it("read sees a label removed by hand, and a changed value", async () => {
      docker("node", "update", "--label-rm", CLUSTER, LAB.dev);
      let read = await nodeLabelsProvider.read!(id, outs);
      assert.deepStrictEqual(read.props!.labels, {});
      docker("node", "update", "--label-add", `${CLUSTER}=prod`, LAB.dev);
      read = await nodeLabelsProvider.read!(id, outs);
      assert.deepStrictEqual(read.props!.labels, { [CLUSTER]: "prod" });
      assert.deepStrictEqual(read.inputs!.labels, { [CLUSTER]: "prod" });
      assert.deepStrictEqual(
        ["nodeId", "hostname"].filter((k) => k in read.inputs!),
        [],
        "inputs hold no outputs",
      );
      const diff = await nodeLabelsProvider.diff!(id, read.props!, inputs());
      assert.strictEqual(diff.changes, true);
      assert.deepStrictEqual(diff.replaces, []);
    });

    it("a node change forces a replacement", async () => {
      const diff = await nodeLabelsProvider.diff!(id, outs, inputs({ node: LAB.test }));
      assert.deepStrictEqual(diff.replaces, ["node"]);
    });

    it("delete removes only its own labels, and only while they hold the value it set", async () => {
      // The label now says prod (set by hand above): someone else's value stays.
      await nodeLabelsProvider.delete!(id, outs);
      assert.strictEqual((await nodeLabels(LAB.dev))[CLUSTER], "prod");
      docker("node", "update", "--label-add", `${CLUSTER}=dev`, LAB.dev);
      await nodeLabelsProvider.delete!(id, outs);
      const live = await nodeLabels(LAB.dev);
      assert.strictEqual(live[CLUSTER], undefined);
      assert.strictEqual(live.team, "web");
      assert.strictEqual(live["com.docker.ucp.access.label"], "/dev");
      docker("node", "update", "--label-rm", "team", LAB.dev);
    });

    it("gives back the value it overwrote when it is deleted, through an update too", async () => {
      docker("node", "update", "--label-add", `${CLUSTER}=old`, LAB.dev);
      const made = await nodeLabelsProvider.create(inputs({ labels: { [CLUSTER]: "qa" } }));
      assert.deepStrictEqual(made.outs!.replaced, { [CLUSTER]: "old" });
      assert.strictEqual((await nodeLabels(LAB.dev))[CLUSTER], "qa");
      const updated = await nodeLabelsProvider.update!(
        made.id,
        made.outs!,
        inputs({ labels: { [CLUSTER]: "qa2" } }),
      );
      assert.deepStrictEqual(updated.outs!.replaced, { [CLUSTER]: "old" });
      await nodeLabelsProvider.delete!(made.id, updated.outs as NodeLabelsOutputs);
      assert.strictEqual((await nodeLabels(LAB.dev))[CLUSTER], "old");
      docker("node", "update", "--label-rm", CLUSTER, LAB.dev);
    });

    it("survives concurrent writers through the version index", async () => {
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          nodeLabelsProvider.create(inputs({ labels: { [`com.example.k${i}`]: `v${i}` } })),
        ),
      );
      const live = await nodeLabels(LAB.dev);
      for (let i = 0; i < 6; i++) assert.strictEqual(live[`com.example.k${i}`], `v${i}`);
      await Promise.all(results.map((r) => nodeLabelsProvider.delete!(r.id, r.outs!)));
      const after = await nodeLabels(LAB.dev);
      assert.ok(!Object.keys(after).some((k) => k.startsWith("com.example.")));
    });
  });
});
