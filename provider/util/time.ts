/** Resolves after `ms` milliseconds: the pause between polls of Swarm's state. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
