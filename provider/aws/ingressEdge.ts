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
import { AwsSettings, awsName } from "./settings";

export interface IngressEdgeArgs {
  environments: EnvironmentSpec[];
  settings: AwsSettings;
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

export const PROJECT = "interlock-ingress";

export class IngressEdge extends pulumi.ComponentResource {
  public readonly environments: Record<string, EnvironmentEdge> = {};

  constructor(name: string, args: IngressEdgeArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super(`${PROJECT}:aws:IngressEdge`, name, {}, opts);
    const { settings, stack } = args;
    const tags = (environment: string) => ({ Project: PROJECT, Stack: stack, Environment: environment, ManagedBy: "pulumi" });
    const parent = { parent: this };

    // One security group per load balancer: clients in on the listener ports, out only to the
    // ingress nodes' proxy ports. The nodes' group lets exactly those ports in from it.
    const makeBalancer = (key: string) => {
      const sg = new aws.ec2.SecurityGroup(`${name}-${key}-nlb`, {
        name: awsName([stack, key, "nlb"], 255),
        description: `interlock-ingress ${stack} ${key}: load balancer to Interlock proxies`,
        vpcId: settings.vpcId,
        tags: tags(key),
      }, parent);
      const lb = new aws.lb.LoadBalancer(`${name}-${key}`, {
        name: awsName([stack, key]),
        loadBalancerType: "network",
        internal: settings.internal,
        subnets: settings.subnetIds,
        securityGroups: [sg.id],
        enableCrossZoneLoadBalancing: true,
        tags: tags(key),
      }, parent);
      return { sg, lb };
    };

    const shared = settings.sharedLoadBalancer ? makeBalancer("shared") : undefined;

    for (const env of args.environments) {
      const { sg, lb } = shared ?? makeBalancer(env.name);
      const listen = settings.listenerPorts[env.name];
      const targets = env.ingressNodes.map((host) =>
        settings.instanceIds[host] !== undefined
          ? pulumi.output(settings.instanceIds[host])
          : aws.ec2
              .getInstanceOutput({ filters: [{ name: "private-dns-name", values: [host] }] }, parent)
              .apply((i) => i.id),
      );

      const side = (proto: "http" | "https", proxyPort: number, listenerPort: number) => {
        const tg = new aws.lb.TargetGroup(`${name}-${env.name}-${proto}`, {
          // The port is in the name so a port change can create the new group before the old goes.
          name: awsName([stack, env.name, String(proxyPort)]),
          port: proxyPort,
          protocol: "TCP",
          targetType: "instance",
          vpcId: settings.vpcId,
          healthCheck: { enabled: true, protocol: "TCP", port: "traffic-port", healthyThreshold: 3, unhealthyThreshold: 3, interval: 10 },
          tags: tags(env.name),
        }, parent);
        targets.forEach((targetId, i) =>
          new aws.lb.TargetGroupAttachment(`${name}-${env.name}-${proto}-${i}`, {
            targetGroupArn: tg.arn,
            targetId,
            port: proxyPort,
          }, parent),
        );
        const listener = new aws.lb.Listener(`${name}-${env.name}-${proto}`, {
          loadBalancerArn: lb.arn,
          port: listenerPort,
          protocol: "TCP",
          defaultActions: [{ type: "forward", targetGroupArn: tg.arn }],
          tags: tags(env.name),
        }, parent);
        for (const cidr of settings.clientCidrs) {
          new aws.vpc.SecurityGroupIngressRule(`${name}-${env.name}-${proto}-client-${cidr}`, {
            securityGroupId: sg.id,
            description: `clients to ${env.name} ${proto}`,
            ipProtocol: "tcp",
            fromPort: listenerPort,
            toPort: listenerPort,
            cidrIpv4: cidr,
            tags: tags(env.name),
          }, parent);
        }
        new aws.vpc.SecurityGroupEgressRule(`${name}-${env.name}-${proto}-to-proxy`, {
          securityGroupId: sg.id,
          description: `to ${env.name} Interlock proxies (${proto})`,
          ipProtocol: "tcp",
          fromPort: proxyPort,
          toPort: proxyPort,
          referencedSecurityGroupId: settings.nodeSecurityGroupId,
          tags: tags(env.name),
        }, parent);
        new aws.vpc.SecurityGroupIngressRule(`${name}-${env.name}-${proto}-from-nlb`, {
          securityGroupId: settings.nodeSecurityGroupId,
          description: `${env.name} load balancer to Interlock proxy (${proto})`,
          ipProtocol: "tcp",
          fromPort: proxyPort,
          toPort: proxyPort,
          referencedSecurityGroupId: sg.id,
          tags: tags(env.name),
        }, parent);
        return { tg, listener };
      };

      const httpSide = side("http", env.publishedPort, listen.http);
      const httpsSide = side("https", env.publishedSSLPort, listen.https);

      const records = settings.records[env.name] ?? [];
      for (const host of records) {
        new aws.route53.Record(`${name}-${env.name}-${host}`, {
          zoneId: settings.dnsZoneId!,
          name: host,
          type: "A",
          aliases: [{ name: lb.dnsName, zoneId: lb.zoneId, evaluateTargetHealth: true }],
        }, parent);
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
