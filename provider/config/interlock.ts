/** `interlock-ingress:interlock`: how the Interlock config is rolled out. */
import { configKey } from "./errors";
import { isRecord, isStringList, isWholeIn } from "./predicates";
import { parseImagesSetting, type ImagesSetting } from "../interlock/images";

/** How the Interlock config is rolled out. */
export interface InterlockSettings {
  /** Section every environment inherits its other keys from (UCP's `default`). */
  template: string;
  /** Drop the template section from the config, as the blog does when it renames it. */
  replaceTemplate: boolean;
  /** Config versions (`com.docker.ucp.interlock.conf-N`) to keep. */
  keepVersions: number;
  /** Remove extension/proxy services whose section is gone (the blog's NOTE). */
  removeStaleServices: boolean;
  /** Bound on waiting for rollout and for every cluster's services to converge. */
  verifyTimeoutSeconds: number;
  /** Refuse manager nodes as ingress nodes. */
  workersOnly: boolean;
  /**
   * Images of the owned sections after an MKE upgrade (provider/interlock/images.ts); absent
   * means as the template has them. Optional, so stacks that do not set it see no change.
   */
  images?: ImagesSetting;
  /** Days before the client bundle's certificate expires that preview and drift warn (14). */
  bundleExpiryWarnDays?: number;
  /**
   * Stacks that are gone (`pulumi stack rm --force`) whose sections and ingress nodes this
   * stack may take (provider/interlock/release.ts).
   */
  release?: string[];
}

/** The rollout settings when the stack sets none. */
export const DEFAULT_INTERLOCK: InterlockSettings = {
  template: "default",
  replaceTemplate: true,
  keepVersions: 5,
  removeStaleServices: true,
  verifyTimeoutSeconds: 300,
  workersOnly: true,
};

/** The settings that have no default, each with its parser; the others take their default's type. */
const OPTIONAL_SETTINGS: Record<
  "images" | "bundleExpiryWarnDays" | "release",
  (at: string, v: unknown, into: InterlockSettings, problems: string[]) => void
> = {
  images(_at, v, into, problems) {
    const parsed = parseImagesSetting(v);
    problems.push(...parsed.problems);
    if (!parsed.problems.length && parsed.value !== "keep") into.images = parsed.value;
  },
  bundleExpiryWarnDays(at, v, into, problems) {
    if (!isWholeIn(v, 0))
      problems.push(
        `${at}: expected a whole number of days (0 turns the warning off), got ${JSON.stringify(v)}`,
      );
    else into.bundleExpiryWarnDays = v as number;
  },
  release(at, v, into, problems) {
    if (!isStringList(v))
      problems.push(
        `${at}: expected a list of stack names, e.g. ["dev"], got ${JSON.stringify(v)}`,
      );
    else if (v.length) into.release = [...new Set(v)];
  },
};

/** Parses `interlock-ingress:interlock` over the defaults, adding its problems to `problems`. */
export function parseInterlockSettings(raw: unknown, problems: string[]): InterlockSettings {
  const interlock = { ...DEFAULT_INTERLOCK };
  if (raw === undefined) return interlock;
  const key = configKey("interlock");
  if (!isRecord(raw)) {
    problems.push(`${key}: expected a table, e.g. {template: default, keepVersions: 5}`);
    return interlock;
  }
  for (const [k, v] of Object.entries(raw)) parseSetting(`${key}.${k}`, k, v, interlock, problems);
  if (!Number.isInteger(interlock.keepVersions) || interlock.keepVersions < 2) {
    problems.push(
      `${key}.keepVersions: keep at least 2 versions so a rollback target always exists`,
    );
  }
  if (!(interlock.verifyTimeoutSeconds > 0)) {
    problems.push(`${key}.verifyTimeoutSeconds: must be a positive number of seconds`);
  }
  return interlock;
}

/** One key of the table: an optional setting, or one of the defaults' with its type. */
function parseSetting(
  at: string,
  k: string,
  v: unknown,
  into: InterlockSettings,
  problems: string[],
): void {
  if (Object.hasOwn(OPTIONAL_SETTINGS, k)) {
    OPTIONAL_SETTINGS[k as keyof typeof OPTIONAL_SETTINGS](at, v, into, problems);
    return;
  }
  if (!(k in DEFAULT_INTERLOCK)) {
    problems.push(
      `${at}: unknown setting; known: ${[...Object.keys(DEFAULT_INTERLOCK), ...Object.keys(OPTIONAL_SETTINGS)].join(", ")}`,
    );
    return;
  }
  const expected = typeof (DEFAULT_INTERLOCK as unknown as Record<string, unknown>)[k];
  if (typeof v !== expected) {
    problems.push(`${at}: expected a ${expected}, got ${JSON.stringify(v)}`);
    return;
  }
  (into as unknown as Record<string, unknown>)[k] = v;
}
