/**
 * The Docker object layer (provider/docker/objects.ts) against a fake client: the requests it
 * makes, an exact name among the ones Swarm's name filter matches, and a 404 on remove counted
 * as gone. The lab suites run the same functions against a real Swarm.
 */
import * as assert from "assert";
import {
  ensureData,
  ensureNetwork,
  findByName,
  findId,
  listObjects,
  removeNamed,
  removeObject,
  updateService,
} from "../../provider/docker/objects";
import { engineError, fakeDocker } from "../support/fakeDocker";

const b64 = (text: string) => Buffer.from(text).toString("base64");

describe("the Docker object layer", () => {
  describe("finding by name", () => {
    it("finds the object named exactly so, not the others the name filter matches", async () => {
      const { docker, calls } = fakeDocker({
        listConfigs: [
          { ID: "c1", Spec: { Name: "demo_web-2", Data: "" } },
          { ID: "c2", Spec: { Name: "demo_web", Data: "" } },
        ],
      });
      assert.strictEqual((await findByName(docker, "config", "demo_web"))?.ID, "c2");
      assert.deepStrictEqual(calls, [
        { method: "listConfigs", args: [{ filters: { name: ["demo_web"] } }] },
      ]);
    });

    it("reads a network's name and ID at the top, where the Engine API puts them", async () => {
      const { docker } = fakeDocker({
        listNetworks: [
          { Id: "n1", Name: "ingress_dev2", Driver: "overlay" },
          { Id: "n2", Name: "ingress_dev", Driver: "overlay" },
        ],
      });
      assert.strictEqual(await findId(docker, "network", "ingress_dev"), "n2");
      assert.strictEqual(await findId(docker, "network", "ingress"), undefined);
    });

    it("lists without filters as dockerode's own call without options does", async () => {
      const { docker, calls } = fakeDocker({ listNodes: [] });
      await listObjects(docker, "node");
      assert.deepStrictEqual(calls, [{ method: "listNodes", args: [{}] }]);
    });
  });

  describe("removing", () => {
    it("counts an object already gone (404) as removed before, not as a failure", async () => {
      const { docker } = fakeDocker({
        "config.remove": engineError(404, "config c1 not found"),
        "secret.remove": "",
      });
      assert.strictEqual(await removeObject(docker, "config", "c1"), false);
      assert.strictEqual(await removeObject(docker, "secret", "s1"), true);
    });

    it("throws any other failure as the Engine API reported it", async () => {
      const inUse = engineError(
        400,
        "rpc error: code = InvalidArgument desc = config c1 is in use",
      );
      const { docker } = fakeDocker({ "config.remove": inUse });
      await assert.rejects(removeObject(docker, "config", "c1"), (err) => err === inUse);
    });

    it("names the object in one line when a person reads the failure", async () => {
      const { docker } = fakeDocker({
        "service.remove": engineError(500, "rpc error: code = Unavailable desc = no leader"),
      });
      await assert.rejects(
        removeNamed(docker, "service", "ucp-interlock-proxy-old"),
        /^Error: removing service ucp-interlock-proxy-old failed: rpc error: code = Unavailable desc = no leader$/,
      );
      const gone = fakeDocker({ "service.remove": engineError(404, "service x not found") });
      assert.strictEqual(await removeNamed(gone.docker, "service", "x"), false);
    });
  });

  describe("ensuring", () => {
    it("creates what is missing with its spec in the request body only", async () => {
      const { docker, calls } = fakeDocker({ listSecrets: [], createSecret: { id: "s9" } });
      assert.strictEqual(await ensureData(docker, "secret", "demo_key", { a: "b" }, "v"), "s9");
      assert.deepStrictEqual(calls[1], {
        method: "createSecret",
        args: [{ _query: {}, _body: { Name: "demo_key", Labels: { a: "b" }, Data: b64("v") } }],
      });
    });

    it("returns what exists by that name and creates nothing", async () => {
      const { docker, calls } = fakeDocker({
        listNetworks: [{ Id: "n2", Name: "demo_default", Driver: "overlay" }],
      });
      assert.strictEqual(await ensureNetwork(docker, "demo_default", { Driver: "overlay" }), "n2");
      assert.deepStrictEqual(
        calls.map((c) => c.method),
        ["listNetworks"],
      );
    });

    it("names a network it creates and refuses a duplicate name", async () => {
      const { docker, calls } = fakeDocker({ listNetworks: [], createNetwork: { id: "n3" } });
      await ensureNetwork(docker, "demo_default", { Driver: "overlay" });
      assert.deepStrictEqual(calls[1].args, [
        { _query: {}, _body: { Name: "demo_default", CheckDuplicate: true, Driver: "overlay" } },
      ]);
    });
  });

  it("writes a service under the version index it was read at", async () => {
    const { docker, calls } = fakeDocker({ "service.update": "" });
    const spec = { Name: "ucp-interlock" };
    await updateService(docker, { ID: "svc1", Version: { Index: 41 } }, spec, {
      rollback: "previous",
    });
    assert.deepStrictEqual(calls, [
      {
        method: "service.update",
        args: ["svc1", { _query: { version: 41, rollback: "previous" }, _body: spec }],
      },
    ]);
  });
});
