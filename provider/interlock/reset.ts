/**
 * Layer-7 routing turned off and on in MKE's UI restarts `ucp-interlock` with UCP's default
 * config: every service cluster's section is gone at once, the other stacks' and other teams'
 * as well as this stack's. The newest version this project wrote still records them (and who
 * owns each), so the next `up` of any stack puts them back instead of leaving the other
 * environments without an ingress until their own stacks run.
 */
import type Dockerode from "dockerode";
import { ConfigObject, LiveConfig, readConfigObject } from "./live";
import { ownersOf } from "./owners";
import { Owners } from "./plan";
import { CoreConfig, LABEL_OWNERS } from "./schema";
import { readSavedTemplate } from "./templateStore";
import { parseCoreConfig } from "./toml";
import { deepEqual, setOwn } from "../util/canonical";
import { sectionNames, sectionOf } from "./fold";

/** What a reset took away, as the newest recorded version has it. */
export interface Reset {
  /** The mounted config (UCP's default) the reset left. */
  liveName: string;
  /** The version the sections are restored from. */
  from: string;
  config: CoreConfig;
  owners: Owners;
  /** Sections restored beside the ones the stack writes itself. */
  restored: string[];
}

/**
 * The reset `live` is, if it is one: a version this project did not write, holding nothing but
 * the template section, while the newest version it did write held service clusters.
 */
export async function detectReset(
  docker: Dockerode,
  live: LiveConfig,
  configs: ConfigObject[],
  template: string,
): Promise<Reset | undefined> {
  if (live.labels[LABEL_OWNERS] !== undefined) return undefined;
  const present = sectionNames(live.config);
  if (present.some((s) => s !== template)) return undefined;
  // MKE restarts the core with UCP's own template section, the one saved when a stack first
  // replaced it; a template edited by hand means a person chose this config.
  const saved = await readSavedTemplate(docker, template);
  if (saved && !deepEqual(saved.section, sectionOf(live.config, template))) return undefined;
  const newest = [...configs].reverse().find((c) => c.labels[LABEL_OWNERS] !== undefined);
  if (!newest || newest.name === live.ref.ConfigName) return undefined;
  const { text, labels } = await readConfigObject(docker, newest.ID);
  const recorded = parseCoreConfig(text, `the recorded Interlock config ${newest.name}`);
  const restored = sectionNames(recorded)
    .filter((s) => s !== template)
    .sort();
  if (!restored.length) return undefined;
  const owners = ownersOf({
    ...live,
    config: recorded,
    labels,
    ref: { ...live.ref, ConfigName: newest.name },
  });
  return { liveName: live.ref.ConfigName, from: newest.name, config: recorded, owners, restored };
}

/** The live config with the reset's sections back (the live template section kept as it is). */
export function restoredConfig(live: CoreConfig, reset: Reset): CoreConfig {
  const extensions = { ...(live.Extensions ?? {}) };
  for (const name of reset.restored) {
    const section = sectionOf(reset.config, name);
    if (section) setOwn(extensions, name, section);
  }
  return { ...live, Extensions: extensions };
}

/** The preview's warning: what happened and what `up` does about it. */
export function resetWarning(reset: Reset): string {
  return (
    `ucp-interlock runs ${reset.liveName}, which has only UCP's default section: layer-7 routing was turned off and on in MKE (or the config was reset by hand); ` +
    `up puts back [Extensions.${reset.restored.join("], [Extensions.")}] as ${reset.from}, the newest version this project wrote, recorded them`
  );
}
