/**
 * Swarm's event stream (`GET /events`) as the wake-up of a wait: Swarm reports a service's
 * update state as it changes ("updatestate.new": completed, rollback_completed, ...), so the
 * poll that sees it follows the event instead of the next tick of up to a second. The stream is
 * only a hint: a wait keeps its own pauses as the bound, so what Swarm reports no event for (a
 * task starting) and a daemon, proxy or dropped stream without events cost only the tick.
 */
import type Dockerode from "dockerode";
import { pollUntil, type PollOptions } from "../util/poll";
import { sleep } from "../util/time";

/** Why a pause ended. */
export type Woken = "event" | "tick";

export interface Wakeup {
  /** Waits `ms`, or less when an event has arrived since the last pause began. */
  pause(ms: number): Promise<Woken>;
  /** Ends the stream; a pause after it is a plain sleep. */
  close(): void;
  /** Whether the stream opened: false where the Engine gives none (pauses then only sleep). */
  opened: Promise<boolean>;
}

/** Events closer together than this wake one poll: a rollout sends several in a burst. */
const SETTLE_MS = 50;

/**
 * A wake-up on Swarm's events of the given types (`service`, `node`, ...). The stream opens in
 * the background: a proxy in front of the Engine may hold back its headers until the first
 * event, and the wait must not wait for that.
 */
export function swarmWakeup(docker: Dockerode, types: string[]): Wakeup {
  // Aborting ends the request too while it still waits for its headers.
  const abort = new AbortController();
  let arrived = false;
  let wake: (() => void) | undefined;
  const opening = Promise.resolve()
    .then(() => docker.getEvents({ filters: { type: types }, abortSignal: abort.signal } as never))
    .then(
      (opened) => {
        const stream = opened as unknown as NodeJS.ReadableStream;
        stream.on("data", () => {
          arrived = true;
          wake?.();
        });
        // A dropped stream only ends the early wake-ups.
        stream.on("error", () => undefined);
        return true;
      },
      () => false,
    );
  return {
    opened: opening,
    async pause(ms) {
      if (!arrived) {
        await new Promise<void>((resolve) => {
          let timer: NodeJS.Timeout | undefined = undefined;
          const done = () => {
            clearTimeout(timer);
            wake = undefined;
            resolve();
          };
          timer = setTimeout(done, ms);
          wake = done;
        });
        if (!arrived) return "tick";
      }
      await sleep(SETTLE_MS);
      arrived = false;
      return "event";
    },
    close() {
      wake = undefined;
      abort.abort();
    },
  };
}

/** Runs `wait` with a wake-up on Swarm's events of `types`, closed when the wait ends. */
export async function withWakeup<T>(
  docker: Dockerode,
  types: string[],
  wait: (wakeup: Wakeup) => Promise<T>,
): Promise<T> {
  const wakeup = swarmWakeup(docker, types);
  try {
    return await wait(wakeup);
  } finally {
    wakeup.close();
  }
}

/** `pollUntil` whose pauses end early when Swarm reports a service change. */
export function pollOnServiceEvents<T, R>(
  docker: Dockerode,
  options: PollOptions<T, R>,
  step: () => Promise<T>,
): Promise<T | R> {
  return withWakeup(docker, ["service"], (wakeup) => pollUntil({ ...options, wakeup }, step));
}
