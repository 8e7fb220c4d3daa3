/**
 * A refresh's events reduced to drift (scripts/lib/drift.ts): what each provider reads from live
 * state without it being drift is left out, and only that.
 */
import * as assert from "assert";
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { driftOf } from "../../scripts/lib/drift";

const DYNAMIC = "pulumi-nodejs:dynamic";

/** The refresh's event for one resource: what its state held and what its read returned. */
function refreshed(
  type: string,
  before: Record<string, unknown>,
  after: Record<string, unknown>,
): EngineEvent {
  const urn = `urn:pulumi:lab::interlock-ingress::${DYNAMIC}/${type}::r`;
  return {
    sequence: 0,
    timestamp: 0,
    resOutputsEvent: {
      metadata: {
        op: "update",
        urn,
        type: `${DYNAMIC}/${type}`,
        provider: "",
        old: { type, urn, inputs: {}, outputs: before, provider: "" },
        new: { type, urn, inputs: {}, outputs: after, provider: "" },
      },
    },
  } as unknown as EngineEvent;
}

/** The drifted resources and their properties' paths after one resource's read. */
const drifted = (type: string, before: Record<string, unknown>, after: Record<string, unknown>) =>
  driftOf("lab", [refreshed(type, before, after)]).resources.map((r) => [
    r.type,
    r.properties.map((p) => p.path),
  ]);

describe("drift of a refresh", () => {
  it("leaves out the mounted config's name and version and each cluster's status", () => {
    const before = { configName: "conf-3", configVersion: 3, clusters: { dev: {} } };
    const after = { configName: "conf-4", configVersion: 4, clusters: { dev: { pending: ["t"] } } };
    const sections = { dev: { A: 1 } };
    assert.deepStrictEqual(
      driftOf("lab", [
        refreshed("interlock:InterlockConfig", { ...before, sections }, { ...after, sections }),
      ]),
      { stack: "lab", status: "clean", resources: [] },
    );
  });

  it("names a hand edit of a section beside them", () => {
    assert.deepStrictEqual(
      drifted(
        "interlock:InterlockConfig",
        { configName: "conf-3", sections: { dev: { A: 1 } } },
        { configName: "conf-4", sections: { dev: { A: 2 } } },
      ),
      [["interlock:InterlockConfig", ["sections.dev.A"]]],
    );
  });

  it("leaves out the node's ID and hostname but not its labels", () => {
    assert.deepStrictEqual(
      drifted(
        "swarm:NodeLabels",
        { nodeId: "a", hostname: "w1", labels: { x: "1" } },
        { nodeId: "b", hostname: "w1.lab", labels: { x: "2" } },
      ),
      [["swarm:NodeLabels", ["labels.x"]]],
    );
  });

  it("names a network recreated by hand by its new ID", () => {
    assert.deepStrictEqual(
      drifted("swarm:OverlayNetwork", { networkId: "n1" }, { networkId: "n2" }),
      [["swarm:OverlayNetwork", ["networkId"]]],
    );
  });
});
