/**
 * Which stack owns which `[Extensions.<name>]` sections: a JSON label on every config
 * version this project writes. A version written by hand has no label; then the newest
 * version that has one still tells, so a hand edit does not hand another stack's sections
 * to whoever runs next.
 */
import { LiveConfig, ConfigObject } from "./live";
import { Owners } from "./plan";
import { LABEL_OWNERS } from "./schema";
import { setOwn } from "../util/canonical";
import { sectionNames } from "./fold";

function parseOwners(text: string, where: string): Owners {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(
      `label ${LABEL_OWNERS} on ${where} is not JSON (${JSON.stringify(text.slice(0, 80))}); fix or remove the label`,
    );
  }
  const ok =
    value &&
    typeof value === "object" &&
    !Array.isArray(value) &&
    Object.values(value).every((v) => Array.isArray(v) && v.every((s) => typeof s === "string"));
  if (!ok)
    throw new Error(
      `label ${LABEL_OWNERS} on ${where} is not {"<stack>": ["<section>", ...]}; fix or remove the label`,
    );
  return value as Owners;
}

/** Owners from the live config's label, else from the newest labelled version (oldest first in `configs`). */
export function ownersOf(live: LiveConfig, configs: ConfigObject[] = []): Owners {
  const label = live.labels[LABEL_OWNERS];
  if (label !== undefined) return parseOwners(label, live.ref.ConfigName);
  const newest = [...configs].reverse().find((c) => c.labels[LABEL_OWNERS] !== undefined);
  if (!newest) return {};
  const present = new Set(sectionNames(live.config));
  const owners = parseOwners(newest.labels[LABEL_OWNERS], newest.name);
  // Sections since removed by hand are nobody's any more.
  return Object.fromEntries(
    Object.entries(owners).map(([stack, s]) => [stack, s.filter((n) => present.has(n))]),
  ) as Owners;
}

/** The owners with `stack` owning exactly `sections` (none: the stack is dropped). */
export function withOwner(current: Owners, stack: string, sections: string[]): Owners {
  const out = { ...current };
  // A stack may be named `__proto__`: assigned, it would set the prototype instead.
  if (sections.length) setOwn(out, stack, [...sections].sort());
  else delete out[stack];
  return out;
}
