/**
 * Inputs every resource of this library carries for the provider contract, not for what it
 * manages: the serialized provider (dynamicResource.ts), the behaviour version its diff
 * compares, the Engine API's endpoint and credentials. A review or drift report leaves them out.
 * Apart from dynamicResource.ts, which loads the Pulumi SDK (about 0.3 s), so that the commands
 * reading recorded events need not.
 */
export const CONTRACT_PROPERTIES = ["__provider", "providerVersion", "connection"] as const;
