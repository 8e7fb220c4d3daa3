/**
 * Pulumi's mocks for the parts that cannot run here (AWS): every registration is recorded
 * with its inputs so tests assert the exact resource graph, and lookups answer like EC2.
 */
import * as pulumi from "@pulumi/pulumi";

export interface Registration {
  type: string;
  name: string;
  inputs: Record<string, any>;
}

export const registrations: Registration[] = [];

/** An EC2 instance as the mocked lookups describe it. */
export interface MockInstance {
  id: string;
  privateDns: string;
  state: string;
  subnetId: string;
}

/** The mocked account: instances and subnets with their VPCs and availability zones. */
export const world: {
  instances: MockInstance[];
  subnets: Record<string, { vpcId: string; availabilityZone: string }>;
  /** Load balancers that exist before the program runs, by name. */
  loadBalancers: Record<string, { internal: boolean; subnets: string[] }>;
} = {
  instances: [],
  subnets: {},
  loadBalancers: {},
};

export const BLOG_VPC = "vpc-0c1d2e3f4a5b6c7d8";

/** The blog's cluster: one ingress node per environment, each in its own AZ and subnet. */
export function blogWorld(): void {
  world.loadBalancers = {};
  world.subnets = {
    "subnet-0a1b2c3d4e5f60718": { vpcId: BLOG_VPC, availabilityZone: "us-west-2a" },
    "subnet-0b2c3d4e5f6071829": { vpcId: BLOG_VPC, availabilityZone: "us-west-2b" },
    "subnet-0c3d4e5f60718293a": { vpcId: BLOG_VPC, availabilityZone: "us-west-2c" },
  };
  world.instances = [
    {
      id: "i-0aaaaaaaaaaaaaaa1",
      privateDns: "ip-127-13-5-3.us-west-2.compute.internal",
      state: "running",
      subnetId: "subnet-0a1b2c3d4e5f60718",
    },
    {
      id: "i-0aaaaaaaaaaaaaaa2",
      privateDns: "ip-127-13-6-2.us-west-2.compute.internal",
      state: "running",
      subnetId: "subnet-0b2c3d4e5f6071829",
    },
    {
      id: "i-0aaaaaaaaaaaaaaa3",
      privateDns: "ip-127-13-1-6.us-west-2.compute.internal",
      state: "running",
      subnetId: "subnet-0c3d4e5f60718293a",
    },
  ];
}

export function installMocks(config: Record<string, unknown>, stack = "dev"): void {
  const all: Record<string, string> = {};
  for (const [k, v] of Object.entries(config))
    all[k] = typeof v === "string" ? v : JSON.stringify(v);
  pulumi.runtime.setAllConfig(all);
  pulumi.runtime.setMocks(
    {
      newResource(args: pulumi.runtime.MockResourceArgs) {
        registrations.push({ type: args.type, name: args.name, inputs: args.inputs });
        const state: Record<string, unknown> = { ...args.inputs };
        if (/^aws:/.test(args.type))
          state.arn = `arn:aws:mock:us-west-2:123456789012:${args.type.split(":").pop()}/${args.name}`;
        if (args.type === "aws:lb/loadBalancer:LoadBalancer") {
          state.dnsName = `${args.inputs.name}-0123456789.elb.us-west-2.amazonaws.com`;
          state.zoneId = "Z18D5FSROUN65G";
        }
        return { id: `${args.name}-id`, state };
      },
      call(args: pulumi.runtime.MockCallArgs) {
        // EC2 answers a lookup by ID that matches nothing with an error, not an empty result.
        if (args.token === "aws:ec2/getSubnet:getSubnet") {
          const subnet = world.subnets[args.inputs.id as string];
          if (!subnet) throw new Error(`no matching EC2 Subnet found`);
          return { id: args.inputs.id, ...subnet };
        }
        if (args.token === "aws:lb/getLoadBalancer:getLoadBalancer") {
          const lb = world.loadBalancers[args.inputs.name as string];
          if (!lb) throw new Error(`finding ELBv2 Load Balancer: couldn't find resource`);
          return { name: args.inputs.name, ...lb };
        }
        if (args.token === "aws:ec2/getInstances:getInstances") {
          const filters = (args.inputs.filters ?? []) as Array<{ name: string; values: string[] }>;
          const dns = filters.find((f) => f.name === "private-dns-name")?.values ?? [];
          const states = (args.inputs.instanceStateNames as string[] | undefined) ?? ["running"];
          const found = world.instances.filter(
            (i) => dns.includes(i.privateDns) && states.includes(i.state),
          );
          return { ids: found.map((i) => i.id), privateIps: [], publicIps: [], ipv6Addresses: [] };
        }
        if (args.token === "aws:ec2/getInstance:getInstance") {
          const i = world.instances.find((x) => x.id === args.inputs.instanceId);
          if (!i)
            throw new Error(
              `Your query returned no results. Please change your search criteria and try again.`,
            );
          return {
            id: i.id,
            instanceState: i.state,
            subnetId: i.subnetId,
            privateDns: i.privateDns,
            availabilityZone: world.subnets[i.subnetId]?.availabilityZone,
          };
        }
        throw new Error(`unexpected call ${args.token}`);
      },
    },
    "interlock-ingress",
    stack,
    true,
  );
}

export function resetRegistrations(): void {
  registrations.length = 0;
}

/** Resolves once registrations have stopped arriving (outputs feed later registrations). */
export async function settled(): Promise<Registration[]> {
  let last = -1;
  while (last !== registrations.length) {
    last = registrations.length;
    await new Promise((r) => setTimeout(r, 50));
  }
  return registrations;
}

export function ofType(type: string): Registration[] {
  return registrations.filter((r) => r.type === type);
}
