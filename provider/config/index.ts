// The stack config (`Pulumi.<stack>.yaml`, namespace `interlock-ingress:`): a parser per key
// family, each collecting every problem with its key and the fix into one StackConfigError.
// Modules under provider/ import the file they need, not this barrel (a dynamic provider's
// closure captures what its module imports).
export * from "./errors";
export * from "./predicates";
export * from "./didYouMean";
export * from "./environments";
export * from "./interlock";
export * from "./topology";
export * from "./aws";
export * from "./demo";
export * from "./apps";
export * from "./smoke";
export * from "./docker";
export * from "./stack";
