/**
 * `interlock.release`: stacks whose sections and ingress nodes are nobody's any more. A stack
 * removed with `pulumi stack rm --force` still owns its sections on the config's owners
 * label, and no other stack could take them or their nodes. Releasing it makes them what a
 * hand-made section is: adopted by a stack that declares the environment, left as they are
 * otherwise. The next version this stack writes records the release.
 */
import { CONFIG_NAMESPACE } from "../config/errors";
import { Owners } from "./plan";
import { Problem } from "./render";

/** The owners with the released stacks left out. */
export function releasedOwners(owners: Owners, released: string[] = []): Owners {
  return Object.fromEntries(Object.entries(owners).filter(([s]) => !released.includes(s)));
}

/** Whether the owners recorded live still name a released stack (the release is unwritten). */
export function releasePending(owners: Owners, released: string[] = []): boolean {
  return released.some((s) => (owners[s] ?? []).length > 0);
}

/** Releasing this stack is an error; releasing one that owns nothing is a leftover setting. */
export function releaseProblems(
  owners: Owners,
  stack: string,
  released: string[] = [],
  liveName?: string,
): Problem[] {
  const at = `${CONFIG_NAMESPACE}:interlock.release`;
  return released.flatMap((s): Problem[] => {
    if (s === stack)
      return [
        {
          severity: "error",
          message: `${at}: "${s}" is this stack; a stack releases others' sections, not its own (remove an environment to give its section up)`,
        },
      ];
    if (!(owners[s] ?? []).length)
      return [
        {
          severity: "warning",
          message: `${at}: stack "${s}" owns no section${liveName ? ` of ${liveName}` : ""} (already released, or never owned one); remove it from the setting`,
        },
      ];
    return [];
  });
}
