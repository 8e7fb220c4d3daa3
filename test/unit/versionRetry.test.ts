/**
 * Swarm's optimistic concurrency (provider/docker/versionRetry.ts) and its users, against a
 * fake client: a write that Swarm refuses with "update out of sequence" is read and written
 * again; any other failure is not.
 */
import * as assert from "assert";
import { VERSION_RETRIES, withVersionRetry } from "../../provider/docker/versionRetry";
import { updateNodeLabels } from "../../provider/docker/swarm";
import { upsertService } from "../../provider/swarm/stackObjects";
import { engineError, fakeDocker, inTurn, outOfSequence } from "../support/fakeDocker";

/** A read that answers version 1, 2, ... and a write that fails as `failures` say, in turn. */
function versioned(...failures: Array<Error | undefined>) {
  const reads: number[] = [];
  const writes: number[] = [];
  let version = 0;
  return {
    reads,
    writes,
    read: async () => {
      reads.push(++version);
      return version;
    },
    write: async (v: number) => {
      writes.push(v);
      const failure = failures[writes.length - 1];
      if (failure) throw failure;
      return `wrote over version ${v}`;
    },
  };
}

describe("a write under Swarm's version index", () => {
  const stale: Array<[string, () => Error]> = [
    ["HTTP 500 with the daemon's message", outOfSequence],
    [
      "dockerode's message alone",
      () => new Error("(HTTP code 500) server error - update out of sequence"),
    ],
  ];
  for (const [title, error] of stale) {
    it(`is read and written again when Swarm finds the version stale (${title})`, async () => {
      const w = versioned(error());
      assert.strictEqual(await withVersionRetry(w.read, w.write), "wrote over version 2");
      assert.deepStrictEqual(
        [w.reads, w.writes],
        [
          [1, 2],
          [1, 2],
        ],
      );
    });
  }

  it("throws any other failure at once, as it is", async () => {
    const refused = engineError(400, "rpc error: code = InvalidArgument desc = invalid spec");
    const w = versioned(refused);
    await assert.rejects(withVersionRetry(w.read, w.write), (err) => err === refused);
    assert.deepStrictEqual(w.writes, [1]);
  });

  it(`gives up after ${VERSION_RETRIES} more attempts, throwing what \`failed\` makes of the last failure`, async () => {
    const w = versioned(...Array.from({ length: 20 }, outOfSequence));
    const retried: unknown[] = [];
    await assert.rejects(
      withVersionRetry(w.read, w.write, {
        failed: (err) => new Error(`gave up: ${(err as Error).message}`),
        onRetry: (err) => retried.push(err),
      }),
      /^Error: gave up: \(HTTP code 500\) unexpected - rpc error: code = Unknown desc = update out of sequence$/,
    );
    assert.strictEqual(w.writes.length, VERSION_RETRIES + 1);
    assert.strictEqual(retried.length, VERSION_RETRIES);
  });

  it("throws a failing read as it is, not through `failed`", async () => {
    const down = Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
    await assert.rejects(
      withVersionRetry(
        async () => {
          throw down;
        },
        async () => "never",
        { failed: () => new Error("wrapped") },
      ),
      (err) => err === down,
    );
  });

  it("retries what `changed` recognises instead of a stale version index", async () => {
    const taken = engineError(409, "name conflicts with an existing object");
    const w = versioned(taken, outOfSequence());
    const changed = (err: unknown) => (err as { statusCode?: number }).statusCode === 409;
    await assert.rejects(withVersionRetry(w.read, w.write, { changed }), /update out of sequence/);
    assert.deepStrictEqual(w.writes, [1, 2]);
  });
});

describe("node labels under a stale version index", () => {
  it("are applied again to the node as read anew, keeping a concurrent writer's label", async () => {
    const node = (version: number, labels: Record<string, string>) => ({
      ID: "w1",
      Version: { Index: version },
      Spec: { Role: "worker", Labels: labels },
    });
    const { docker, calls } = fakeDocker({
      "node.inspect": inTurn(
        node(10, { a: "1" }),
        node(11, { a: "1", theirs: "x" }),
        node(12, { a: "1", theirs: "x", ours: "y" }),
      ),
      "node.update": inTurn(outOfSequence(), ""),
    });
    const updated = await updateNodeLabels(docker, "w1", (labels) => ({ ...labels, ours: "y" }));
    assert.deepStrictEqual(updated.Spec.Labels, { a: "1", theirs: "x", ours: "y" });
    const updates = calls.filter((c) => c.method === "node.update").map((c) => c.args[1]);
    assert.deepStrictEqual(updates, [
      { _query: { version: 10 }, _body: { Role: "worker", Labels: { a: "1", ours: "y" } } },
      {
        _query: { version: 11 },
        _body: { Role: "worker", Labels: { a: "1", theirs: "x", ours: "y" } },
      },
    ]);
  });
});

describe("a stack's service deploy under a stale version index", () => {
  const live = (version: number) => [
    { ID: "s1", Version: { Index: version }, Spec: { Name: "demo_web" } },
  ];

  it("is retried on the service as listed anew", async () => {
    const { docker, calls } = fakeDocker({
      listServices: inTurn(live(3), live(4)),
      "service.update": inTurn(outOfSequence(), ""),
    });
    await upsertService(docker, "demo", { Name: "demo_web" });
    const versions = calls
      .filter((c) => c.method === "service.update")
      .map((c) => (c.args[1] as { _query: { version: number } })._query.version);
    assert.deepStrictEqual(versions, [3, 4]);
  });

  it("fails naming the stack and the service, with the daemon's reason", async () => {
    const { docker } = fakeDocker({
      listServices: [],
      createService: engineError(400, "rpc error: code = InvalidArgument desc = no such image"),
    });
    await assert.rejects(
      upsertService(docker, "demo", { Name: "demo_web" }),
      /^Error: stack demo: deploying demo_web failed: rpc error: code = InvalidArgument desc = no such image$/,
    );
  });
});
