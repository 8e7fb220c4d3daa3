/**
 * The waits' wake-up on Swarm's events (provider/docker/events.ts), on the lab manager: a
 * change Swarm reports ends a pause before its bound; none, or a daemon that cannot be reached,
 * leaves the pause to its bound.
 */
import * as assert from "assert";
import { connect } from "../../provider/docker/connection";
import { swarmWakeup, withWakeup } from "../../provider/docker/events";
import { pollUntil } from "../../provider/util/poll";
import { docker, LAB, labDocker } from "../support/lab";

const SERVICE = "lab-test-events";
const LABEL = "lab-test-events";
/** Far beyond anything the lab takes to report a change: only a broken wake-up waits it out. */
const LONG_MS = 120_000;

function removeService(): void {
  try {
    docker("service", "rm", SERVICE);
  } catch {
    // not there
  }
}

describe("Swarm's events wake a wait", function () {
  this.timeout(300_000);
  before(removeService);
  after(() => {
    removeService();
    docker("node", "update", "--label-rm", LABEL, LAB.dev);
  });

  it("a service created during a pause ends it", async () => {
    const wakeup = swarmWakeup(labDocker(), ["service"]);
    try {
      assert.strictEqual(await wakeup.opened, true);
      const woken = wakeup.pause(LONG_MS);
      docker(
        "service",
        "create",
        "--detach",
        "--quiet",
        "--name",
        SERVICE,
        "--no-resolve-image",
        "--replicas",
        "0",
        "lab/docker-demo:lab",
      );
      assert.strictEqual(await woken, "event");
    } finally {
      wakeup.close();
    }
  });

  it("an event between two polls makes the next pause end at once", async () => {
    await withWakeup(labDocker(), ["node"], async (wakeup) => {
      assert.strictEqual(await wakeup.opened, true);
      docker("node", "update", "--label-add", `${LABEL}=1`, LAB.dev);
      // The label is read back when Swarm has it; the event has arrived by then or soon after.
      const seen = await pollUntil(
        {
          timeoutMs: 30_000,
          pending: (labels: string) => (labels.includes(LABEL) ? "" : "the label"),
          onTimeout: () => assert.fail("the node label never showed"),
        },
        async () => docker("node", "inspect", "--format", "{{json .Spec.Labels}}", LAB.dev),
      );
      assert.ok(seen);
      assert.strictEqual(await wakeup.pause(LONG_MS), "event");
    });
  });

  it("a pause with no event of its types lasts its bound", async () => {
    // Nothing in the lab creates secrets while this runs.
    await withWakeup(labDocker(), ["secret"], async (wakeup) => {
      assert.strictEqual(await wakeup.opened, true);
      assert.strictEqual(await wakeup.pause(300), "tick");
    });
  });

  it("without an event stream, a pause is the plain sleep", async () => {
    const nowhere = connect({ host: "unix:///run/interlock-lab/no-such-daemon.sock" });
    const wakeup = swarmWakeup(nowhere, ["service"]);
    assert.strictEqual(await wakeup.opened, false);
    const started = Date.now();
    assert.strictEqual(await wakeup.pause(300), "tick");
    assert.ok(Date.now() - started >= 290, "the pause still waited");
    wakeup.close();
  });
});
