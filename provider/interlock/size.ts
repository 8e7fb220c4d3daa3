/**
 * Swarm's limit on a config's size, checked at preview: swarmkit refuses a config whose data
 * is `MaxConfigSize` (1000 * 1024 bytes) or more ("config data must be larger than 0 and less
 * than 1024000 bytes", manager/controlapi/config.go validateConfigSpec), and the rollout's
 * `docker config create` would fail after the preview said nothing.
 */
import { encodeConfigText } from "./bytes";
import { error, Problem } from "./render";
import { sectionSpans } from "./sectionPatch";

/** swarmkit's `MaxConfigSize`: a config's data must be shorter. */
export const MAX_CONFIG_BYTES = 1000 * 1024;

const bytes = (n: number) => `${n.toLocaleString("en-US")} bytes`;

/** The error when `text` (the merged config as written) is too big for Swarm, else undefined. */
export function configSizeProblem(text: string, liveName?: string): Problem | undefined {
  const size = encodeConfigText(text).length;
  if (size < MAX_CONFIG_BYTES) return undefined;
  const largest = sectionSpans(text)
    .map((s) => ({ label: s.label, size: encodeConfigText(s.text).length }))
    .sort((a, b) => b.size - a.size || a.label.localeCompare(b.label))
    .slice(0, 5)
    .map((s) => `${s.label} ${bytes(s.size)}`);
  return error(
    `the merged Interlock config${liveName ? ` (over ${liveName})` : ""} would be ${bytes(size)}, and Swarm refuses a config of ` +
      `${bytes(MAX_CONFIG_BYTES)} or more (swarmkit MaxConfigSize, 1000 KiB); the largest sections: ${largest.join(", ")}; ` +
      `remove sections nobody uses or shrink the largest before this stack can write`,
  );
}
