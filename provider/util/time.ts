/** Resolves after `ms` milliseconds: the pause between polls of Swarm's state. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * The pauses of one wait's polls: 100 ms at first, since most of Swarm's changes land within a
 * few hundred milliseconds and a fixed second costs half a second per wait on average, growing
 * by half each poll to `maxMs` so a long wait does not press on the managers.
 */
export function pollPauses(maxMs = 1000): () => number {
  let next = Math.min(100, maxMs);
  return () => {
    const now = next;
    next = Math.min(maxMs, Math.ceil(next * 1.5));
    return now;
  };
}
