/**
 * The AWS settings as the IngressEdge component takes them, and the names it gives AWS
 * objects. `interlock-ingress:aws` itself is parsed in provider/config/aws.ts.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { AwsSettings } from "../config/aws";

/**
 * The settings as the IngressEdge component takes them: the IDs of the VPC, its subnets and the
 * nodes' security group may be outputs of other resources (a VPC created in the same program).
 */
export type EdgeSettings = Omit<
  AwsSettings,
  "vpcId" | "subnetIds" | "nodeSecurityGroupId" | "instanceIds"
> & {
  vpcId: pulumi.Input<string>;
  subnetIds: pulumi.Input<pulumi.Input<string>[]>;
  nodeSecurityGroupId: pulumi.Input<string>;
  instanceIds: Record<string, pulumi.Input<string>>;
};

/** Six hex digits of a hash: a short fingerprint for a name. */
export function fingerprint(...parts: string[]): string {
  return (require("crypto") as typeof import("crypto"))
    .createHash("sha256")
    .update(parts.join("\0"))
    .digest("hex")
    .slice(0, 6);
}

/**
 * A name for an AWS object within its length limit (32 for load balancers and target
 * groups): readable when it fits, otherwise cut and made unique with a short hash.
 */
export function awsName(parts: string[], max = 32): string {
  // A stack named after its environment ("dev" stack, "dev" section) says it once.
  const unique = parts.filter(
    (p, i) => p && !parts.slice(0, i).some((q) => q === p || q.endsWith(`-${p}`)),
  );
  const name = unique
    .join("-")
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, "-")
    .replace(/-+/g, "-")
    .replace(/^-|-$/g, "");
  if (name.length <= max) return name;

  const hash = fingerprint(name);
  return `${name.slice(0, max - 7).replace(/-$/, "")}-${hash}`;
}
