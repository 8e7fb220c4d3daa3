/**
 * IngressEdge: the AWS side of the blog's per-environment VIPs. Each environment's traffic
 * enters a Network Load Balancer on 80/443 (TCP; TLS passes through to the Interlock proxy,
 * which routes by SNI) and goes to that environment's ingress nodes on the cluster's
 * PublishedPort/PublishedSSLPort. Ports and nodes come from the same EnvironmentSpec as the
 * Interlock sections, so the two cannot disagree.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import type { EnvironmentSpec } from "../config/environments";
import { checkedTargets, subnetFacts } from "./placement";
import type { HealthCheck } from "../config/aws";
import { EdgeSettings, awsName, fingerprint } from "./settings";

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
    // Every replacement here creates the new object before deleting the old, whatever the AWS
    // provider asks: it asks for delete-before-replace whenever a replaced resource has a name
    // the program set (pulumi-terraform-bridge nameRequiresDeleteBeforeReplace), which would
    // take traffic down. The names below change whenever what forces a replacement changes, so
    // old and new exist side by side.
    const createFirst = { parent: this, deleteBeforeReplace: false };
    const subnets = subnetFacts(settings, this);

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
        createFirst,
      );
      const lbName = balancerName([stack, key, settings.internal ? "int" : ""], settings, this);
      const lb = new aws.lb.LoadBalancer(
        `${name}-${key}`,
        {
          name: lbName,
          loadBalancerType: "network",
          internal: settings.internal,
          subnets: settings.subnetIds,
          securityGroups: [sg.id],
          enableCrossZoneLoadBalancing: true,
          enableDeletionProtection: settings.deletionProtection,
          tags: tags(key),
        },
        // Production load balancers refuse deletion in AWS and in Pulumi alike.
        settings.deletionProtection ? { ...createFirst, protect: true } : createFirst,
      );
      return { key, sg, lb, lbName };
    };

    const shared = settings.sharedLoadBalancer ? makeBalancer("shared") : undefined;

    for (const env of args.environments) {
      const balancer = shared ?? makeBalancer(env.name);
      const { sg, lb } = balancer;
      const listen = settings.listenerPorts[env.name];
      const tls = settings.tls[env.name];
      // Checked at preview: each node found once, running, in the VPC, in a covered AZ.
      const targets = checkedTargets(env, settings, subnets, this);
      const hc = settings.healthCheck;

      /** A target group of the environment's proxies on one port, and what lets the NLB reach it. */
      const targetSide = (proto: "http" | "https", proxyPort: number) => {
        const tg = new aws.lb.TargetGroup(
          `${name}-${env.name}-${proto}`,
          {
            // A target group serves one load balancer (AWS: "load balancers per target group:
            // 1"), so its name follows the load balancer's and the VPC: a new NLB gets new groups,
            // created and filled before its listeners forward to them.
            name: pulumi
              .all([balancer.lbName, settings.vpcId])
              .apply(([lbName, vpcId]) =>
                awsName([stack, env.name, String(proxyPort), fingerprint(lbName, vpcId)]),
              ),
            port: proxyPort,
            protocol: "TCP",
            targetType: "instance",
            vpcId: settings.vpcId,
            healthCheck: healthCheck(hc, env.publishedPort),
            deregistrationDelay: settings.deregistrationDelaySeconds,
            connectionTermination: settings.connectionTermination,
            // In ingress mode the routing mesh forwards between nodes: a preserved client IP would
            // make replies from a node to itself (hairpin) time out. Host mode keeps it.
            preserveClientIp: env.publishMode === "host" ? "true" : "false",
            tags: tags(env.name),
          },
          createFirst,
        );
        // Keyed by hostname, not position: reordering ingressNodes changes nothing, and removing
        // one node deregisters only that node. (The index-keyed attachments of earlier versions
        // belong to target groups of the earlier names, which this version replaces whole.)
        const attachments: pulumi.Resource[] = [
          ...env.ingressNodes,
          ...(settings.extraTargets[env.name] ?? []),
        ].map(
          (host) =>
            new aws.lb.TargetGroupAttachment(
              `${name}-${env.name}-${proto}-${host}`,
              {
                targetGroupArn: tg.arn,
                targetId: targets.apply((ids) => ids[host]),
                port: proxyPort,
              },
              parent,
            ),
        );
        for (const group of settings.autoScalingGroups[env.name] ?? []) {
          attachments.push(
            new aws.autoscaling.Attachment(
              `${name}-${env.name}-${proto}-asg-${group}`,
              { autoscalingGroupName: group, lbTargetGroupArn: tg.arn },
              parent,
            ),
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
        // Keyed by the load balancer, so moving to another NLB adds the new group's rule before
        // the old one's goes, rather than re-pointing the one rule while the old NLB still serves.
        new aws.vpc.SecurityGroupIngressRule(
          `${name}-${env.name}-${proto}-from-${balancer.key}-nlb`,
          {
            securityGroupId: settings.nodeSecurityGroupId,
            description: `${env.name} load balancer to Interlock proxy (${proto})`,
            ipProtocol: "tcp",
            fromPort: proxyPort,
            toPort: proxyPort,
            referencedSecurityGroupId: sg.id,
            tags: tags(env.name),
          },
          { parent: this, aliases: [{ name: `${name}-${env.name}-${proto}-from-nlb` }] },
        );
        return { tg, attachments };
      };

      /** A listener and the client rules for its port. */
      const listener = (
        proto: "http" | "https",
        listenerPort: number,
        side: ReturnType<typeof targetSide>,
      ) => {
        const terminates = proto === "https" && tls;
        const l = new aws.lb.Listener(
          `${name}-${env.name}-${proto}`,
          {
            loadBalancerArn: lb.arn,
            port: listenerPort,
            protocol: terminates ? "TLS" : "TCP",
            ...(terminates
              ? {
                  certificateArn: tls.certificateArn,
                  sslPolicy: tls.sslPolicy,
                  ...(tls.alpnPolicy ? { alpnPolicy: tls.alpnPolicy } : {}),
                }
              : {}),
            defaultActions: [{ type: "forward", targetGroupArn: side.tg.arn }],
            tags: tags(env.name),
          },
          // Moving to a new target group waits for its targets to be registered.
          { parent: this, dependsOn: side.attachments },
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
        return l;
      };

      const httpSide = targetSide("http", env.publishedPort);
      // A TLS listener decrypts, so it forwards to the proxy's HTTP port.
      const httpsSide = tls ? httpSide : targetSide("https", env.publishedSSLPort);
      const httpListener = listener("http", listen.http, httpSide);
      const httpsListener = listener("https", listen.https, httpsSide);

      const records = settings.records[env.name] ?? [];
      for (const host of records) {
        // Keyed by the DNS name, which is what Route 53 keys it by: renaming the environment
        // moves the record instead of creating a second one of the same name. It moves after the
        // listeners are in place on the load balancer it points at.
        new aws.route53.Record(
          `${name}-record-${host}`,
          {
            zoneId: settings.dnsZoneId!,
            name: host,
            type: "A",
            aliases: [{ name: lb.dnsName, zoneId: lb.zoneId, evaluateTargetHealth: true }],
          },
          {
            ...createFirst,
            dependsOn: [httpListener, httpsListener],
            aliases: [{ name: `${name}-${env.name}-${host}` }],
          },
        );
      }

      this.environments[env.name] = {
        loadBalancerDnsName: lb.dnsName,
        loadBalancerArn: lb.arn,
        httpListenerArn: httpListener.arn,
        httpsListenerArn: httpsListener.arn,
        httpTargetGroupArn: httpSide.tg.arn,
        httpsTargetGroupArn: httpsSide.tg.arn,
        listenerPorts: listen,
        records,
      };
    }
    this.registerOutputs({ environments: this.environments });
  }
}

/**
 * The target groups' health check. TCP by default. HTTP checks the proxy's HTTP port for both
 * groups (the HTTPS group's port speaks TLS) at the configured path. A TCP check sends an
 * empty path and matcher: the provider keeps an earlier HTTP check's values otherwise, and then
 * refuses them with TCP (hashicorp/terraform-provider-aws#46011).
 */
function healthCheck(hc: HealthCheck, httpPort: number): aws.types.input.lb.TargetGroupHealthCheck {
  const common = {
    enabled: true,
    interval: hc.intervalSeconds,
    timeout: hc.timeoutSeconds,
    healthyThreshold: hc.healthyThreshold,
    unhealthyThreshold: hc.unhealthyThreshold,
  };
  return hc.protocol === "HTTP"
    ? { ...common, protocol: "HTTP", port: String(httpPort), path: hc.path, matcher: hc.matcher }
    : { ...common, protocol: "TCP", port: "traffic-port", path: "", matcher: "" };
}

/**
 * A load balancer's name: `parts` as today, unless the live load balancer of that name cannot
 * take the wanted settings in place (AWS's provider replaces an NLB that loses a subnet), then
 * the other of two names, so the new NLB is created beside the old one. Looked up at preview.
 */
function balancerName(
  parts: string[],
  settings: EdgeSettings,
  parent: pulumi.Resource,
): pulumi.Output<string> {
  const base = awsName(parts);
  const slots = [base, `${awsName(parts, 28)}-alt`];
  return pulumi.output(settings.subnetIds).apply(async (wanted) => {
    for (const [i, slot] of slots.entries()) {
      const live = await aws.lb.getLoadBalancer({ name: slot }, { parent }).catch(() => undefined);
      if (!live) continue;
      const inPlace =
        live.internal === settings.internal && live.subnets.every((s) => wanted.includes(s));
      return inPlace ? slot : slots[1 - i];
    }
    return base;
  });
}
