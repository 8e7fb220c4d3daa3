/**
 * Swarm's optimistic concurrency: an update carries the version index of the object as it was
 * read, and Swarm refuses it when another writer changed the object since ("update out of
 * sequence"). Reading again and writing again merges the other writer's change instead of
 * losing it or overwriting it.
 */
import { isOutOfSequence } from "./errors";

/** How many times an update with a stale version index is re-read and retried. */
export const VERSION_RETRIES = 8;

export interface VersionRetryOptions {
  /** Which failures of a write mean the object changed since it was read (default: Swarm's own). */
  changed?: (err: unknown) => boolean;
  /** What to throw for a write that failed for good, given its failure (default: that failure). */
  failed?: (err: unknown) => unknown;
  /** Called before each new read, with the failure that made the write try again. */
  onRetry?: (err: unknown) => void;
}

/**
 * `write(await read())`, read and written again while the write fails because the object
 * changed in between, at most VERSION_RETRIES more times. A failure of `read` is thrown as it is.
 */
export async function withVersionRetry<T, R>(
  read: () => Promise<T>,
  write: (current: T) => Promise<R>,
  options: VersionRetryOptions = {},
): Promise<R> {
  const changed = options.changed ?? isOutOfSequence;
  for (let attempt = 0; ; attempt++) {
    const current = await read();
    try {
      return await write(current);
    } catch (err) {
      if (changed(err) && attempt < VERSION_RETRIES) {
        options.onRetry?.(err);
        continue;
      }
      throw options.failed ? options.failed(err) : err;
    }
  }
}
