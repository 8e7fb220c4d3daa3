/**
 * Where the load balancers and their targets are, checked at preview: an NLB only sends
 * traffic to targets in availability zones its subnets enable (others stay `Target.NotInUse`
 * while `up` succeeds), so every ingress node must be found exactly once, be running, sit in
 * the NLB's VPC and in an AZ one of its subnets covers; and the subnets must be one per AZ.
 * The lookups are EC2 invokes, which the engine answers during preview.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import type { EnvironmentSpec } from "../config/environments";
import { CONFIG_NAMESPACE } from "../config/errors";
import type { AwsSettings } from "../config/aws";
import { EdgeSettings } from "./settings";

/** A load-balancer subnet as EC2 describes it. */
export interface SubnetFacts {
  id: string;
  vpcId: string;
  availabilityZone: string;
}

/** An ingress node as EC2 lookups found it (none, one or several instances). */
export interface NodeFacts {
  host: string;
  /** Where the node came from in the stack config, for messages. */
  source: string;
  /** Instances whose private DNS name is the host (all states), or the configured ID. */
  matches: string[];
  instance?: { id: string; state: string; availabilityZone: string; vpcId: string };
}

/** Every placement problem, each naming the config key and the fix; pure, for tests. */
export function placementProblems(
  settings: Pick<AwsSettings, "vpcId">,
  subnets: SubnetFacts[],
  nodes: NodeFacts[],
): string[] {
  const key = (k: string) => `${CONFIG_NAMESPACE}:aws.${k}`;
  const problems: string[] = [];
  const zones = new Map<string, string>();
  subnets.forEach((s, i) => {
    if (s.vpcId !== settings.vpcId) {
      problems.push(
        `${key(`subnetIds[${i}]`)}: ${s.id} is in ${s.vpcId}, not in the load balancers' VPC ${settings.vpcId}; list subnets of ${settings.vpcId}`,
      );
    }
    const other = zones.get(s.availabilityZone);
    if (other) {
      problems.push(
        `${key(`subnetIds[${i}]`)}: ${s.id} and ${other} are both in ${s.availabilityZone}; a load balancer takes one subnet per availability zone`,
      );
    } else zones.set(s.availabilityZone, s.id);
  });
  for (const n of nodes) {
    if (n.matches.length === 0) {
      problems.push(
        `${n.source}: no EC2 instance has the private DNS name ${n.host}; fix the hostname or set ${key(`instanceIds.${n.host}`)}`,
      );
      continue;
    }
    if (n.matches.length > 1) {
      problems.push(
        `${n.source}: ${n.matches.length} EC2 instances have the private DNS name ${n.host} (${n.matches.join(", ")}); set ${key(`instanceIds.${n.host}`)} to the one that is the node`,
      );
      continue;
    }
    const i = n.instance;
    if (!i) continue;
    if (i.state !== "running") {
      problems.push(
        `${n.source}: ${n.host} (${i.id}) is ${i.state}; a load balancer target must be a running instance; start it or remove it from ingressNodes`,
      );
    }
    if (i.vpcId !== settings.vpcId) {
      problems.push(
        `${n.source}: ${n.host} (${i.id}) is in ${i.vpcId}, not in the load balancers' VPC ${settings.vpcId} (${key("vpcId")})`,
      );
    } else if (!zones.has(i.availabilityZone)) {
      problems.push(
        `${n.source}: ${n.host} (${i.id}) is in ${i.availabilityZone}, which none of ${key("subnetIds")} covers (${[...zones.keys()].sort().join(", ")}); ` +
          `add a subnet of ${i.availabilityZone}, or its traffic never arrives`,
      );
    }
  }
  return problems;
}

/** Looks up the subnets and the environment's ingress nodes; fails with every problem found. */
export function checkedTargets(
  env: EnvironmentSpec,
  settings: EdgeSettings,
  subnets: pulumi.Output<SubnetFacts[]>,
  parent: pulumi.Resource,
): pulumi.Output<Record<string, string>> {
  const opts = { parent };
  const hosts = [
    ...env.ingressNodes.map((host, i) => ({
      host,
      source: `${CONFIG_NAMESPACE}:environments.${env.name}.ingressNodes[${i}]`,
    })),
    ...(settings.extraTargets[env.name] ?? []).map((host, i) => ({
      host,
      source: `${CONFIG_NAMESPACE}:aws.extraTargets.${env.name}[${i}]`,
    })),
  ];
  const nodes = hosts.map(({ host, source }) => {
    const configured = settings.instanceIds[host];
    const matches = configured
      ? pulumi.output(configured).apply((id) => [id])
      : aws.ec2
          .getInstancesOutput(
            {
              filters: [{ name: "private-dns-name", values: [host] }],
              instanceStateNames: ["pending", "running", "stopping", "stopped"],
            },
            opts,
          )
          .apply((r) => r.ids);
    return matches.apply((ids): pulumi.Output<NodeFacts> | NodeFacts => {
      if (ids.length !== 1) return { host, source, matches: ids };
      return aws.ec2.getInstanceOutput({ instanceId: ids[0] }, opts).apply((inst) =>
        aws.ec2.getSubnetOutput({ id: inst.subnetId }, opts).apply((subnet) => ({
          host,
          source,
          matches: ids,
          instance: {
            id: ids[0],
            state: inst.instanceState,
            availabilityZone: inst.availabilityZone,
            vpcId: subnet.vpcId,
          },
        })),
      );
    });
  });
  return pulumi.all([subnets, pulumi.all(nodes), settings.vpcId]).apply(([facts, found, vpcId]) => {
    const problems = placementProblems({ vpcId }, facts, found as NodeFacts[]);
    if (problems.length) {
      throw new pulumi.ResourceError(
        `the ${env.name} load balancer cannot reach its targets:\n  - ${problems.join("\n  - ")}`,
        parent,
        true,
      );
    }
    return Object.fromEntries((found as NodeFacts[]).map((n) => [n.host, n.instance!.id]));
  });
}

/** The load balancers' subnets as EC2 describes them. */
export function subnetFacts(
  settings: EdgeSettings,
  parent: pulumi.Resource,
): pulumi.Output<SubnetFacts[]> {
  return pulumi
    .output(settings.subnetIds)
    .apply((ids) =>
      pulumi.all(
        ids.map((id) =>
          aws.ec2
            .getSubnetOutput({ id }, { parent })
            .apply((s) => ({ id, vpcId: s.vpcId, availabilityZone: s.availabilityZone })),
        ),
      ),
    );
}
