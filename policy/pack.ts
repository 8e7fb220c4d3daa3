/**
 * The policy pack the engine runs for `--policy-pack policy` (PulumiPolicy.yaml): the rules
 * of rules.ts, with the stack's environments read from the stack config the engine hands the
 * pack (PULUMI_CONFIG).
 */
import { PolicyPack } from "@pulumi/policy";
import { policies, stackEnvironmentsFrom } from "./rules";

new PolicyPack("interlock-ingress", {
  policies: policies({ environments: () => stackEnvironmentsFrom(process.env.PULUMI_CONFIG) }),
});
