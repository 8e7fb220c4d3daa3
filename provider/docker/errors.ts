/** Helpers that classify Engine API errors as dockerode reports them. */

interface EngineError {
  statusCode?: number;
  json?: { message?: string };
  message?: string;
  code?: string;
}

/** The daemon's own message when there is one, otherwise the client's. */
export function engineMessage(err: unknown): string {
  const e = err as EngineError;
  const fromJson = e?.json?.message;
  return (fromJson ?? e?.message ?? String(err)).trim();
}

/** True for the Engine API's 404: the object does not exist. */
export function isNotFound(err: unknown): boolean {
  return (err as EngineError)?.statusCode === 404;
}

/** True for the Engine API's 409: the name is taken. */
export function isConflict(err: unknown): boolean {
  return (err as EngineError)?.statusCode === 409;
}

/** Swarm's answer to an update whose version index is stale (optimistic concurrency). */
export function isOutOfSequence(err: unknown): boolean {
  return /update out of sequence/i.test(engineMessage(err));
}

/** True when the Engine API could not be reached at all (as opposed to refusing a request). */
export function isUnreachable(err: unknown): boolean {
  const code = (err as EngineError)?.code;
  return [
    "ECONNREFUSED",
    "ENOENT",
    "EHOSTUNREACH",
    "ETIMEDOUT",
    "ENOTFOUND",
    "EACCES",
    "ECONNRESET",
  ].includes(code ?? "");
}
