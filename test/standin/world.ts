/**
 * A world for the edge to land in, created in moto: a VPC with one subnet in each of
 * us-west-2a/b/c, a Route 53 hosted zone, the ingress nodes' security group, running EC2
 * instances (moto names them ip-10-0-<n>-<m>.us-west-2.compute.internal after their private
 * IP) and one stopped instance.
 */
import * as ec2 from "@aws-sdk/client-ec2";
import * as r53 from "@aws-sdk/client-route-53";
import type { AwsClients } from "./moto";

export interface WorldNode {
  instanceId: string;
  /** The private DNS name: what `ingressNodes` lists. */
  host: string;
  availabilityZone: string;
  subnetId: string;
}

export interface World {
  vpcId: string;
  /** One per zone, in the order of `zones`. */
  subnetIds: string[];
  zones: string[];
  nodeSecurityGroupId: string;
  /** The hosted zone's ID (without /hostedzone/) and name. */
  dnsZoneId: string;
  dnsZoneName: string;
  /** Running instances, `perZone` in each zone, zone by zone. */
  nodes: WorldNode[];
  /** One stopped instance in the first zone. */
  stopped: WorldNode;
  /** host → instance ID of every node (running and stopped), for `aws.instanceIds`. */
  instanceIds: Record<string, string>;
}

export interface WorldOptions {
  /** Running instances per zone (default 1). */
  perZone?: number;
  /** The hosted zone's name (default lab.example.com). */
  zoneName?: string;
}

/** Creates the world in moto. */
export async function seedWorld(aws: AwsClients, opts: WorldOptions = {}): Promise<World> {
  const perZone = opts.perZone ?? 1;
  const dnsZoneName = opts.zoneName ?? "lab.example.com";
  const zones = ["us-west-2a", "us-west-2b", "us-west-2c"];
  const vpcId = (await aws.ec2.send(new ec2.CreateVpcCommand({ CidrBlock: "10.0.0.0/16" }))).Vpc!
    .VpcId!;
  const subnetIds: string[] = [];
  for (const [i, zone] of zones.entries()) {
    const s = await aws.ec2.send(
      new ec2.CreateSubnetCommand({
        VpcId: vpcId,
        CidrBlock: `10.0.${i}.0/24`,
        AvailabilityZone: zone,
      }),
    );
    subnetIds.push(s.Subnet!.SubnetId!);
  }
  const nodeSecurityGroupId = (
    await aws.ec2.send(
      new ec2.CreateSecurityGroupCommand({
        GroupName: "ingress-nodes",
        Description: "UCP ingress nodes",
        VpcId: vpcId,
      }),
    )
  ).GroupId!;
  // One of moto's built-in AMIs (listing all 1,300 of them takes seconds).
  const image = "ami-12c6146b";
  const launch = async (subnetId: string, count: number): Promise<WorldNode[]> => {
    const r = await aws.ec2.send(
      new ec2.RunInstancesCommand({
        ImageId: image,
        InstanceType: "m5.large",
        MinCount: count,
        MaxCount: count,
        SubnetId: subnetId,
        SecurityGroupIds: [nodeSecurityGroupId],
      }),
    );
    return r.Instances!.map((i) => ({
      instanceId: i.InstanceId!,
      host: i.PrivateDnsName!,
      availabilityZone: i.Placement!.AvailabilityZone!,
      subnetId,
    }));
  };
  const nodes: WorldNode[] = [];
  for (const subnetId of subnetIds) nodes.push(...(await launch(subnetId, perZone)));
  const [stopped] = await launch(subnetIds[0], 1);
  await aws.ec2.send(new ec2.StopInstancesCommand({ InstanceIds: [stopped.instanceId] }));
  const zone = await aws.route53.send(
    new r53.CreateHostedZoneCommand({ Name: dnsZoneName, CallerReference: `world-${Date.now()}` }),
  );
  return {
    vpcId,
    subnetIds,
    zones,
    nodeSecurityGroupId,
    dnsZoneId: zone.HostedZone!.Id!.replace(/^\/hostedzone\//, ""),
    dnsZoneName,
    nodes,
    stopped,
    instanceIds: Object.fromEntries([...nodes, stopped].map((n) => [n.host, n.instanceId])),
  };
}
