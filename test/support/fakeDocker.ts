/**
 * A dockerode stand-in for the object layer's edge cases (a 404 on remove, a stale version
 * index on update) that the lab cannot produce on demand; every call is recorded. It knows
 * nothing of Swarm: the lab tests run the same code against a real one.
 */
import type Dockerode from "dockerode";

export interface Call {
  method: string;
  args: unknown[];
}

/** An Engine API error as dockerode reports it: the HTTP status, and the daemon's own message. */
export function engineError(statusCode: number, message: string): Error {
  return Object.assign(new Error(`(HTTP code ${statusCode}) unexpected - ${message}`), {
    statusCode,
    json: { message },
  });
}

/** What Swarm answers an update whose version index another writer made stale. */
export function outOfSequence(): Error {
  return engineError(500, "rpc error: code = Unknown desc = update out of sequence");
}

/** Answers in turn: the first call gets the first, and so on; the last one repeats. */
export function inTurn(...answers: unknown[]): (...args: unknown[]) => unknown {
  let next = 0;
  return () => answers[Math.min(next++, answers.length - 1)];
}

/**
 * A fake client answering each method from `answers`: a value, an Error to reject with, or a
 * function of the call's arguments. Root methods are named as dockerode names them
 * (`listConfigs`), a handle's as `<kind>.<method>` (`service.update`), called with its ID first.
 */
export function fakeDocker(answers: Record<string, unknown>): { docker: Dockerode; calls: Call[] } {
  const calls: Call[] = [];
  const answer = async (method: string, args: unknown[]) => {
    calls.push({ method, args });
    if (!(method in answers)) throw new Error(`the fake Docker has no answer for ${method}`);
    const given = answers[method];
    const value = typeof given === "function" ? await given(...args) : given;
    if (value instanceof Error) throw value;
    return value;
  };
  const root =
    (method: string) =>
    (...args: unknown[]) =>
      answer(method, args);
  const handle = (kind: string) => (id: string) => ({
    id,
    inspect: (...args: unknown[]) => answer(`${kind}.inspect`, [id, ...args]),
    remove: (...args: unknown[]) => answer(`${kind}.remove`, [id, ...args]),
    update: (...args: unknown[]) => answer(`${kind}.update`, [id, ...args]),
  });
  const docker = {
    ...Object.fromEntries(
      ["Services", "Tasks", "Nodes", "Networks", "Configs", "Secrets"].map((k) => [
        `list${k}`,
        root(`list${k}`),
      ]),
    ),
    ...Object.fromEntries(
      ["Service", "Network", "Config", "Secret"].map((k) => [`create${k}`, root(`create${k}`)]),
    ),
    ...Object.fromEntries(
      ["service", "node", "network", "config", "secret"].map((k) => [
        `get${k[0].toUpperCase()}${k.slice(1)}`,
        handle(k),
      ]),
    ),
  };
  return { docker: docker as unknown as Dockerode, calls };
}
