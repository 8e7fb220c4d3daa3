/**
 * The project's stack-config namespace and the one error type for its problems: every parser
 * under provider/config collects problems, each naming its key and the fix, and throws them
 * together.
 */

/** The namespace of the project's keys in `Pulumi.<stack>.yaml`. */
export const CONFIG_NAMESPACE = "interlock-ingress";

/** `interlock-ingress:<path>`, the key a problem names. */
export function configKey(path: string): string {
  return `${CONFIG_NAMESPACE}:${path}`;
}

/** Every problem of a stack config, each naming its key and the fix. */
export class StackConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(`invalid stack config:\n  - ${problems.join("\n  - ")}`);
    this.name = "TopologyError";
  }
}

/** The earlier name of StackConfigError, from when it covered the topology only. */
export const TopologyError = StackConfigError;
export type TopologyError = StackConfigError;

/** Throws the problems collected, if any. */
export function throwIfAny(problems: string[]): void {
  if (problems.length) throw new StackConfigError(problems);
}
