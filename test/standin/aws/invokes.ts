/**
 * The data sources the project calls (provider/aws/placement.ts), over moto, with results in
 * @pulumi/aws's shapes (ec2/getInstances.d.ts, getInstance.d.ts, getSubnet.d.ts).
 */
import * as ec2 from "@aws-sdk/client-ec2";
import * as elbv2 from "@aws-sdk/client-elastic-load-balancing-v2";
import type { AwsClients } from "../moto";
import { standInDnsName } from "../timeline";
import { Props, unwrap } from "./values";

export const GET_INSTANCES = "aws:ec2/getInstances:getInstances";
export const GET_INSTANCE = "aws:ec2/getInstance:getInstance";
export const GET_SUBNET = "aws:ec2/getSubnet:getSubnet";
export const GET_LOAD_BALANCER = "aws:lb/getLoadBalancer:getLoadBalancer";

type Filter = { name: string; values: string[] };

function filters(args: Props): ec2.Filter[] {
  return ((args.filters as Filter[]) ?? []).map((f) => ({ Name: f.name, Values: f.values }));
}

const tagMap = (tags: ec2.Tag[] | undefined) =>
  Object.fromEntries((tags ?? []).map((t) => [t.Key!, t.Value ?? ""]));

async function instances(aws: AwsClients, request: ec2.DescribeInstancesCommandInput) {
  const r = await aws.ec2.send(new ec2.DescribeInstancesCommand(request));
  return (r.Reservations ?? []).flatMap((x) => x.Instances ?? []);
}

export async function invoke(aws: AwsClients, token: string, raw: Props): Promise<Props> {
  const args = unwrap(raw);
  switch (token) {
    case GET_INSTANCES: {
      // data_source_instances.go: instance-state-name defaults to running.
      const states = (args.instanceStateNames as string[]) ?? ["running"];
      const found = await instances(aws, {
        Filters: [
          ...filters(args),
          { Name: "instance-state-name", Values: states },
          ...Object.entries((args.instanceTags as Record<string, string>) ?? {}).map(([k, v]) => ({
            Name: `tag:${k}`,
            Values: [v],
          })),
        ],
      });
      return {
        ...args,
        id: "us-west-2",
        ids: found.map((i) => i.InstanceId!),
        privateIps: found.map((i) => i.PrivateIpAddress ?? ""),
        publicIps: found.map((i) => i.PublicIpAddress ?? ""),
        ipv6Addresses: [],
        instanceTags: args.instanceTags ?? {},
        region: "us-west-2",
      };
    }
    case GET_INSTANCE: {
      const found = await instances(aws, {
        InstanceIds: args.instanceId ? [String(args.instanceId)] : undefined,
        Filters: filters(args).length ? filters(args) : undefined,
      });
      // data_source_instance.go: exactly one match, else an error.
      if (found.length !== 1)
        throw new Error(
          `Your query returned ${found.length ? "more than one" : "no"} result${found.length ? "s" : ""}. Please change your search criteria and try again.`,
        );
      const i = found[0];
      return {
        ...args,
        id: i.InstanceId,
        instanceId: i.InstanceId,
        arn: `arn:aws:ec2:us-west-2:123456789012:instance/${i.InstanceId}`,
        ami: i.ImageId,
        availabilityZone: i.Placement?.AvailabilityZone,
        instanceState: i.State?.Name,
        instanceType: i.InstanceType,
        privateDns: i.PrivateDnsName,
        privateIp: i.PrivateIpAddress,
        publicDns: i.PublicDnsName ?? "",
        publicIp: i.PublicIpAddress ?? "",
        subnetId: i.SubnetId,
        vpcSecurityGroupIds: (i.SecurityGroups ?? []).map((g) => g.GroupId!),
        securityGroups: (i.SecurityGroups ?? []).map((g) => g.GroupName!),
        tags: tagMap(i.Tags),
        instanceTags: tagMap(i.Tags),
        region: "us-west-2",
      };
    }
    case GET_SUBNET: {
      const r = await aws.ec2.send(
        new ec2.DescribeSubnetsCommand({
          SubnetIds: args.id ? [String(args.id)] : undefined,
          Filters: filters(args).length ? filters(args) : undefined,
        }),
      );
      const found = r.Subnets ?? [];
      if (found.length !== 1)
        throw new Error(`no matching EC2 Subnet found (${found.length} matched)`);
      const s = found[0];
      return {
        ...args,
        id: s.SubnetId,
        arn: s.SubnetArn,
        availabilityZone: s.AvailabilityZone,
        availabilityZoneId: s.AvailabilityZoneId,
        availableIpAddressCount: s.AvailableIpAddressCount,
        cidrBlock: s.CidrBlock,
        defaultForAz: s.DefaultForAz,
        mapPublicIpOnLaunch: s.MapPublicIpOnLaunch,
        ownerId: s.OwnerId,
        state: s.State,
        tags: tagMap(s.Tags),
        vpcId: s.VpcId,
        region: "us-west-2",
      };
    }
    case GET_LOAD_BALANCER: {
      // data_source_load_balancer.go: by name or ARN, exactly one, else an error.
      const r = await aws.elbv2
        .send(
          new elbv2.DescribeLoadBalancersCommand(
            args.arn ? { LoadBalancerArns: [String(args.arn)] } : { Names: [String(args.name)] },
          ),
        )
        .catch(() => ({ LoadBalancers: [] }));
      const found = r.LoadBalancers ?? [];
      if (found.length !== 1)
        throw new Error(
          `finding ELBv2 Load Balancer: couldn't find resource (${found.length} matched)`,
        );
      const lb = found[0];
      return {
        ...args,
        id: lb.LoadBalancerArn,
        arn: lb.LoadBalancerArn,
        name: lb.LoadBalancerName,
        internal: lb.Scheme === "internal",
        loadBalancerType: lb.Type,
        subnets: (lb.AvailabilityZones ?? []).map((z) => z.SubnetId!),
        securityGroups: lb.SecurityGroups ?? [],
        dnsName: standInDnsName(lb.LoadBalancerArn!, lb.LoadBalancerName!),
        vpcId: lb.VpcId,
        region: "us-west-2",
      };
    }
  }
  throw new Error(`the AWS stand-in does not implement the function ${token}`);
}
