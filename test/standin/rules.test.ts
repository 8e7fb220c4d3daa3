/**
 * The stand-in's diff rules, each against the AWS provider's source it follows (rules.ts):
 * what forces a replacement, what changes in place, autonaming and delete-before-replace.
 */
import * as assert from "assert";
import * as rules from "./aws/rules";
import { UNKNOWN } from "./aws/values";
import type { Props } from "./aws/values";

const urn = (type: string, name = "edge-dev") => `urn:pulumi:dev::p::${type}::${name}`;

/** The replaces and deleteBeforeReplace of changing `olds` (a prior state) to `news`. */
function change(type: string, olds: Props, news: Props, defaults: string[] = []) {
  return rules.diff(type, olds, { ...news, [rules.DEFAULTS]: defaults });
}

const LB: Props = {
  name: "dev",
  loadBalancerType: "network",
  internal: false,
  subnets: ["subnet-a", "subnet-b", "subnet-c"],
  securityGroups: ["sg-1"],
  enableCrossZoneLoadBalancing: true,
  enableDeletionProtection: false,
};
const HC: Props = {
  enabled: true,
  protocol: "TCP",
  port: "traffic-port",
  interval: 10,
  timeout: 10,
  healthyThreshold: 3,
  unhealthyThreshold: 3,
};
const TG: Props = {
  name: "dev-8445",
  port: 8445,
  protocol: "TCP",
  vpcId: "vpc-1",
  targetType: "instance",
  healthCheck: { ...HC, matcher: "", path: "" },
  preserveClientIp: "false",
  deregistrationDelay: 300,
  connectionTermination: false,
  proxyProtocolV2: false,
};

describe("stand-in diff rules", () => {
  describe("load balancer (aws_lb)", () => {
    for (const [key, value] of [
      ["name", "dev-int"],
      ["internal", true],
      ["loadBalancerType", "application"],
    ] as const) {
      it(`replaces on ${key} (ForceNew)`, () => {
        assert.deepStrictEqual(change(rules.LOAD_BALANCER, LB, { ...LB, [key]: value }).replaces, [
          key,
        ]);
      });
    }
    it("replaces on namePrefix (ForceNew)", () => {
      const olds = { ...LB, name: "dev2026", namePrefix: "dev" };
      const { name: _name, ...rest } = olds;
      assert.deepStrictEqual(
        change(rules.LOAD_BALANCER, olds, { ...rest, namePrefix: "prd" }).replaces,
        ["namePrefix"],
      );
    });
    it("replaces when subnets shrink or are swapped, updates when they grow (customizeDiffLoadBalancerNLB)", () => {
      const d = (subnets: string[]) => change(rules.LOAD_BALANCER, LB, { ...LB, subnets });
      assert.deepStrictEqual(d(["subnet-a", "subnet-b"]).replaces, ["subnets"]);
      assert.deepStrictEqual(d(["subnet-a", "subnet-b", "subnet-d"]).replaces, ["subnets"]);
      const grown = d(["subnet-a", "subnet-b", "subnet-c", "subnet-d"]);
      assert.deepStrictEqual([grown.changes, grown.replaces], [true, []]);
      assert.strictEqual(d(["subnet-c", "subnet-b", "subnet-a"]).changes, false);
    });
    it("replaces when security groups go from none to some or back, updates otherwise", () => {
      const d = (olds: string[], news: string[]) =>
        change(
          rules.LOAD_BALANCER,
          { ...LB, securityGroups: olds },
          { ...LB, securityGroups: news },
        );
      assert.deepStrictEqual(d([], ["sg-1"]).replaces, ["securityGroups"]);
      assert.deepStrictEqual(d(["sg-1"], []).replaces, ["securityGroups"]);
      assert.deepStrictEqual(d(["sg-1"], ["sg-2"]).replaces, []);
      assert.deepStrictEqual(d(["sg-1"], [UNKNOWN]).replaces, []);
    });
    it("changes deletion protection and cross-zone in place", () => {
      const d = change(rules.LOAD_BALANCER, LB, {
        ...LB,
        enableDeletionProtection: true,
        enableCrossZoneLoadBalancing: false,
      });
      assert.deepStrictEqual(d.diffs.sort(), [
        "enableCrossZoneLoadBalancing",
        "enableDeletionProtection",
      ]);
      assert.deepStrictEqual(d.replaces, []);
    });
    it("replaces on an unknown name (preview of a name from another resource)", () => {
      assert.deepStrictEqual(change(rules.LOAD_BALANCER, LB, { ...LB, name: UNKNOWN }).replaces, [
        "name",
      ]);
    });
  });

  describe("target group (aws_lb_target_group)", () => {
    for (const [key, value] of [
      ["name", "dev-9445"],
      ["port", 9445],
      ["protocol", "TLS"],
      ["vpcId", "vpc-2"],
      ["targetType", "ip"],
    ] as const) {
      it(`replaces on ${key} (ForceNew)`, () => {
        assert.deepStrictEqual(change(rules.TARGET_GROUP, TG, { ...TG, [key]: value }).replaces, [
          key,
        ]);
      });
    }
    it("changes the health check, preserveClientIp, deregistrationDelay and connectionTermination in place", () => {
      const d = change(rules.TARGET_GROUP, TG, {
        ...TG,
        healthCheck: { ...HC, interval: 30, timeout: 5, port: "8082" },
        preserveClientIp: "true",
        deregistrationDelay: 30,
        connectionTermination: true,
      });
      assert.deepStrictEqual(d.diffs.sort(), [
        "connectionTermination",
        "deregistrationDelay",
        "healthCheck",
        "preserveClientIp",
      ]);
      assert.deepStrictEqual(d.replaces, []);
    });
    it("compares an absent deregistrationDelay with its default 300", () => {
      const { deregistrationDelay: _d, ...rest } = TG;
      assert.strictEqual(change(rules.TARGET_GROUP, TG, rest).changes, false);
      assert.deepStrictEqual(
        change(rules.TARGET_GROUP, { ...TG, deregistrationDelay: 30 }, rest).diffs,
        ["deregistrationDelay"],
      );
    });
    it("keeps an HTTP check's matcher and path when the inputs drop them, so a TCP rollback fails at preview (#46011)", () => {
      const http = {
        ...TG,
        healthCheck: { ...HC, protocol: "HTTP", path: "/ping", matcher: "200-399" },
      };
      assert.throws(
        () => change(rules.TARGET_GROUP, http, { ...TG, healthCheck: HC }),
        /Attribute "health_check.matcher" cannot be specified when "health_check.protocol" is "TCP"/,
      );
      const d = change(rules.TARGET_GROUP, http, {
        ...TG,
        healthCheck: { ...HC, path: "", matcher: "" },
      });
      assert.deepStrictEqual([d.diffs, d.replaces], [["healthCheck"], []]);
    });
    it("refuses a TCP check with a matcher or path at check", () => {
      const r = rules.check(
        rules.TARGET_GROUP,
        urn(rules.TARGET_GROUP),
        {},
        {
          ...TG,
          healthCheck: { ...HC, path: "/" },
        },
      );
      assert.deepStrictEqual(
        r.failures.map((f) => f.property),
        ["healthCheck.path"],
      );
    });
  });

  describe("listener (aws_lb_listener)", () => {
    const L: Props = {
      loadBalancerArn: "arn:lb/1",
      port: 443,
      protocol: "TCP",
      defaultActions: [{ type: "forward", targetGroupArn: "arn:tg/1", order: 1 }],
    };
    it("replaces on loadBalancerArn only", () => {
      assert.deepStrictEqual(
        change(rules.LISTENER, L, { ...L, loadBalancerArn: "arn:lb/2" }).replaces,
        ["loadBalancerArn"],
      );
      const d = change(rules.LISTENER, L, {
        ...L,
        port: 8443,
        protocol: "TLS",
        certificateArn: "arn:acm:cert",
        sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
        alpnPolicy: "HTTP2Preferred",
        defaultActions: [{ type: "forward", targetGroupArn: "arn:tg/2" }],
      });
      assert.deepStrictEqual(d.replaces, []);
      assert.deepStrictEqual(d.diffs.sort(), [
        "alpnPolicy",
        "certificateArn",
        "defaultActions",
        "port",
        "protocol",
        "sslPolicy",
      ]);
    });
    it("keeps a computed action order the inputs leave out", () => {
      assert.strictEqual(
        change(rules.LISTENER, L, {
          ...L,
          defaultActions: [{ type: "forward", targetGroupArn: "arn:tg/1" }],
        }).changes,
        false,
      );
    });
  });

  it("replaces an attachment on every field", () => {
    const A = { targetGroupArn: "arn:tg/1", targetId: "i-1", port: 8445 };
    for (const [k, v] of Object.entries({ targetGroupArn: "arn:tg/2", targetId: "i-2", port: 1 }))
      assert.deepStrictEqual(change(rules.TARGET_GROUP_ATTACHMENT, A, { ...A, [k]: v }).replaces, [
        k,
      ]);
    const G = { autoscalingGroupName: "asg", lbTargetGroupArn: "arn:tg/1" };
    assert.deepStrictEqual(
      change(rules.ASG_ATTACHMENT, G, { ...G, lbTargetGroupArn: "arn:tg/2" }).replaces,
      ["lbTargetGroupArn"],
    );
  });

  it("replaces a security group rule on its group or a change of source kind, updates ports in place", () => {
    const R = {
      securityGroupId: "sg-1",
      ipProtocol: "tcp",
      fromPort: 443,
      toPort: 443,
      cidrIpv4: "0.0.0.0/0",
    };
    for (const type of [rules.INGRESS_RULE, rules.EGRESS_RULE]) {
      assert.deepStrictEqual(change(type, R, { ...R, securityGroupId: "sg-2" }).replaces, [
        "securityGroupId",
      ]);
      const { cidrIpv4: _c, ...noCidr } = R;
      assert.deepStrictEqual(
        change(type, R, { ...noCidr, referencedSecurityGroupId: "sg-9" }).replaces.sort(),
        ["cidrIpv4", "referencedSecurityGroupId"],
      );
      const ports = change(type, R, { ...R, fromPort: 8443, toPort: 8443 });
      assert.deepStrictEqual([ports.diffs.sort(), ports.replaces], [["fromPort", "toPort"], []]);
    }
  });

  it("replaces a record on name, zoneId or type, moves its alias in place", () => {
    const R = {
      name: "a.lab.example.com",
      zoneId: "Z1",
      type: "A",
      aliases: [{ name: "x.elb", zoneId: "Z2", evaluateTargetHealth: true }],
    };
    for (const [k, v] of Object.entries({ name: "b.lab.example.com", zoneId: "Z3", type: "AAAA" }))
      assert.deepStrictEqual(change(rules.RECORD, R, { ...R, [k]: v }).replaces, [k]);
    const moved = change(rules.RECORD, R, { ...R, aliases: [{ ...R.aliases[0], name: "y.elb" }] });
    assert.deepStrictEqual([moved.diffs, moved.replaces], [["aliases"], []]);
  });

  it("replaces a security group on name, namePrefix, description or vpcId", () => {
    const G = { name: "g", description: "d", vpcId: "vpc-1" };
    for (const [k, v] of Object.entries({ name: "h", description: "e", vpcId: "vpc-2" }))
      assert.deepStrictEqual(change(rules.SECURITY_GROUP, G, { ...G, [k]: v }).replaces, [k]);
    const P = {
      name: "ingress-dev-2026",
      namePrefix: "ingress-dev-",
      description: "d",
      vpcId: "vpc-1",
    };
    assert.deepStrictEqual(
      change(rules.SECURITY_GROUP, P, {
        namePrefix: "ingress-prd-",
        description: "d",
        vpcId: "vpc-1",
      }).replaces,
      ["namePrefix"],
    );
  });

  describe("autonaming (the bridge's AutoName, Randlen 7)", () => {
    it("names an unnamed LB, TG or SG after its logical name and lists name in __defaults", () => {
      for (const [type, max] of [
        [rules.LOAD_BALANCER, 32],
        [rules.TARGET_GROUP, 32],
        [rules.SECURITY_GROUP, 255],
      ] as const) {
        const r = rules.check(type, urn(type, "edge-dev"), {}, {});
        assert.match(String(r.inputs.name), /^edge-dev-[0-9a-f]{7}$/);
        assert.deepStrictEqual(r.inputs[rules.DEFAULTS], ["name"]);
        const long = rules.check(type, urn(type, "x".repeat(300)), {}, {});
        assert.strictEqual(String(long.inputs.name).length, max);
      }
    });
    it("keeps the old autoname on later checks", () => {
      const first = rules.check(rules.TARGET_GROUP, urn(rules.TARGET_GROUP), {}, { port: 1 });
      const again = rules.check(rules.TARGET_GROUP, urn(rules.TARGET_GROUP), first.inputs, {
        port: 2,
      });
      assert.strictEqual(again.inputs.name, first.inputs.name);
    });
    it("does not name a resource with a namePrefix, and refuses a prefix over 6 on LB and TG", () => {
      const r = rules.check(
        rules.LOAD_BALANCER,
        urn(rules.LOAD_BALANCER),
        {},
        { namePrefix: "dev-" },
      );
      assert.deepStrictEqual(
        [r.inputs.name, r.inputs[rules.DEFAULTS], r.failures],
        [undefined, [], []],
      );
      const long = rules.check(
        rules.TARGET_GROUP,
        urn(rules.TARGET_GROUP),
        {},
        { namePrefix: "toolong-" },
      );
      assert.deepStrictEqual(
        long.failures.map((f) => f.property),
        ["namePrefix"],
      );
    });
  });

  describe("delete-before-replace (nameRequiresDeleteBeforeReplace)", () => {
    it("is asked for when a replaced resource has a name the user set, changed or not", () => {
      assert.strictEqual(
        change(rules.TARGET_GROUP, TG, { ...TG, port: 9445 }).deleteBeforeReplace,
        true,
      );
      assert.strictEqual(
        change(rules.TARGET_GROUP, TG, { ...TG, name: "dev-9445", port: 9445 }).deleteBeforeReplace,
        true,
      );
      assert.strictEqual(
        change(rules.LOAD_BALANCER, LB, { ...LB, internal: true }).deleteBeforeReplace,
        true,
      );
    });
    it("is not asked for with an autoname, a namePrefix, no replacement, or no __defaults", () => {
      assert.strictEqual(
        change(rules.TARGET_GROUP, TG, { ...TG, port: 9445 }, ["name"]).deleteBeforeReplace,
        false,
      );
      const { name: _n, ...prefixed } = TG;
      assert.strictEqual(
        change(
          rules.TARGET_GROUP,
          { ...TG, namePrefix: "dev-" },
          { ...prefixed, namePrefix: "dev-", port: 9445 },
        ).deleteBeforeReplace,
        false,
      );
      assert.strictEqual(
        change(rules.TARGET_GROUP, TG, { ...TG, deregistrationDelay: 30 }).deleteBeforeReplace,
        false,
      );
      assert.strictEqual(
        rules.diff(rules.TARGET_GROUP, TG, { ...TG, port: 9445 }).deleteBeforeReplace,
        false,
      );
    });
  });
});
