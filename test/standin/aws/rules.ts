/**
 * The AWS provider's check and diff, for the tokens the project uses: which inputs force a
 * replacement (terraform-provider-aws's schema, `ForceNew` and `CustomizeDiff`, as the Pulumi
 * bridge reports them), which Optional+Computed attributes keep their value when the inputs
 * drop them, the bridge's autonaming and its delete-before-replace rule. Pure functions over
 * the engine's property maps, so each rule has a unit test without moto.
 *
 * Sources (terraform-provider-aws, aws-sdk-go-v2 era, `internal/service/...`):
 *   elbv2/load_balancer.go, elbv2/target_group.go, elbv2/listener.go,
 *   elbv2/target_group_attachment.go, autoscaling/attachment.go, ec2/vpc_security_group.go,
 *   ec2/vpc_security_group_ingress_rule.go (the egress rule shares it), route53/record.go;
 * and pulumi-terraform-bridge pkg/tfbridge/schema.go (nameRequiresDeleteBeforeReplace,
 * applyDefaults), pkg/tfbridge/provider.go (Diff), pkg/tfbridge/info/autonaming.go.
 */
import * as crypto from "crypto";
import { hasUnknown, isEmpty, isRecord, Props, same, unwrap, UNKNOWN } from "./values";

export const LOAD_BALANCER = "aws:lb/loadBalancer:LoadBalancer";
export const TARGET_GROUP = "aws:lb/targetGroup:TargetGroup";
export const TARGET_GROUP_ATTACHMENT = "aws:lb/targetGroupAttachment:TargetGroupAttachment";
export const ASG_ATTACHMENT = "aws:autoscaling/attachment:Attachment";
export const LISTENER = "aws:lb/listener:Listener";
export const INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
export const EGRESS_RULE = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule";
export const RECORD = "aws:route53/record:Record";
export const SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup";

/** The reserved key in which the bridge lists the inputs it filled in (schema.go). */
export const DEFAULTS = "__defaults";

/** How one attribute diffs. */
interface Field {
  /** `ForceNew: true` in the Terraform schema. */
  forceNew?: boolean;
  /** Optional+Computed: inputs without it keep the prior value ("once set, removing it has no effect"). */
  computed?: boolean;
  /** The schema's `Default`, compared when the inputs leave the attribute out. */
  default?: unknown;
  /** A TypeSet: order does not matter. */
  set?: boolean;
  /** A nested block whose attributes diff by these rules (MaxItems: 1). */
  nested?: Record<string, Field>;
  /** A list of blocks whose attributes diff by these rules, element by element. */
  items?: Record<string, Field>;
}

/** The bridge's autoname: `AutoName("name", maxlen, "-")`, 7 random hex characters. */
interface AutoName {
  maxlen: number;
  /** `name_prefix` and its length limit in the schema's ValidateFunc. */
  prefixMax: number;
}

interface Schema {
  fields: Record<string, Field>;
  autoName?: AutoName;
}

const TAGS: Field = {};

// health_check: a MaxItems 1 block, Optional+Computed (target_group.go). Its defaults:
// enabled true, healthy_threshold 3, interval 30, port "traffic-port", protocol "HTTP",
// unhealthy_threshold 3; matcher, path and timeout are Optional+Computed.
const HEALTH_CHECK: Record<string, Field> = {
  enabled: { default: true },
  healthyThreshold: { default: 3 },
  interval: { default: 30 },
  matcher: { computed: true },
  path: { computed: true },
  port: { default: "traffic-port" },
  protocol: { default: "HTTP" },
  timeout: { computed: true },
  unhealthyThreshold: { default: 3 },
};

const SG_RULE: Record<string, Field> = {
  // security_group_id: stringplanmodifier.RequiresReplace() (vpc_security_group_ingress_rule.go).
  securityGroupId: { forceNew: true },
  ipProtocol: {},
  fromPort: {},
  toPort: {},
  cidrIpv4: {},
  cidrIpv6: {},
  prefixListId: {},
  referencedSecurityGroupId: {},
  description: {},
  tags: TAGS,
};

export const SCHEMAS: Record<string, Schema> = {
  [LOAD_BALANCER]: {
    // aws_lb: name and name_prefix ForceNew, Optional+Computed; name_prefix at most 6
    // characters (validNamePrefix); pulumi-aws autonames name to 32.
    autoName: { maxlen: 32, prefixMax: 6 },
    fields: {
      name: { forceNew: true, computed: true },
      namePrefix: { forceNew: true, computed: true },
      // internal: ForceNew, Optional+Computed.
      internal: { forceNew: true, computed: true },
      // load_balancer_type: ForceNew, Default "application".
      loadBalancerType: { forceNew: true, default: "application" },
      // subnets and security_groups: Optional+Computed sets; replaced only by
      // customizeDiffLoadBalancerNLB (see loadBalancerReplaces).
      subnets: { computed: true, set: true },
      securityGroups: { computed: true, set: true },
      enableCrossZoneLoadBalancing: { computed: true },
      enableDeletionProtection: { default: false },
      ipAddressType: { computed: true },
      tags: TAGS,
    },
  },
  [TARGET_GROUP]: {
    // aws_lb_target_group: name, name_prefix (at most 6, validTargetGroupNamePrefix), port,
    // protocol, vpc_id and target_type ForceNew; pulumi-aws autonames name to 32.
    autoName: { maxlen: 32, prefixMax: 6 },
    fields: {
      name: { forceNew: true, computed: true },
      namePrefix: { forceNew: true, computed: true },
      port: { forceNew: true },
      protocol: { forceNew: true },
      vpcId: { forceNew: true },
      // target_type: ForceNew, Default "instance".
      targetType: { forceNew: true, default: "instance" },
      // In place: health_check (ModifyTargetGroup), preserve_client_ip (Optional+Computed),
      // deregistration_delay (Default "300"), connection_termination (Optional+Computed),
      // proxy_protocol_v2 (Default false); all ModifyTargetGroupAttributes.
      healthCheck: { computed: true, nested: HEALTH_CHECK },
      preserveClientIp: { computed: true },
      deregistrationDelay: { default: 300 },
      connectionTermination: { computed: true },
      proxyProtocolV2: { default: false },
      tags: TAGS,
    },
  },
  [LISTENER]: {
    // aws_lb_listener: load_balancer_arn is the one ForceNew attribute; port, protocol,
    // certificate_arn, ssl_policy, alpn_policy and default_action change in place.
    fields: {
      loadBalancerArn: { forceNew: true },
      port: {},
      protocol: { computed: true },
      certificateArn: {},
      sslPolicy: { computed: true },
      alpnPolicy: {},
      // default_action: a list of blocks; order is Optional+Computed.
      defaultActions: {
        items: { type: {}, targetGroupArn: {}, order: { computed: true }, forward: {} },
      },
      tags: TAGS,
    },
  },
  [TARGET_GROUP_ATTACHMENT]: {
    // aws_lb_target_group_attachment: every argument ForceNew (it has no Update).
    fields: {
      targetGroupArn: { forceNew: true },
      targetId: { forceNew: true },
      port: { forceNew: true },
      availabilityZone: { forceNew: true },
    },
  },
  [ASG_ATTACHMENT]: {
    // aws_autoscaling_attachment: every argument ForceNew (it has no Update).
    fields: {
      autoscalingGroupName: { forceNew: true },
      lbTargetGroupArn: { forceNew: true },
      elb: { forceNew: true },
    },
  },
  [INGRESS_RULE]: { fields: SG_RULE },
  [EGRESS_RULE]: { fields: SG_RULE },
  [RECORD]: {
    // aws_route53_record: name, zone_id and type ForceNew (record.go); the rest in place
    // (UPSERT).
    fields: {
      name: { forceNew: true },
      zoneId: { forceNew: true },
      type: { forceNew: true },
      aliases: { set: true },
      records: { set: true },
      ttl: {},
      setIdentifier: {},
      allowOverwrite: { computed: true },
    },
  },
  [SECURITY_GROUP]: {
    // aws_security_group: name, name_prefix (at most 100), description and vpc_id ForceNew;
    // pulumi-aws autonames name to 255 and defaults description to "Managed by Pulumi".
    autoName: { maxlen: 255, prefixMax: 100 },
    fields: {
      name: { forceNew: true, computed: true },
      namePrefix: { forceNew: true, computed: true },
      description: { forceNew: true, default: "Managed by Pulumi" },
      vpcId: { forceNew: true, computed: true },
      revokeRulesOnDelete: { default: false },
      tags: TAGS,
    },
  },
};

export interface CheckFailure {
  property: string;
  reason: string;
}

export interface CheckResult {
  inputs: Props;
  failures: CheckFailure[];
}

export interface DiffResult {
  changes: boolean;
  replaces: string[];
  deleteBeforeReplace: boolean;
  /** The attributes that differ (for tests; the engine computes its own display). */
  diffs: string[];
}

/** The URN's last part: the resource's logical name. */
export function urnName(urn: string): string {
  return urn.split("::").pop() ?? urn;
}

/**
 * The bridge's autoname, ComputeAutoNameDefault with Randlen 7: the logical name, "-", seven
 * random hex characters; the name part cut so the whole fits maxlen (resource.NewUniqueName).
 */
export function autoName(logical: string, maxlen: number): string {
  const suffix = crypto.randomBytes(4).toString("hex").slice(0, 7);
  const base = `${logical}-`;
  return `${base.slice(0, Math.max(0, maxlen - suffix.length))}${suffix}`;
}

/**
 * Check: the inputs with the bridge's defaults. An absent `name` (and `namePrefix`, which
 * conflicts with it) is autonamed and listed in __defaults; a later check keeps the old
 * autoname (applyDefaults reuses an old default). Also the provider's validations that the
 * project can trip over.
 */
export function check(type: string, urn: string, olds: Props, news: Props): CheckResult {
  const schema = SCHEMAS[type];
  if (!schema) throw new Error(`the AWS stand-in does not implement ${type}`);
  const inputs: Props = { ...news };
  const failures: CheckFailure[] = [];
  const defaults: string[] = [];
  const plain = unwrap(news);
  if (schema.autoName) {
    const prefix = plain.namePrefix;
    if (typeof prefix === "string" && prefix.length > schema.autoName.prefixMax) {
      failures.push({
        property: "namePrefix",
        reason: `"name_prefix" cannot be longer than ${schema.autoName.prefixMax} characters: ${JSON.stringify(prefix)}`,
      });
    }
    if (isEmpty(plain.name) && isEmpty(prefix)) {
      const oldDefaults = Array.isArray(olds[DEFAULTS]) ? (olds[DEFAULTS] as string[]) : [];
      inputs.name =
        oldDefaults.includes("name") && typeof olds.name === "string"
          ? olds.name
          : autoName(
              type === SECURITY_GROUP ? urnName(urn) : urnName(urn).toLowerCase(),
              schema.autoName.maxlen,
            );
      defaults.push("name");
    }
    if (typeof plain.name === "string" && plain.name.length > schema.autoName.maxlen) {
      failures.push({
        property: "name",
        reason: `"name" cannot be longer than ${schema.autoName.maxlen} characters: ${JSON.stringify(plain.name)}`,
      });
    }
  }
  if (type === TARGET_GROUP) failures.push(...healthCheckFailures(plain.healthCheck));
  inputs[DEFAULTS] = defaults;
  return { inputs, failures };
}

/**
 * resourceTargetGroupCustomizeDiff (target_group.go): a TCP health check takes neither a
 * matcher nor a path (hashicorp/terraform-provider-aws#46011: an HTTP check's matcher and
 * path, Optional+Computed, stay in the plan when a TCP rollback drops them).
 */
function healthCheckFailures(hc: unknown): CheckFailure[] {
  if (!isRecord(hc) || String(hc.protocol ?? "").toUpperCase() !== "TCP") return [];
  return (["matcher", "path"] as const)
    .filter((k) => !isEmpty(hc[k]) && hc[k] !== UNKNOWN)
    .map((k) => ({
      property: `healthCheck.${k}`,
      reason: `Attribute "health_check.${k}" cannot be specified when "health_check.protocol" is "TCP".`,
    }));
}

/** The value an attribute takes in the plan: the input, or the default, or (computed) the prior. */
function planned(field: Field, input: unknown, prior: unknown): unknown {
  if (input !== undefined && input !== null) {
    if (field.nested && isRecord(input)) {
      const p = isRecord(prior) ? prior : {};
      return Object.fromEntries(
        Object.entries(field.nested).map(([k, f]) => [k, planned(f, input[k], p[k])]),
      );
    }
    if (field.items && Array.isArray(input)) {
      const p = Array.isArray(prior) ? prior : [];
      return input.map((item, i) =>
        isRecord(item)
          ? Object.fromEntries(
              Object.entries(field.items!).map(([k, f]) => [
                k,
                planned(f, item[k], isRecord(p[i]) ? p[i][k] : undefined),
              ]),
            )
          : item,
      );
    }
    return input;
  }
  if (field.default !== undefined) return field.default;
  if (field.computed) return prior;
  return undefined;
}

/** The attributes of the schema as the plan has them: input, default, or (computed) the prior value. */
export function plan(type: string, olds: Props, news: Props): Props {
  const schema = SCHEMAS[type];
  const state = unwrap(olds);
  const inputs = unwrap(news);
  return Object.fromEntries(
    Object.entries(schema.fields).map(([k, f]) => [k, planned(f, inputs[k], state[k])]),
  );
}

/**
 * Diff of the prior state against the checked inputs, as the bridge reports Terraform's plan:
 * the attributes that change, which of them force a replacement, and delete-before-replace.
 */
export function diff(type: string, olds: Props, newsRaw: Props): DiffResult {
  const schema = SCHEMAS[type];
  if (!schema) throw new Error(`the AWS stand-in does not implement ${type}`);
  const news = unwrap(newsRaw);
  const state = unwrap(olds);
  const diffs: string[] = [];
  const replaces: string[] = [];
  const plan: Props = {};
  for (const [key, field] of Object.entries(schema.fields)) {
    const value = planned(field, news[key], state[key]);
    plan[key] = value;
    if (same(value, state[key], field.set)) continue;
    diffs.push(key);
    if (field.forceNew) replaces.push(key);
  }
  if (type === LOAD_BALANCER) replaces.push(...loadBalancerReplaces(state, plan, diffs));
  if (type === INGRESS_RULE || type === EGRESS_RULE) {
    if (sourceType(state) !== sourceType(plan) && !hasUnknown(sourceType(plan)))
      replaces.push(...diffs.filter((k) => SOURCES.includes(k)));
  }
  if (type === TARGET_GROUP) {
    const failure = healthCheckFailures(plan.healthCheck)[0];
    if (failure) throw new Error(failure.reason);
  }
  const unique = [...new Set(replaces)];
  return {
    changes: diffs.length > 0,
    replaces: unique,
    diffs,
    // provider.go Diff: len(replaces) > 0 && (DeleteBeforeReplace || nameRequiresDeleteBeforeReplace).
    deleteBeforeReplace: unique.length > 0 && nameRequiresDeleteBeforeReplace(type, newsRaw),
  };
}

/**
 * pulumi-terraform-bridge schema.go nameRequiresDeleteBeforeReplace, for resources without
 * UniqueNameFields (pulumi-aws maps aws_lb, aws_lb_target_group and aws_security_group with a
 * bare Tok): true when the new inputs carry __defaults and an autonamed field (`name`) that is
 * not in it, i.e. a name the user set, changed or not. `namePrefix` is not autonamed, and a
 * set prefix leaves `name` out of the inputs (it conflicts), so a prefix never asks for it.
 */
export function nameRequiresDeleteBeforeReplace(type: string, news: Props): boolean {
  const defaults = news[DEFAULTS];
  if (!Array.isArray(defaults)) return false;
  if (!SCHEMAS[type]?.autoName) return false;
  return news.name !== undefined && !defaults.includes("name");
}

/**
 * customizeDiffLoadBalancerNLB (load_balancer.go), network load balancers only: known subnets
 * that change force a replacement unless their number grows ("In-place increase in number of
 * subnets only"); known security groups force one when they go from none to some or back.
 */
function loadBalancerReplaces(state: Props, plan: Props, diffs: string[]): string[] {
  if (plan.loadBalancerType !== "network") return [];
  const out: string[] = [];
  const len = (v: unknown) => (Array.isArray(v) ? v.length : 0);
  if (diffs.includes("subnets") && !hasUnknown(plan.subnets)) {
    if (len(plan.subnets) - len(state.subnets) <= 0) out.push("subnets");
  }
  if (diffs.includes("securityGroups") && !hasUnknown(plan.securityGroups)) {
    const [o, n] = [len(state.securityGroups), len(plan.securityGroups)];
    if ((o === 0 && n > 0) || (n === 0 && o > 0)) out.push("securityGroups");
  }
  return out;
}

const SOURCES = ["cidrIpv4", "cidrIpv6", "prefixListId", "referencedSecurityGroupId"];

/**
 * A rule's source kind. vpc_security_group_ingress_rule.go ModifyPlan: a change from one kind
 * of source to another (CIDR to security group, say) requires a replacement.
 */
function sourceType(p: Props): string | undefined {
  return SOURCES.find((k) => !isEmpty(p[k]));
}
