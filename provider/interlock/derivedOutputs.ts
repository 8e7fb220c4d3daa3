/**
 * InterlockConfig's outputs that are not drift by themselves (`npm run drift`), typed against
 * its outputs. Apart from interlockConfig.ts so that drift does not load the provider, and the
 * Pulumi SDK with it (about 0.3 s of a 0.5 s check).
 */
import type { InterlockConfigOutputs } from "./interlockConfig";

/**
 * The mounted config's name and version move whenever any stack on the cluster rolls out (one
 * stack per environment), and so does each cluster's status; a hand edit or swap of this
 * stack's sections shows as `sections.*` instead.
 */
export const INTERLOCK_CONFIG_DERIVED_OUTPUTS = [
  "configName",
  "configVersion",
  "clusters",
] as const satisfies readonly (keyof InterlockConfigOutputs)[];
