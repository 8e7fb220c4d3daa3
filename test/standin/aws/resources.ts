/**
 * Create, read, update and delete of each resource token over moto, with outputs in
 * @pulumi/aws's shapes, and AWS's documented constraints that moto 5.2.5 does not enforce
 * (each refusal carries AWS's error code, and the page it is documented on).
 */
import * as crypto from "crypto";
import * as ec2 from "@aws-sdk/client-ec2";
import * as elb from "@aws-sdk/client-elastic-load-balancing-v2";
import * as r53 from "@aws-sdk/client-route-53";
import * as asg from "@aws-sdk/client-auto-scaling";
import type { AwsClients } from "../moto";
import { standInDnsName } from "../timeline";
import * as rules from "./rules";
import { isEmpty, isRecord, Props, unwrap } from "./values";

const ACCOUNT = "123456789012";

/** A refusal the stand-in makes where AWS would and moto does not. */
export class AwsError extends Error {
  constructor(
    public readonly code: string,
    message: string,
  ) {
    super(`${code}: ${message}`);
    this.name = code;
  }
}

/** One operation's context: the clients, and the mutating calls it made (for the timeline). */
export interface Context {
  aws: AwsClients;
  calls: string[];
}

async function mutate<T>(ctx: Context, call: string, run: () => Promise<T>): Promise<T> {
  ctx.calls.push(call);
  return run();
}

type Tags = Record<string, string> | undefined;
const awsTags = (tags: Tags) =>
  tags && Object.keys(tags).length
    ? Object.entries(tags).map(([Key, Value]) => ({ Key, Value }))
    : undefined;

/**
 * Terraform's create.Name(name, prefix): the name, or the prefix and 26 characters of
 * id.PrefixedUniqueId (a UTC timestamp and a counter).
 */
export function prefixedName(prefix: string): string {
  const t = new Date().toISOString().replace(/\D/g, "").slice(0, 17);
  return `${prefix}${t}${crypto
    .randomBytes(5)
    .toString("hex")
    .slice(0, 26 - t.length)}`;
}

function nameOf(p: Props): string {
  return typeof p.name === "string" && p.name ? p.name : prefixedName(String(p.namePrefix ?? ""));
}

// ---------------------------------------------------------------- load balancer

async function lbOutputs(ctx: Context, arn: string, inputs: Props): Promise<Props | undefined> {
  let lb: elb.LoadBalancer | undefined;
  try {
    lb = (
      await ctx.aws.elbv2.send(new elb.DescribeLoadBalancersCommand({ LoadBalancerArns: [arn] }))
    ).LoadBalancers?.[0];
  } catch (err) {
    if ((err as Error).name === "LoadBalancerNotFoundException") return undefined;
    throw err;
  }
  if (!lb) return undefined;
  const attrs = await lbAttributes(ctx, arn);
  return {
    ...inputs,
    arn,
    arnSuffix: arn.replace(/^.*:loadbalancer\//, ""),
    dnsName: standInDnsName(arn, lb.LoadBalancerName!),
    zoneId: lb.CanonicalHostedZoneId,
    name: lb.LoadBalancerName,
    namePrefix: inputs.namePrefix ?? "",
    internal: lb.Scheme === "internal",
    loadBalancerType: lb.Type,
    subnets: (lb.AvailabilityZones ?? []).map((z) => z.SubnetId!),
    securityGroups: lb.SecurityGroups ?? [],
    ipAddressType: lb.IpAddressType,
    vpcId: lb.VpcId,
    enableDeletionProtection: attrs["deletion_protection.enabled"] === "true",
    enableCrossZoneLoadBalancing: attrs["load_balancing.cross_zone.enabled"] === "true",
    tagsAll: inputs.tags ?? {},
  };
}

async function lbAttributes(ctx: Context, arn: string): Promise<Record<string, string>> {
  const r = await ctx.aws.elbv2.send(
    new elb.DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: arn }),
  );
  return Object.fromEntries((r.Attributes ?? []).map((a) => [a.Key!, a.Value!]));
}

function lbAttributeChanges(p: Props): elb.LoadBalancerAttribute[] {
  const out: elb.LoadBalancerAttribute[] = [
    { Key: "deletion_protection.enabled", Value: String(Boolean(p.enableDeletionProtection)) },
  ];
  if (p.enableCrossZoneLoadBalancing !== undefined)
    out.push({
      Key: "load_balancing.cross_zone.enabled",
      Value: String(Boolean(p.enableCrossZoneLoadBalancing)),
    });
  return out;
}

async function createLoadBalancer(ctx: Context, inputs: Props) {
  const p = rules.plan(rules.LOAD_BALANCER, {}, inputs);
  const name = nameOf(p);
  // DuplicateLoadBalancerName: "A load balancer with the specified name already exists"
  // (CreateLoadBalancer, Elastic Load Balancing API Reference, Errors). moto 5.2.5 creates a
  // second one.
  const existing = await ctx.aws.elbv2
    .send(new elb.DescribeLoadBalancersCommand({ Names: [name] }))
    .then((r) => r.LoadBalancers ?? [])
    .catch(() => []);
  if (existing.length)
    throw new AwsError(
      "DuplicateLoadBalancerName",
      `A load balancer with the name '${name}' already exists`,
    );
  const lb = (
    await mutate(ctx, `CreateLoadBalancer ${name}`, () =>
      ctx.aws.elbv2.send(
        new elb.CreateLoadBalancerCommand({
          Name: name,
          Type: p.loadBalancerType as elb.LoadBalancerTypeEnum,
          Scheme: p.internal ? "internal" : "internet-facing",
          Subnets: p.subnets as string[],
          SecurityGroups: p.securityGroups as string[] | undefined,
          IpAddressType: p.ipAddressType as elb.IpAddressType | undefined,
          Tags: awsTags(p.tags as Tags),
        }),
      ),
    )
  ).LoadBalancers![0];
  const arn = lb.LoadBalancerArn!;
  await mutate(ctx, `ModifyLoadBalancerAttributes ${name}`, () =>
    ctx.aws.elbv2.send(
      new elb.ModifyLoadBalancerAttributesCommand({
        LoadBalancerArn: arn,
        Attributes: lbAttributeChanges(p),
      }),
    ),
  );
  return { id: arn, outs: (await lbOutputs(ctx, arn, inputs))! };
}

async function updateLoadBalancer(ctx: Context, id: string, olds: Props, inputs: Props) {
  const p = rules.plan(rules.LOAD_BALANCER, olds, inputs);
  const name = String(olds.name);
  const d = rules.diff(rules.LOAD_BALANCER, olds, inputs).diffs;
  if (d.includes("subnets"))
    await mutate(ctx, `SetSubnets ${name}`, () =>
      ctx.aws.elbv2.send(
        new elb.SetSubnetsCommand({ LoadBalancerArn: id, Subnets: p.subnets as string[] }),
      ),
    );
  if (d.includes("securityGroups"))
    await mutate(ctx, `SetSecurityGroups ${name}`, () =>
      ctx.aws.elbv2.send(
        new elb.SetSecurityGroupsCommand({
          LoadBalancerArn: id,
          SecurityGroups: p.securityGroups as string[],
        }),
      ),
    );
  if (d.includes("enableDeletionProtection") || d.includes("enableCrossZoneLoadBalancing"))
    await mutate(ctx, `ModifyLoadBalancerAttributes ${name}`, () =>
      ctx.aws.elbv2.send(
        new elb.ModifyLoadBalancerAttributesCommand({
          LoadBalancerArn: id,
          Attributes: lbAttributeChanges(p),
        }),
      ),
    );
  if (d.includes("tags")) await retag(ctx, id, name, olds.tags as Tags, p.tags as Tags);
  return { outs: (await lbOutputs(ctx, id, inputs))! };
}

async function deleteLoadBalancer(ctx: Context, id: string, olds: Props) {
  // OperationNotPermitted: "Load balancer '...' cannot be deleted because deletion protection
  // is enabled" (User Guide for Network Load Balancers, "Deletion protection"). moto 5.2.5
  // deletes a protected load balancer.
  const attrs = await lbAttributes(ctx, id).catch(() => undefined);
  if (!attrs) return;
  if (attrs["deletion_protection.enabled"] === "true")
    throw new AwsError(
      "OperationNotPermitted",
      `Load balancer '${id}' cannot be deleted because deletion protection is enabled`,
    );
  await mutate(ctx, `DeleteLoadBalancer ${olds.name}`, () =>
    ctx.aws.elbv2.send(new elb.DeleteLoadBalancerCommand({ LoadBalancerArn: id })),
  );
}

async function retag(ctx: Context, arn: string, name: string, olds: Tags, news: Tags) {
  const removed = Object.keys(olds ?? {}).filter((k) => !(k in (news ?? {})));
  if (removed.length)
    await mutate(ctx, `RemoveTags ${name}`, () =>
      ctx.aws.elbv2.send(new elb.RemoveTagsCommand({ ResourceArns: [arn], TagKeys: removed })),
    );
  if (awsTags(news))
    await mutate(ctx, `AddTags ${name}`, () =>
      ctx.aws.elbv2.send(new elb.AddTagsCommand({ ResourceArns: [arn], Tags: awsTags(news) })),
    );
}

// ---------------------------------------------------------------- target group

function healthCheckParams(hc: Props) {
  return {
    HealthCheckEnabled: hc.enabled as boolean,
    HealthCheckProtocol: hc.protocol as elb.ProtocolEnum,
    HealthCheckPort: String(hc.port),
    HealthCheckPath: isEmpty(hc.path) ? undefined : String(hc.path),
    HealthCheckIntervalSeconds: hc.interval as number,
    HealthCheckTimeoutSeconds: isEmpty(hc.timeout) ? undefined : Number(hc.timeout),
    HealthyThresholdCount: hc.healthyThreshold as number,
    UnhealthyThresholdCount: hc.unhealthyThreshold as number,
    Matcher: isEmpty(hc.matcher) ? undefined : { HttpCode: String(hc.matcher) },
  };
}

/**
 * HealthCheckIntervalSeconds "The range is 5-300" (Elastic Load Balancing API Reference,
 * CreateTargetGroup and ModifyTargetGroup; ValidationError). moto 5.2.5 takes 3. moto does
 * refuse a timeout above the interval itself.
 */
function checkInterval(hc: Props) {
  const interval = Number(hc.interval);
  if (interval < 5 || interval > 300)
    throw new AwsError(
      "ValidationError",
      `Health check interval '${interval}' must be between 5 and 300 seconds`,
    );
}

function tgAttributeChanges(p: Props, olds?: Props): elb.TargetGroupAttribute[] {
  const out: elb.TargetGroupAttribute[] = [];
  const put = (key: string, field: string, value: unknown) => {
    if (value === undefined || value === null) return;
    if (olds && rules.diff(rules.TARGET_GROUP, olds, p).diffs.indexOf(field) < 0) return;
    out.push({ Key: key, Value: String(value) });
  };
  put("deregistration_delay.timeout_seconds", "deregistrationDelay", p.deregistrationDelay);
  put(
    "deregistration_delay.connection_termination.enabled",
    "connectionTermination",
    p.connectionTermination,
  );
  put("preserve_client_ip.enabled", "preserveClientIp", p.preserveClientIp);
  put("proxy_protocol_v2.enabled", "proxyProtocolV2", p.proxyProtocolV2);
  return out;
}

async function tgOutputs(ctx: Context, arn: string, inputs: Props): Promise<Props | undefined> {
  let tg: elb.TargetGroup | undefined;
  try {
    tg = (await ctx.aws.elbv2.send(new elb.DescribeTargetGroupsCommand({ TargetGroupArns: [arn] })))
      .TargetGroups?.[0];
  } catch (err) {
    if ((err as Error).name === "TargetGroupNotFoundException") return undefined;
    throw err;
  }
  if (!tg) return undefined;
  const attrs = Object.fromEntries(
    (
      (
        await ctx.aws.elbv2.send(
          new elb.DescribeTargetGroupAttributesCommand({ TargetGroupArn: arn }),
        )
      ).Attributes ?? []
    ).map((a) => [a.Key!, a.Value!]),
  );
  return {
    ...inputs,
    arn,
    arnSuffix: arn.replace(/^.*:(targetgroup\/)/, "$1"),
    name: tg.TargetGroupName,
    namePrefix: inputs.namePrefix ?? "",
    port: tg.Port,
    protocol: tg.Protocol,
    vpcId: tg.VpcId,
    targetType: tg.TargetType,
    healthCheck: {
      enabled: tg.HealthCheckEnabled,
      healthyThreshold: tg.HealthyThresholdCount,
      interval: tg.HealthCheckIntervalSeconds,
      // moto 5.2.5 forgets an NLB group's matcher on ModifyTargetGroup; AWS keeps it.
      matcher:
        tg.Matcher?.HttpCode ??
        (tg.HealthCheckProtocol === "TCP" ? "" : String(wantedCheck(inputs).matcher ?? "")),
      // A TCP check has no path (AWS describes none); moto keeps an earlier HTTP check's.
      path: tg.HealthCheckProtocol === "TCP" ? "" : (tg.HealthCheckPath ?? ""),
      port: tg.HealthCheckPort,
      protocol: tg.HealthCheckProtocol,
      timeout: tg.HealthCheckTimeoutSeconds,
      unhealthyThreshold: tg.UnhealthyThresholdCount,
    },
    deregistrationDelay: Number(attrs["deregistration_delay.timeout_seconds"] ?? 300),
    connectionTermination: attrs["deregistration_delay.connection_termination.enabled"] === "true",
    preserveClientIp: attrs["preserve_client_ip.enabled"] ?? inputs.preserveClientIp ?? "",
    proxyProtocolV2: attrs["proxy_protocol_v2.enabled"] === "true",
    loadBalancerArns: tg.LoadBalancerArns ?? [],
    ipAddressType: tg.IpAddressType,
    tagsAll: inputs.tags ?? {},
  };
}

function wantedCheck(inputs: Props): Props {
  const hc = unwrap(inputs).healthCheck;
  return isRecord(hc) ? hc : {};
}

async function createTargetGroup(ctx: Context, inputs: Props) {
  const p = rules.plan(rules.TARGET_GROUP, {}, inputs);
  const hc = (p.healthCheck ?? {}) as Props;
  const name = nameOf(p);
  if (p.healthCheck) checkInterval(hc);
  const tg = (
    await mutate(ctx, `CreateTargetGroup ${name}`, () =>
      ctx.aws.elbv2.send(
        new elb.CreateTargetGroupCommand({
          Name: name,
          Port: p.port as number,
          Protocol: p.protocol as elb.ProtocolEnum,
          VpcId: p.vpcId as string,
          TargetType: p.targetType as elb.TargetTypeEnum,
          ...(p.healthCheck ? healthCheckParams(hc) : {}),
          Tags: awsTags(p.tags as Tags),
        }),
      ),
    )
  ).TargetGroups![0];
  const arn = tg.TargetGroupArn!;
  const attributes = tgAttributeChanges(p);
  if (attributes.length)
    await mutate(ctx, `ModifyTargetGroupAttributes ${name}`, () =>
      ctx.aws.elbv2.send(
        new elb.ModifyTargetGroupAttributesCommand({ TargetGroupArn: arn, Attributes: attributes }),
      ),
    );
  return { id: arn, outs: (await tgOutputs(ctx, arn, inputs))! };
}

async function updateTargetGroup(ctx: Context, id: string, olds: Props, inputs: Props) {
  const p = rules.plan(rules.TARGET_GROUP, olds, inputs);
  const name = String(olds.name);
  const d = rules.diff(rules.TARGET_GROUP, olds, inputs).diffs;
  if (d.includes("healthCheck")) {
    const hc = p.healthCheck as Props;
    checkInterval(hc);
    const { HealthCheckEnabled, ...params } = healthCheckParams(hc);
    await mutate(ctx, `ModifyTargetGroup ${name}`, () =>
      ctx.aws.elbv2.send(
        new elb.ModifyTargetGroupCommand({
          TargetGroupArn: id,
          HealthCheckEnabled,
          ...params,
        }),
      ),
    );
  }
  const attributes = tgAttributeChanges(p, olds);
  if (attributes.length)
    await mutate(ctx, `ModifyTargetGroupAttributes ${name}`, () =>
      ctx.aws.elbv2.send(
        new elb.ModifyTargetGroupAttributesCommand({ TargetGroupArn: id, Attributes: attributes }),
      ),
    );
  if (d.includes("tags")) await retag(ctx, id, name, olds.tags as Tags, p.tags as Tags);
  return { outs: (await tgOutputs(ctx, id, inputs))! };
}

async function deleteTargetGroup(ctx: Context, id: string, olds: Props) {
  // moto refuses a target group a listener uses (ResourceInUse), as AWS does.
  await mutate(ctx, `DeleteTargetGroup ${olds.name}`, () =>
    ctx.aws.elbv2.send(new elb.DeleteTargetGroupCommand({ TargetGroupArn: id })),
  );
}

// ---------------------------------------------------------------- listener

function forwardArns(actions: unknown): string[] {
  if (!Array.isArray(actions)) return [];
  return actions.flatMap((a: Props) =>
    a.type !== "forward"
      ? []
      : a.targetGroupArn
        ? [String(a.targetGroupArn)]
        : (((a.forward as Props)?.targetGroups as Props[]) ?? []).map((t) => String(t.arn)),
  );
}

function awsActions(actions: unknown): elb.Action[] {
  return ((actions as Props[]) ?? []).map((a, i) => ({
    Type: a.type as elb.ActionTypeEnum,
    Order: (a.order as number) ?? i + 1,
    TargetGroupArn: a.targetGroupArn as string | undefined,
    ForwardConfig: a.forward
      ? {
          TargetGroups: (((a.forward as Props).targetGroups as Props[]) ?? []).map((t) => ({
            TargetGroupArn: String(t.arn),
            Weight: t.weight as number | undefined,
          })),
        }
      : undefined,
  }));
}

/**
 * The listener constraints AWS enforces and moto 5.2.5 does not:
 * - DuplicateListener, "A listener with the specified port already exists" (CreateListener,
 *   ModifyListener; Elastic Load Balancing API Reference, Errors);
 * - TargetGroupAssociationLimit, "You've reached the limit on the number of load balancers
 *   per target group": an NLB target group serves one load balancer ("Load balancers per
 *   target group: 1", Quotas for your Network Load Balancers).
 */
async function checkListener(
  ctx: Context,
  lbArn: string,
  port: number,
  tgs: string[],
  self?: string,
) {
  const listeners =
    (await ctx.aws.elbv2.send(new elb.DescribeListenersCommand({ LoadBalancerArn: lbArn })))
      .Listeners ?? [];
  if (listeners.some((l) => l.Port === port && l.ListenerArn !== self))
    throw new AwsError(
      "DuplicateListener",
      `A listener already exists on port ${port} of load balancer '${lbArn}'`,
    );
  for (const arn of tgs) {
    const tg = (
      await ctx.aws.elbv2.send(new elb.DescribeTargetGroupsCommand({ TargetGroupArns: [arn] }))
    ).TargetGroups?.[0];
    const others = (tg?.LoadBalancerArns ?? []).filter((a) => a !== lbArn);
    if (others.length)
      throw new AwsError(
        "TargetGroupAssociationLimit",
        `The following target groups cannot be associated with more than one load balancer: '${arn}' (already on '${others[0]}')`,
      );
  }
}

function certificates(p: Props) {
  return isEmpty(p.certificateArn) ? undefined : [{ CertificateArn: String(p.certificateArn) }];
}

async function listenerOutputs(ctx: Context, arn: string, inputs: Props) {
  let l: elb.Listener | undefined;
  try {
    l = (await ctx.aws.elbv2.send(new elb.DescribeListenersCommand({ ListenerArns: [arn] })))
      .Listeners?.[0];
  } catch (err) {
    if ((err as Error).name === "ListenerNotFoundException") return undefined;
    throw err;
  }
  if (!l) return undefined;
  return {
    ...inputs,
    arn,
    loadBalancerArn: l.LoadBalancerArn,
    port: l.Port,
    protocol: l.Protocol,
    certificateArn: l.Certificates?.[0]?.CertificateArn ?? inputs.certificateArn,
    sslPolicy: l.Protocol === "TLS" || l.Protocol === "HTTPS" ? l.SslPolicy : "",
    alpnPolicy: l.AlpnPolicy?.[0] ?? inputs.alpnPolicy,
    defaultActions: (l.DefaultActions ?? []).map((a) => ({
      type: a.Type,
      order: a.Order,
      targetGroupArn: a.TargetGroupArn ?? a.ForwardConfig?.TargetGroups?.[0]?.TargetGroupArn,
    })),
    tagsAll: inputs.tags ?? {},
  };
}

async function createListener(ctx: Context, inputs: Props) {
  const p = rules.plan(rules.LISTENER, {}, inputs);
  const lbArn = String(p.loadBalancerArn);
  await checkListener(ctx, lbArn, Number(p.port), forwardArns(p.defaultActions));
  const l = (
    await mutate(ctx, `CreateListener ${p.port}`, () =>
      ctx.aws.elbv2.send(
        new elb.CreateListenerCommand({
          LoadBalancerArn: lbArn,
          Port: p.port as number,
          Protocol: (p.protocol ?? "TCP") as elb.ProtocolEnum,
          Certificates: certificates(p),
          SslPolicy: isEmpty(p.sslPolicy) ? undefined : String(p.sslPolicy),
          AlpnPolicy: isEmpty(p.alpnPolicy) ? undefined : [String(p.alpnPolicy)],
          DefaultActions: awsActions(p.defaultActions),
          Tags: awsTags(p.tags as Tags),
        }),
      ),
    )
  ).Listeners![0];
  return { id: l.ListenerArn!, outs: (await listenerOutputs(ctx, l.ListenerArn!, inputs))! };
}

async function updateListener(ctx: Context, id: string, olds: Props, inputs: Props) {
  const p = rules.plan(rules.LISTENER, olds, inputs);
  const lbArn = String(olds.loadBalancerArn);
  const newTgs = forwardArns(p.defaultActions).filter(
    (a) => !forwardArns(olds.defaultActions).includes(a),
  );
  await checkListener(ctx, lbArn, Number(p.port), newTgs, id);
  await mutate(ctx, `ModifyListener ${olds.port}`, () =>
    ctx.aws.elbv2.send(
      new elb.ModifyListenerCommand({
        ListenerArn: id,
        Port: p.port as number,
        Protocol: p.protocol as elb.ProtocolEnum,
        Certificates: certificates(p),
        SslPolicy: isEmpty(p.sslPolicy) ? undefined : String(p.sslPolicy),
        AlpnPolicy: isEmpty(p.alpnPolicy) ? undefined : [String(p.alpnPolicy)],
        DefaultActions: awsActions(p.defaultActions),
      }),
    ),
  );
  return { outs: (await listenerOutputs(ctx, id, inputs))! };
}

async function deleteListener(ctx: Context, id: string, olds: Props) {
  await mutate(ctx, `DeleteListener ${olds.port}`, () =>
    ctx.aws.elbv2.send(new elb.DeleteListenerCommand({ ListenerArn: id })),
  ).catch((err) => {
    if ((err as Error).name !== "ListenerNotFoundException") throw err;
  });
}

// ---------------------------------------------------------------- attachments

function target(p: Props): elb.TargetDescription {
  return {
    Id: String(p.targetId),
    Port: p.port as number | undefined,
    AvailabilityZone: p.availabilityZone as string | undefined,
  };
}

async function attachmentRegistered(ctx: Context, p: Props): Promise<boolean> {
  try {
    const r = await ctx.aws.elbv2.send(
      new elb.DescribeTargetHealthCommand({
        TargetGroupArn: String(p.targetGroupArn),
        Targets: [target(p)],
      }),
    );
    return (r.TargetHealthDescriptions ?? []).some(
      (d) => d.Target?.Id === p.targetId && d.TargetHealth?.State !== "unused",
    );
  } catch (err) {
    if ((err as Error).name === "TargetGroupNotFoundException") return false;
    throw err;
  }
}

async function createAttachment(ctx: Context, inputs: Props) {
  const p = unwrap(inputs);
  // moto refuses a target that is not running (InvalidTarget), as AWS does.
  await mutate(ctx, `RegisterTargets ${p.targetId}`, () =>
    ctx.aws.elbv2.send(
      new elb.RegisterTargetsCommand({
        TargetGroupArn: String(p.targetGroupArn),
        Targets: [target(p)],
      }),
    ),
  );
  // target_group_attachment.go: id.PrefixedUniqueId(fmt.Sprintf("%s-", target_group_arn)).
  return { id: prefixedName(`${p.targetGroupArn}-`), outs: { ...inputs } };
}

async function deleteAttachment(ctx: Context, olds: Props) {
  const p = unwrap(olds);
  await mutate(ctx, `DeregisterTargets ${p.targetId}`, () =>
    ctx.aws.elbv2.send(
      new elb.DeregisterTargetsCommand({
        TargetGroupArn: String(p.targetGroupArn),
        Targets: [target(p)],
      }),
    ),
  ).catch((err) => {
    if ((err as Error).name !== "TargetGroupNotFoundException") throw err;
  });
}

async function createAsgAttachment(ctx: Context, inputs: Props) {
  const p = unwrap(inputs);
  await mutate(ctx, `AttachLoadBalancerTargetGroups ${p.autoscalingGroupName}`, () =>
    ctx.aws.autoscaling.send(
      new asg.AttachLoadBalancerTargetGroupsCommand({
        AutoScalingGroupName: String(p.autoscalingGroupName),
        TargetGroupARNs: [String(p.lbTargetGroupArn)],
      }),
    ),
  );
  return { id: prefixedName(`${p.autoscalingGroupName}-`), outs: { ...inputs } };
}

async function deleteAsgAttachment(ctx: Context, olds: Props) {
  const p = unwrap(olds);
  await mutate(ctx, `DetachLoadBalancerTargetGroups ${p.autoscalingGroupName}`, () =>
    ctx.aws.autoscaling.send(
      new asg.DetachLoadBalancerTargetGroupsCommand({
        AutoScalingGroupName: String(p.autoscalingGroupName),
        TargetGroupARNs: [String(p.lbTargetGroupArn)],
      }),
    ),
  );
}

// ---------------------------------------------------------------- security groups and rules

async function createSecurityGroup(ctx: Context, inputs: Props) {
  const p = rules.plan(rules.SECURITY_GROUP, {}, inputs);
  const name = nameOf(p);
  const tags = awsTags(p.tags as Tags);
  const r = await mutate(ctx, `CreateSecurityGroup ${name}`, () =>
    ctx.aws.ec2.send(
      new ec2.CreateSecurityGroupCommand({
        GroupName: name,
        Description: String(p.description),
        VpcId: p.vpcId as string | undefined,
        TagSpecifications: tags ? [{ ResourceType: "security-group", Tags: tags }] : undefined,
      }),
    ),
  );
  const id = r.GroupId!;
  // vpc_security_group.go Create: the default allow-all egress rule is revoked.
  await mutate(ctx, `RevokeSecurityGroupEgress ${name} default`, () =>
    ctx.aws.ec2.send(
      new ec2.RevokeSecurityGroupEgressCommand({
        GroupId: id,
        IpPermissions: [{ IpProtocol: "-1", IpRanges: [{ CidrIp: "0.0.0.0/0" }] }],
      }),
    ),
  ).catch(() => undefined);
  return { id, outs: (await sgOutputs(ctx, id, { ...inputs, name }))! };
}

async function sgOutputs(ctx: Context, id: string, inputs: Props) {
  let g: ec2.SecurityGroup | undefined;
  try {
    g = (await ctx.aws.ec2.send(new ec2.DescribeSecurityGroupsCommand({ GroupIds: [id] })))
      .SecurityGroups?.[0];
  } catch (err) {
    if ((err as Error).name === "InvalidGroup.NotFound") return undefined;
    throw err;
  }
  if (!g) return undefined;
  return {
    ...inputs,
    arn: `arn:aws:ec2:us-west-2:${ACCOUNT}:security-group/${id}`,
    name: g.GroupName,
    namePrefix: inputs.namePrefix ?? "",
    description: g.Description,
    vpcId: g.VpcId,
    ownerId: g.OwnerId,
    ingress: [],
    egress: [],
    revokeRulesOnDelete: Boolean(inputs.revokeRulesOnDelete),
    tagsAll: inputs.tags ?? {},
  };
}

async function deleteSecurityGroup(ctx: Context, id: string, olds: Props) {
  await mutate(ctx, `DeleteSecurityGroup ${olds.name}`, () =>
    ctx.aws.ec2.send(new ec2.DeleteSecurityGroupCommand({ GroupId: id })),
  ).catch((err) => {
    if ((err as Error).name !== "InvalidGroup.NotFound") throw err;
  });
}

function permission(p: Props): ec2.IpPermission {
  const description = p.description as string | undefined;
  return {
    IpProtocol: String(p.ipProtocol),
    FromPort: p.fromPort as number | undefined,
    ToPort: p.toPort as number | undefined,
    IpRanges: p.cidrIpv4 ? [{ CidrIp: String(p.cidrIpv4), Description: description }] : undefined,
    Ipv6Ranges: p.cidrIpv6
      ? [{ CidrIpv6: String(p.cidrIpv6), Description: description }]
      : undefined,
    PrefixListIds: p.prefixListId
      ? [{ PrefixListId: String(p.prefixListId), Description: description }]
      : undefined,
    UserIdGroupPairs: p.referencedSecurityGroupId
      ? [{ GroupId: String(p.referencedSecurityGroupId), Description: description }]
      : undefined,
  };
}

async function createRule(ctx: Context, type: string, inputs: Props) {
  const p = unwrap(inputs);
  const egress = type === rules.EGRESS_RULE;
  const tags = awsTags(p.tags as Tags);
  const params = {
    GroupId: String(p.securityGroupId),
    IpPermissions: [permission(p)],
    TagSpecifications: tags
      ? [{ ResourceType: "security-group-rule" as const, Tags: tags }]
      : undefined,
  };
  const verb = egress ? "AuthorizeSecurityGroupEgress" : "AuthorizeSecurityGroupIngress";
  const r = await mutate(ctx, `${verb} ${p.securityGroupId} ${p.fromPort}`, () =>
    egress
      ? ctx.aws.ec2.send(new ec2.AuthorizeSecurityGroupEgressCommand(params))
      : ctx.aws.ec2.send(new ec2.AuthorizeSecurityGroupIngressCommand(params)),
  );
  const id = r.SecurityGroupRules![0].SecurityGroupRuleId!;
  return { id, outs: ruleOutputs(id, inputs) };
}

function ruleOutputs(id: string, inputs: Props): Props {
  return {
    ...inputs,
    arn: `arn:aws:ec2:us-west-2:${ACCOUNT}:security-group-rule/${id}`,
    securityGroupRuleId: id,
    tagsAll: inputs.tags ?? {},
  };
}

async function findRule(ctx: Context, id: string): Promise<ec2.SecurityGroupRule | undefined> {
  try {
    return (
      await ctx.aws.ec2.send(
        new ec2.DescribeSecurityGroupRulesCommand({ SecurityGroupRuleIds: [id] }),
      )
    ).SecurityGroupRules?.[0];
  } catch (err) {
    if ((err as Error).name.startsWith("InvalidSecurityGroupRule")) return undefined;
    throw err;
  }
}

async function deleteRule(ctx: Context, type: string, id: string, olds: Props) {
  const p = unwrap(olds);
  const egress = type === rules.EGRESS_RULE;
  const params = { GroupId: String(p.securityGroupId), SecurityGroupRuleIds: [id] };
  const verb = egress ? "RevokeSecurityGroupEgress" : "RevokeSecurityGroupIngress";
  await mutate(ctx, `${verb} ${p.securityGroupId} ${p.fromPort}`, () =>
    egress
      ? ctx.aws.ec2.send(new ec2.RevokeSecurityGroupEgressCommand(params))
      : ctx.aws.ec2.send(new ec2.RevokeSecurityGroupIngressCommand(params)),
  ).catch((err) => {
    if (!/NotFound/.test((err as Error).name)) throw err;
  });
}

async function updateRule(ctx: Context, type: string, id: string, olds: Props, inputs: Props) {
  const p = unwrap(inputs);
  // vpc_security_group_ingress_rule.go Update: ModifySecurityGroupRules.
  await mutate(ctx, `ModifySecurityGroupRules ${p.securityGroupId} ${p.fromPort}`, () =>
    ctx.aws.ec2.send(
      new ec2.ModifySecurityGroupRulesCommand({
        GroupId: String(p.securityGroupId),
        SecurityGroupRules: [
          {
            SecurityGroupRuleId: id,
            SecurityGroupRule: {
              IpProtocol: String(p.ipProtocol),
              FromPort: p.fromPort as number | undefined,
              ToPort: p.toPort as number | undefined,
              CidrIpv4: p.cidrIpv4 as string | undefined,
              CidrIpv6: p.cidrIpv6 as string | undefined,
              PrefixListId: p.prefixListId as string | undefined,
              ReferencedGroupId: p.referencedSecurityGroupId as string | undefined,
              Description: p.description as string | undefined,
            },
          },
        ],
      }),
    ),
  );
  return { outs: ruleOutputs(id, inputs) };
}

// ---------------------------------------------------------------- Route 53 record

function recordSet(p: Props): r53.ResourceRecordSet {
  const alias = ((p.aliases as Props[]) ?? [])[0];
  return {
    Name: String(p.name),
    Type: String(p.type) as r53.RRType,
    SetIdentifier: p.setIdentifier as string | undefined,
    TTL: alias ? undefined : (p.ttl as number | undefined),
    ResourceRecords: alias
      ? undefined
      : ((p.records as string[]) ?? []).map((Value) => ({ Value })),
    AliasTarget: alias
      ? {
          DNSName: String(alias.name),
          HostedZoneId: String(alias.zoneId),
          EvaluateTargetHealth: Boolean(alias.evaluateTargetHealth),
        }
      : undefined,
  };
}

async function changeRecord(
  ctx: Context,
  zoneId: string,
  action: r53.ChangeAction,
  set: r53.ResourceRecordSet,
) {
  // moto refuses a CREATE of a name and type that exist (InvalidChangeBatch), as Route 53 does.
  await mutate(ctx, `ChangeResourceRecordSets ${action} ${set.Name} ${set.Type}`, () =>
    ctx.aws.route53.send(
      new r53.ChangeResourceRecordSetsCommand({
        HostedZoneId: zoneId,
        ChangeBatch: { Changes: [{ Action: action, ResourceRecordSet: set }] },
      }),
    ),
  );
}

function recordOutputs(inputs: Props): Props {
  const p = unwrap(inputs);
  return {
    ...inputs,
    fqdn: String(p.name).replace(/\.$/, "").toLowerCase(),
    allowOverwrite: Boolean(p.allowOverwrite),
  };
}

async function createRecord(ctx: Context, inputs: Props) {
  const p = unwrap(inputs);
  await changeRecord(ctx, String(p.zoneId), p.allowOverwrite ? "UPSERT" : "CREATE", recordSet(p));
  // record.go: the ID is zone_name_type(_set-identifier).
  const id = [p.zoneId, String(p.name).toLowerCase(), p.type, p.setIdentifier]
    .filter(Boolean)
    .join("_");
  return { id, outs: recordOutputs(inputs) };
}

async function liveRecord(ctx: Context, p: Props): Promise<r53.ResourceRecordSet | undefined> {
  const name = `${String(p.name).replace(/\.$/, "")}.`.toLowerCase();
  const r = await ctx.aws.route53.send(
    new r53.ListResourceRecordSetsCommand({
      HostedZoneId: String(p.zoneId),
      StartRecordName: name,
      StartRecordType: String(p.type) as r53.RRType,
    }),
  );
  return (r.ResourceRecordSets ?? []).find(
    (s) => s.Name?.toLowerCase() === name && s.Type === p.type,
  );
}

async function updateRecord(ctx: Context, olds: Props, inputs: Props) {
  const p = unwrap(inputs);
  await changeRecord(ctx, String(p.zoneId), "UPSERT", recordSet(p));
  return { outs: recordOutputs(inputs) };
}

async function deleteRecord(ctx: Context, olds: Props) {
  const p = unwrap(olds);
  const live = await liveRecord(ctx, p);
  if (live) await changeRecord(ctx, String(p.zoneId), "DELETE", live);
}

// ---------------------------------------------------------------- dispatch

export interface Created {
  id: string;
  outs: Props;
}

export async function create(ctx: Context, type: string, inputs: Props): Promise<Created> {
  switch (type) {
    case rules.LOAD_BALANCER:
      return createLoadBalancer(ctx, inputs);
    case rules.TARGET_GROUP:
      return createTargetGroup(ctx, inputs);
    case rules.LISTENER:
      return createListener(ctx, inputs);
    case rules.TARGET_GROUP_ATTACHMENT:
      return createAttachment(ctx, inputs);
    case rules.ASG_ATTACHMENT:
      return createAsgAttachment(ctx, inputs);
    case rules.INGRESS_RULE:
    case rules.EGRESS_RULE:
      return createRule(ctx, type, inputs);
    case rules.RECORD:
      return createRecord(ctx, inputs);
    case rules.SECURITY_GROUP:
      return createSecurityGroup(ctx, inputs);
  }
  throw new Error(`the AWS stand-in does not implement ${type}`);
}

export async function update(
  ctx: Context,
  type: string,
  id: string,
  olds: Props,
  inputs: Props,
): Promise<{ outs: Props }> {
  switch (type) {
    case rules.LOAD_BALANCER:
      return updateLoadBalancer(ctx, id, olds, inputs);
    case rules.TARGET_GROUP:
      return updateTargetGroup(ctx, id, olds, inputs);
    case rules.LISTENER:
      return updateListener(ctx, id, olds, inputs);
    case rules.INGRESS_RULE:
    case rules.EGRESS_RULE:
      return updateRule(ctx, type, id, olds, inputs);
    case rules.RECORD:
      return updateRecord(ctx, olds, inputs);
    case rules.SECURITY_GROUP: {
      if (!rules.diff(type, olds, inputs).diffs.includes("tags"))
        return { outs: (await sgOutputs(ctx, id, { ...inputs, name: olds.name }))! };
      await mutate(ctx, `CreateTags ${olds.name}`, () =>
        ctx.aws.ec2.send(
          new ec2.CreateTagsCommand({
            Resources: [id],
            Tags: awsTags(unwrap(inputs).tags as Tags) ?? [],
          }),
        ),
      );
      return { outs: (await sgOutputs(ctx, id, { ...inputs, name: olds.name }))! };
    }
  }
  throw new Error(`${type} has no update (every argument forces a replacement)`);
}

export async function remove(ctx: Context, type: string, id: string, olds: Props): Promise<void> {
  switch (type) {
    case rules.LOAD_BALANCER:
      return deleteLoadBalancer(ctx, id, olds);
    case rules.TARGET_GROUP:
      return deleteTargetGroup(ctx, id, olds);
    case rules.LISTENER:
      return deleteListener(ctx, id, olds);
    case rules.TARGET_GROUP_ATTACHMENT:
      return deleteAttachment(ctx, olds);
    case rules.ASG_ATTACHMENT:
      return deleteAsgAttachment(ctx, olds);
    case rules.INGRESS_RULE:
    case rules.EGRESS_RULE:
      return deleteRule(ctx, type, id, olds);
    case rules.RECORD:
      return deleteRecord(ctx, olds);
    case rules.SECURITY_GROUP:
      return deleteSecurityGroup(ctx, id, olds);
  }
  throw new Error(`the AWS stand-in does not implement ${type}`);
}

/** The live state for refresh; undefined when the object is gone. */
export async function read(
  ctx: Context,
  type: string,
  id: string,
  state: Props,
): Promise<Props | undefined> {
  const inputs = state;
  switch (type) {
    case rules.LOAD_BALANCER:
      return lbOutputs(ctx, id, inputs);
    case rules.TARGET_GROUP:
      return tgOutputs(ctx, id, inputs);
    case rules.LISTENER:
      return listenerOutputs(ctx, id, inputs);
    case rules.TARGET_GROUP_ATTACHMENT:
      return (await attachmentRegistered(ctx, unwrap(state))) ? state : undefined;
    case rules.ASG_ATTACHMENT:
      return state;
    case rules.INGRESS_RULE:
    case rules.EGRESS_RULE:
      return (await findRule(ctx, id)) ? state : undefined;
    case rules.RECORD: {
      const live = await liveRecord(ctx, unwrap(state));
      if (!live) return undefined;
      const alias = live.AliasTarget;
      return {
        ...state,
        aliases: alias
          ? [
              {
                name: alias.DNSName?.replace(/\.$/, ""),
                zoneId: alias.HostedZoneId,
                evaluateTargetHealth: alias.EvaluateTargetHealth,
              },
            ]
          : state.aliases,
      };
    }
    case rules.SECURITY_GROUP:
      return sgOutputs(ctx, id, inputs);
  }
  throw new Error(`the AWS stand-in does not implement ${type}`);
}

export { isRecord };
