/**
 * Waiting for Swarm, or for Interlock working through it, to get somewhere: a poll, then a
 * pause, until a poll finds nothing pending or the bound has passed. Each wait names its bound
 * where it calls this, and what happens there: a failure, a warning, or what was seen last.
 */
import type { Wakeup } from "../docker/events";
import { pollPauses, sleep } from "./time";

export interface PollOptions<T, R> {
  /** How long to poll, in ms; a later poll that still finds something pending ends the wait. */
  timeoutMs: number;
  /** What a poll's answer leaves pending, in words (what `describe` says); "" when nothing is. */
  pending: (answer: T) => string;
  /** The longest pause between polls, which grow to it as pollPauses says (default 1000). */
  pollMs?: number;
  /** A fixed pause instead, for a wait on something that changes at a pace of its own. */
  pauseMs?: number;
  /** Says what is pending, before a pause: when it changed since the last pause, or every time. */
  describe?: (pending: string) => void;
  everyPause?: boolean;
  /** Ends a pause early when Swarm reports a change (../docker/events.ts). */
  wakeup?: Wakeup;
  /** At the bound, with the last answer: throws, or returns what pollUntil returns. */
  onTimeout: (last: T) => R | Promise<R>;
}

/** Polls `step` until its answer leaves nothing pending, and returns that answer. */
export async function pollUntil<T, R>(
  options: PollOptions<T, R>,
  step: () => Promise<T>,
): Promise<T | R> {
  const deadline = Date.now() + options.timeoutMs;
  const fixed = options.pauseMs;
  const pause = fixed === undefined ? pollPauses(options.pollMs) : () => fixed;
  let said = "";
  for (;;) {
    const answer = await step();
    const pending = options.pending(answer);
    if (!pending) return answer;
    if (Date.now() > deadline) return options.onTimeout(answer);
    if (options.describe && (options.everyPause || pending !== said)) options.describe(pending);
    said = pending;
    if (options.wakeup) await options.wakeup.pause(pause());
    else await sleep(pause());
  }
}
