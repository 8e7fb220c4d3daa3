/**
 * IngressEdge: the AWS side of the blog's per-environment VIPs. Each environment's traffic
 * enters a Network Load Balancer on 80/443 (TCP; TLS passes through to the Interlock proxy,
 * which routes by SNI) and goes to that environment's ingress nodes on the cluster's
 * PublishedPort/PublishedSSLPort. Ports and nodes come from the same EnvironmentSpec as the
 * Interlock sections, so the two cannot disagree.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { EnvironmentSpec } from "../topology";
import { checkedTargets, subnetFacts } from "./placement";
import { EdgeSettings, awsName } from "./settings";

/** What an IngressEdge is built from: the environments and the AWS settings of the stack. */
export interface IngressEdgeArgs {
  /** The service clusters; their ports and ingress nodes become listeners and targets. */
  environments: EnvironmentSpec[];
  /** Where the load balancers go and how they check and protect their targets. */
  settings: EdgeSettings;
  /** Stack name, for names and tags. */
  stack: string;
}

/** What each environment's edge exposes. */
export interface EnvironmentEdge {
  loadBalancerDnsName: pulumi.Output<string>;
  loadBalancerArn: pulumi.Output<string>;
  httpListenerArn: pulumi.Output<string>;
  httpsListenerArn: pulumi.Output<string>;
  httpTargetGroupArn: pulumi.Output<string>;
  httpsTargetGroupArn: pulumi.Output<string>;
  listenerPorts: { http: number; https: number };
  records: string[];
}

/** The Project tag on every AWS resource, and the package of the component's type token. */
export const PROJECT = "interlock-ingress";

/** The AWS load balancers, listeners, target groups and rules in front of the service clusters. */
export class IngressEdge extends pulumi.ComponentResource {
  public readonly environments: Record<string, EnvironmentEdge> = {};

  constructor(name: string, args: IngressEdgeArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super(`${PROJECT}:aws:IngressEdge`, name, {}, opts);
    const { settings, stack } = args;
    const tags = (environment: string) => ({
      Project: PROJECT,
      Stack: stack,
      Environment: environment,
      ManagedBy: "pulumi",
    });
    const parent = { parent: this };
    const subnets = subnetFacts(settings, this);
    // Production load balancers refuse deletion in AWS and in Pulumi alike.
    const guarded = settings.deletionProtection ? { parent: this, protect: true } : parent;

    // One security group per load balancer: clients in on the listener ports, out only to the
    // ingress nodes' proxy ports. The nodes' group lets exactly those ports in from it.
    const makeBalancer = (key: string) => {
      // A name prefix, not a name: a replacement (a new description) creates the new group
      // and moves the rules before the old one goes. AWS refuses group names starting "sg-".
      const sg = new aws.ec2.SecurityGroup(
        `${name}-${key}-nlb`,
        {
          namePrefix: `${awsName(["ingress", stack, key, "nlb"], 200)}-`,
          description: `interlock-ingress ${stack} ${key}: load balancer to Interlock proxies`,
          vpcId: settings.vpcId,
          tags: tags(key),
        },
        parent,
      );
      // `internal` cannot change in place: the scheme is in the name, so the new NLB (and its
      // new DNS name) is created before the old one is deleted.
      const lb = new aws.lb.LoadBalancer(
        `${name}-${key}`,
        {
          name: awsName([stack, key, settings.internal ? "int" : ""]),
          loadBalancerType: "network",
          internal: settings.internal,
          subnets: settings.subnetIds,
          securityGroups: [sg.id],
          enableCrossZoneLoadBalancing: true,
          enableDeletionProtection: settings.deletionProtection,
          tags: tags(key),
        },
        guarded,
      );
      return { sg, lb };
    };

    const shared = settings.sharedLoadBalancer ? makeBalancer("shared") : undefined;

    for (const env of args.environments) {
      const { sg, lb } = shared ?? makeBalancer(env.name);
      const listen = settings.listenerPorts[env.name];
      // Checked at preview: each node found once, running, in the VPC, in a covered AZ.
      const targets = checkedTargets(env, settings, subnets, this);
      const hc = settings.healthCheck;
      const side = (proto: "http" | "https", proxyPort: number, listenerPort: number) => {
        const tg = new aws.lb.TargetGroup(
          `${name}-${env.name}-${proto}`,
          {
            // The port is in the name so a port change can create the new group before the old goes.
            name: awsName([stack, env.name, String(proxyPort)]),
            port: proxyPort,
            protocol: "TCP",
            targetType: "instance",
            vpcId: settings.vpcId,
            healthCheck: {
              enabled: true,
              protocol: hc.protocol,
              port: "traffic-port",
              ...(hc.protocol === "HTTP" ? { path: hc.path, matcher: "200-399" } : {}),
              interval: hc.intervalSeconds,
              healthyThreshold: hc.healthyThreshold,
              unhealthyThreshold: hc.unhealthyThreshold,
            },
            // In ingress mode the routing mesh forwards between nodes: a preserved client IP would
            // make replies from a node to itself (hairpin) time out. Host mode keeps it.
            preserveClientIp: env.publishMode === "host" ? "true" : "false",
            tags: tags(env.name),
          },
          parent,
        );
        // Keyed by hostname, not position: reordering ingressNodes changes nothing, and removing
        // one node deregisters only that node. The alias adopts the old index-keyed names.
        [...env.ingressNodes, ...(settings.extraTargets[env.name] ?? [])].forEach(
          (host, i) =>
            new aws.lb.TargetGroupAttachment(
              `${name}-${env.name}-${proto}-${host}`,
              {
                targetGroupArn: tg.arn,
                targetId: targets.apply((ids) => ids[host]),
                port: proxyPort,
              },
              { parent: this, aliases: [{ name: `${name}-${env.name}-${proto}-${i}` }] },
            ),
        );
        for (const group of settings.autoScalingGroups[env.name] ?? []) {
          new aws.autoscaling.Attachment(
            `${name}-${env.name}-${proto}-asg-${group}`,
            {
              autoscalingGroupName: group,
              lbTargetGroupArn: tg.arn,
            },
            parent,
          );
        }
        const listener = new aws.lb.Listener(
          `${name}-${env.name}-${proto}`,
          {
            loadBalancerArn: lb.arn,
            port: listenerPort,
            protocol: "TCP",
            defaultActions: [{ type: "forward", targetGroupArn: tg.arn }],
            tags: tags(env.name),
          },
          parent,
        );
        for (const cidr of settings.clientCidrs) {
          new aws.vpc.SecurityGroupIngressRule(
            `${name}-${env.name}-${proto}-client-${cidr}`,
            {
              securityGroupId: sg.id,
              description: `clients to ${env.name} ${proto}`,
              ipProtocol: "tcp",
              fromPort: listenerPort,
              toPort: listenerPort,
              cidrIpv4: cidr,
              tags: tags(env.name),
            },
            parent,
          );
        }
        new aws.vpc.SecurityGroupEgressRule(
          `${name}-${env.name}-${proto}-to-proxy`,
          {
            securityGroupId: sg.id,
            description: `to ${env.name} Interlock proxies (${proto})`,
            ipProtocol: "tcp",
            fromPort: proxyPort,
            toPort: proxyPort,
            referencedSecurityGroupId: settings.nodeSecurityGroupId,
            tags: tags(env.name),
          },
          parent,
        );
        new aws.vpc.SecurityGroupIngressRule(
          `${name}-${env.name}-${proto}-from-nlb`,
          {
            securityGroupId: settings.nodeSecurityGroupId,
            description: `${env.name} load balancer to Interlock proxy (${proto})`,
            ipProtocol: "tcp",
            fromPort: proxyPort,
            toPort: proxyPort,
            referencedSecurityGroupId: sg.id,
            tags: tags(env.name),
          },
          parent,
        );
        return { tg, listener };
      };

      const httpSide = side("http", env.publishedPort, listen.http);
      const httpsSide = side("https", env.publishedSSLPort, listen.https);

      const records = settings.records[env.name] ?? [];
      for (const host of records) {
        new aws.route53.Record(
          `${name}-${env.name}-${host}`,
          {
            zoneId: settings.dnsZoneId!,
            name: host,
            type: "A",
            aliases: [{ name: lb.dnsName, zoneId: lb.zoneId, evaluateTargetHealth: true }],
          },
          parent,
        );
      }

      this.environments[env.name] = {
        loadBalancerDnsName: lb.dnsName,
        loadBalancerArn: lb.arn,
        httpListenerArn: httpSide.listener.arn,
        httpsListenerArn: httpsSide.listener.arn,
        httpTargetGroupArn: httpSide.tg.arn,
        httpsTargetGroupArn: httpsSide.tg.arn,
        listenerPorts: listen,
        records,
      };
    }
    this.registerOutputs({ environments: this.environments });
  }
}
