/**
 * The one wait loop (provider/util/poll.ts): done when a poll leaves nothing pending, what is
 * pending said as it changes, and the bound's outcome chosen by the caller.
 */
import * as assert from "assert";
import { pollUntil } from "../../provider/util/poll";

/** A step that answers `answers` in turn (the last one for good), counting its polls. */
function answering(...answers: string[][]) {
  let polls = 0;
  return {
    polls: () => polls,
    step: async () => answers[Math.min(polls++, answers.length - 1)],
  };
}

const never = (): never => {
  throw new Error("the bound was not to be reached");
};

describe("polling until nothing is pending", () => {
  it("returns the first answer that leaves nothing pending, saying what was pending as it changed", async () => {
    const said: string[] = [];
    const s = answering(["web 0/1"], ["web 0/1"], ["web 0/1", "api 0/2"], []);
    const answer = await pollUntil(
      {
        timeoutMs: 10_000,
        pauseMs: 1,
        pending: (p) => p.join(", "),
        describe: (p) => said.push(p),
        onTimeout: never,
      },
      s.step,
    );
    assert.deepStrictEqual(answer, []);
    assert.strictEqual(s.polls(), 4);
    assert.deepStrictEqual(said, ["web 0/1", "web 0/1, api 0/2"]);
  });

  it("says it before every pause when asked to", async () => {
    const said: string[] = [];
    const s = answering(["in use"], ["in use"], []);
    await pollUntil(
      {
        timeoutMs: 10_000,
        pauseMs: 1,
        pending: (p) => p.join(", "),
        describe: (p) => said.push(p),
        everyPause: true,
        onTimeout: never,
      },
      s.step,
    );
    assert.deepStrictEqual(said, ["in use", "in use"]);
  });

  it("ends in onTimeout with the last answer once the bound has passed", async () => {
    let polls = 0;
    const started = Date.now();
    await assert.rejects(
      pollUntil(
        {
          timeoutMs: 30,
          pauseMs: 5,
          pending: (n: number) => `poll ${n}`,
          onTimeout: (n) => {
            throw new Error(`still pending after poll ${n}`);
          },
        },
        async () => ++polls,
      ),
      (err) => (err as Error).message === `still pending after poll ${polls}`,
    );
    assert.ok(polls > 1, `polled ${polls} times`);
    assert.ok(Date.now() - started >= 30);
  });

  it("returns what onTimeout returns, for a wait that gives up quietly", async () => {
    const s = answering(["rolling"]);
    const answer = await pollUntil(
      { timeoutMs: 5, pauseMs: 1, pending: (p) => p.join(", "), onTimeout: () => "gave up" },
      s.step,
    );
    assert.strictEqual(answer, "gave up");
  });

  it("is done at once when the first poll finds nothing pending, whatever the bound", async () => {
    const s = answering([]);
    const answer = await pollUntil(
      { timeoutMs: 0, pending: (p) => p.join(", "), onTimeout: never },
      s.step,
    );
    assert.deepStrictEqual([answer, s.polls()], [[], 1]);
  });

  it("ends at once with a poll's own failure", async () => {
    const failed = new Error("updating demo_web failed and Swarm rollback completed");
    await assert.rejects(
      pollUntil({ timeoutMs: 10_000, pending: () => "x", onTimeout: never }, async () => {
        throw failed;
      }),
      (err) => err === failed,
    );
  });

  it("pauses through the wake-up it is given, with its own schedule as each pause's bound", async () => {
    const pauses: number[] = [];
    const s = answering(["web 0/1"], ["web 0/1"], ["web 0/1"], []);
    await pollUntil(
      {
        timeoutMs: 10_000,
        pending: (p) => p.join(", "),
        onTimeout: never,
        wakeup: {
          pause: async (ms) => {
            pauses.push(ms);
            return "event";
          },
          close: () => undefined,
          opened: Promise.resolve(true),
        },
      },
      s.step,
    );
    assert.deepStrictEqual(pauses, [100, 150, 225]);
  });
});
