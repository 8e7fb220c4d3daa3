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

/** EC2 instances the mocked `aws.ec2.getInstance` knows, by private DNS name. */
export const instances: Record<string, string> = {};

export function installMocks(config: Record<string, unknown>, stack = "dev"): void {
  const all: Record<string, string> = {};
  for (const [k, v] of Object.entries(config)) all[k] = typeof v === "string" ? v : JSON.stringify(v);
  pulumi.runtime.setAllConfig(all);
  pulumi.runtime.setMocks(
    {
      newResource(args: pulumi.runtime.MockResourceArgs) {
        registrations.push({ type: args.type, name: args.name, inputs: args.inputs });
        const state: Record<string, unknown> = { ...args.inputs };
        if (/^aws:/.test(args.type)) state.arn = `arn:aws:mock:us-west-2:123456789012:${args.type.split(":").pop()}/${args.name}`;
        if (args.type === "aws:lb/loadBalancer:LoadBalancer") {
          state.dnsName = `${args.inputs.name}-0123456789.elb.us-west-2.amazonaws.com`;
          state.zoneId = "Z18D5FSROUN65G";
        }
        return { id: `${args.name}-id`, state };
      },
      call(args: pulumi.runtime.MockCallArgs) {
        if (args.token === "aws:ec2/getInstance:getInstance") {
          const filters = (args.inputs.filters ?? []) as Array<{ name: string; values: string[] }>;
          const dns = filters.find((f) => f.name === "private-dns-name")?.values[0];
          const id = dns ? instances[dns] : undefined;
          // EC2 answers a lookup that matches nothing with an error, not an empty result.
          if (!id) throw new Error(`Your query returned no results. Please change your search criteria and try again.`);
          return { id, privateDnsName: dns, instanceState: "running" };
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
