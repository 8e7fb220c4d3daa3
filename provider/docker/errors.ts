/**
 * Helpers that classify Engine API errors as dockerode reports them, and the reasons a check
 * gives when the cluster, its credentials or the stack could not be read.
 */

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

/** Our own messages for a refused or expired client bundle begin so (docker/bundle.ts). */
const CREDENTIALS_NAMED = /credentials (expired|rejected):/;

/**
 * Why a check could not run, in one line, from what a failed run printed (the CLI's output, an
 * error's message): the bundle, the stack's secrets, the cluster, or else the first error line.
 */
export function whyNotChecked(text: string): string {
  const lines = text.split("\n").map((l) => l.trim());
  const named = lines.find((l) => CREDENTIALS_NAMED.test(l));
  if (named) return named.slice(named.search(CREDENTIALS_NAMED));
  const secrets = lines.find((l) => /secrets manager|incorrect passphrase/i.test(l));
  if (secrets)
    return (
      `stack secrets unreadable: ${secrets.replace(/^error:\s*/, "")}; the stack file's encryptionsalt belongs to another ` +
      `passphrase than PULUMI_CONFIG_PASSPHRASE (a file copied from another stack keeps that stack's salt): ` +
      `remove the encryptionsalt line and set the secret values again with pulumi config set --secret`
    );
  const reach = lines.find((l) => /cannot reach the Docker Engine API/.test(l));
  if (reach) return `cluster unreachable: ${reach.slice(reach.indexOf("cannot reach"))}`;
  const creds = lines.find((l) => /x509|certificate|tls:|unauthorized|401|403|forbidden/i.test(l));
  if (creds) return `credentials rejected: ${creds.replace(/^error:\s*/, "")}`;
  const error = lines.find(
    (l) => /^error:/.test(l) && !/update failed|preview failed|refresh failed/.test(l),
  );
  return `could not check: ${error ?? lines.filter(Boolean).pop() ?? "unknown error"}`;
}

/**
 * Why the Engine API did not answer `err`, from `message` (`unreachableMessage` of it): the
 * bundle as it names itself, the cluster out of reach, a TLS or HTTP refusal, or else as it is.
 */
export function whyNoAnswer(err: unknown, message: string): string {
  if (message.search(CREDENTIALS_NAMED) === 0) return message;
  if (isUnreachable(err)) return `cluster unreachable: ${message}`;
  return /x509|certificate|tls|EPROTO|401|403|unauthorized|forbidden/i.test(message)
    ? `credentials rejected: ${message}`
    : `could not check: ${message}`;
}
