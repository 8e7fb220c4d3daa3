// The library: dynamic resources for the Swarm side, the AWS edge component, and the typed
// stack config both are derived from.
export * from "./config/errors";
export * from "./config/environments";
export * from "./config/interlock";
export * from "./config/topology";
export { suggest } from "./config/didYouMean";
export type { DockerConnection } from "./docker/connection";
export { NodeLabels } from "./swarm/nodeLabels";
export type { NodeLabelsArgs } from "./swarm/nodeLabels";
export { OverlayNetwork } from "./swarm/overlayNetwork";
export type { OverlayNetworkArgs } from "./swarm/overlayNetwork";
export { AppStack } from "./swarm/appStack";
export type { AppStackArgs, ServiceSummary } from "./swarm/appStack";
export { AppRoutes } from "./swarm/appRoutes";
export type { AppRoutesArgs } from "./swarm/appRoutes";
export { InterlockConfig } from "./interlock/interlockConfig";
export type { InterlockConfigArgs } from "./interlock/interlockConfig";
export { IngressEdge } from "./aws/ingressEdge";
export type { IngressEdgeArgs, EnvironmentEdge } from "./aws/ingressEdge";
export { parseAwsSettings } from "./config/aws";
export type { AwsSettings } from "./config/aws";
export { planConfig } from "./interlock/plan";
export type { Plan } from "./interlock/plan";
export { renderSection, mergeConfig } from "./interlock/render";
export { validateCoreConfig } from "./interlock/validate";
