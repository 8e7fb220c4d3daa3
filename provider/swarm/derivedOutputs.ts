/**
 * The Swarm resources' outputs that are not drift by themselves (`npm run drift`), each list
 * typed against its resource's outputs. Apart from the provider modules so that drift does not
 * load them, and the Pulumi SDK with them (about 0.3 s of a 0.5 s check).
 */
import type { AppStackOutputs } from "./appStack";
import type { NodeLabelsOutputs } from "./nodeLabels";
import type { OverlayNetworkOutputs } from "./overlayNetwork";

/** Which node `node` names, not what is set on it: labels changed by hand show as `labels.*`. */
export const NODE_LABELS_DERIVED_OUTPUTS = [
  "nodeId",
  "hostname",
] as const satisfies readonly (keyof NodeLabelsOutputs)[];

/** None: a network recreated by hand has a new `networkId`, and that is drift. */
export const OVERLAY_NETWORK_DERIVED_OUTPUTS =
  [] as const satisfies readonly (keyof OverlayNetworkOutputs)[];

/** None: the live services are what drift compares. */
export const APP_STACK_DERIVED_OUTPUTS = [] as const satisfies readonly (keyof AppStackOutputs)[];
