import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { installMocks, instances, ofType, registrations, resetRegistrations, settled } from "../support/mocks";
import { parseTopology, TopologyError } from "../../provider/topology";
import { parseAwsSettings } from "../../provider/aws/settings";

const REPO = path.resolve(__dirname, "../..");
const stackConfig = (name: string) =>
  (YAML.parse(fs.readFileSync(path.join(REPO, `Pulumi.${name}.yaml`), "utf8")) as { config: Record<string, unknown> }).config;

const dev = stackConfig("blog");
const DEV_NODES: Record<string, string> = {
  "ip-127-13-5-3.us-west-2.compute.internal": "i-0aaaaaaaaaaaaaaa1",
  "ip-127-13-6-2.us-west-2.compute.internal": "i-0aaaaaaaaaaaaaaa2",
  "ip-127-13-1-6.us-west-2.compute.internal": "i-0aaaaaaaaaaaaaaa3",
};

async function runProgram(config: Record<string, unknown>, stack = "dev") {
  installMocks(config, stack);
  resetRegistrations();
  const { ingressProgram } = await import("../../stacks/program");
  const outputs = await ingressProgram();
  await settled();
  return outputs;
}

const byName = (type: string, name: string) => {
  const r = ofType(type).find((x) => x.name === name);
  assert.ok(r, `no ${type} named ${name}; have ${ofType(type).map((x) => x.name).join(", ")}`);
  return r!.inputs;
};

describe("AWS edge for the dev stack (Pulumi mocks)", function () {
  this.timeout(30_000);
  before(async () => {
    Object.assign(instances, DEV_NODES);
    await runProgram(dev);
  });

  it("registers one NLB, two listeners and two target groups per environment", () => {
    assert.strictEqual(ofType("aws:lb/loadBalancer:LoadBalancer").length, 3);
    assert.strictEqual(ofType("aws:lb/listener:Listener").length, 6);
    assert.strictEqual(ofType("aws:lb/targetGroup:TargetGroup").length, 6);
    assert.strictEqual(ofType("aws:lb/targetGroupAttachment:TargetGroupAttachment").length, 6);
    assert.strictEqual(ofType("aws:ec2/securityGroup:SecurityGroup").length, 3);
    for (const lb of ofType("aws:lb/loadBalancer:LoadBalancer")) {
      assert.strictEqual(lb.inputs.loadBalancerType, "network");
      assert.strictEqual(lb.inputs.internal, false);
      assert.deepStrictEqual(lb.inputs.subnets, ["subnet-0a1b2c3d4e5f60718", "subnet-0b2c3d4e5f6071829"]);
      assert.strictEqual(lb.inputs.securityGroups.length, 1);
    }
  });

  const envs: Array<[string, number, number, string]> = [
    ["dev", 8082, 8445, "i-0aaaaaaaaaaaaaaa1"],
    ["test", 8081, 8444, "i-0aaaaaaaaaaaaaaa2"],
    ["prod", 8080, 8443, "i-0aaaaaaaaaaaaaaa3"],
  ];
  for (const [env, http, https, instance] of envs) {
    it(`${env}: 443 and 80 forward over TCP to the cluster's published ports on its ingress node`, () => {
      const httpsTg = byName("aws:lb/targetGroup:TargetGroup", `edge-${env}-https`);
      const httpTg = byName("aws:lb/targetGroup:TargetGroup", `edge-${env}-http`);
      assert.strictEqual(httpsTg.port, https);
      assert.strictEqual(httpTg.port, http);
      for (const tg of [httpsTg, httpTg]) {
        assert.strictEqual(tg.protocol, "TCP");
        assert.strictEqual(tg.targetType, "instance");
        assert.strictEqual(tg.vpcId, "vpc-0c1d2e3f4a5b6c7d8");
        assert.deepStrictEqual(
          { enabled: tg.healthCheck.enabled, protocol: tg.healthCheck.protocol, port: tg.healthCheck.port },
          { enabled: true, protocol: "TCP", port: "traffic-port" },
        );
        assert.ok(tg.name.length <= 32, tg.name);
      }
      const l443 = byName("aws:lb/listener:Listener", `edge-${env}-https`);
      const l80 = byName("aws:lb/listener:Listener", `edge-${env}-http`);
      assert.deepStrictEqual([l443.port, l443.protocol], [443, "TCP"]);
      assert.deepStrictEqual([l80.port, l80.protocol], [80, "TCP"]);
      assert.strictEqual(l443.defaultActions[0].type, "forward");
      assert.match(l443.defaultActions[0].targetGroupArn, new RegExp(`TargetGroup/edge-${env}-https$`));
      assert.match(l443.loadBalancerArn, new RegExp(`LoadBalancer/edge-${env}$`));
      const att = byName("aws:lb/targetGroupAttachment:TargetGroupAttachment", `edge-${env}-https-0`);
      assert.deepStrictEqual([att.targetId, att.port], [instance, https]);
      assert.match(att.targetGroupArn, new RegExp(`TargetGroup/edge-${env}-https$`));
    });

    it(`${env}: security-group rules open exactly the proxy ports from the load balancer`, () => {
      const fromNlb = ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").filter(
        (r) => r.inputs.securityGroupId === "sg-0d1e2f3a4b5c6d7e8" && r.name.startsWith(`edge-${env}-`),
      );
      assert.deepStrictEqual(fromNlb.map((r) => [r.inputs.fromPort, r.inputs.toPort, r.inputs.ipProtocol]).sort(), [
        [http, http, "tcp"],
        [https, https, "tcp"],
      ].sort());
      for (const r of fromNlb) assert.strictEqual(r.inputs.referencedSecurityGroupId, `edge-${env}-nlb-id`);
      const egress = ofType("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule").filter((r) => r.name.startsWith(`edge-${env}-`));
      assert.deepStrictEqual(egress.map((r) => r.inputs.fromPort).sort(), [http, https].sort());
      for (const r of egress) assert.strictEqual(r.inputs.referencedSecurityGroupId, "sg-0d1e2f3a4b5c6d7e8");
      const clients = ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").filter(
        (r) => r.inputs.securityGroupId === `edge-${env}-nlb-id`,
      );
      assert.deepStrictEqual(clients.map((r) => [r.inputs.fromPort, r.inputs.cidrIpv4]).sort(), [[443, "0.0.0.0/0"], [80, "0.0.0.0/0"]].sort());
    });
  }

  it("points the application's host at the dev load balancer", () => {
    const records = ofType("aws:route53/record:Record");
    assert.strictEqual(records.length, 1);
    const r = records[0].inputs;
    assert.deepStrictEqual([r.name, r.type, r.zoneId], ["ingress-demo.lab.capstonec.net", "A", "Z0123456789ABCDEFGHIJ"]);
    assert.strictEqual(r.aliases[0].name, "dev-dev-0123456789.elb.us-west-2.amazonaws.com");
    assert.strictEqual(r.aliases[0].evaluateTargetHealth, true);
  });

  it("tags every AWS resource that takes tags with environment, stack and project", () => {
    const tagged = registrations.filter((r) => r.type.startsWith("aws:") && !/targetGroupAttachment|route53/.test(r.type));
    assert.ok(tagged.length > 20);
    for (const r of tagged) {
      assert.strictEqual(r.inputs.tags?.Project, "interlock-ingress", r.name);
      assert.strictEqual(r.inputs.tags?.Stack, "dev", r.name);
      assert.ok(["dev", "test", "prod"].includes(r.inputs.tags?.Environment), r.name);
    }
  });
});

describe("AWS edge of the per-environment stacks (Pulumi.dev/test/prod.yaml)", function () {
  this.timeout(30_000);
  const cases: Array<[string, number, number, string, number]> = [
    ["dev", 8082, 8445, "i-0aaaaaaaaaaaaaaa1", 1],
    ["test", 8081, 8444, "i-0aaaaaaaaaaaaaaa2", 0],
    ["prod", 8080, 8443, "i-0aaaaaaaaaaaaaaa3", 0],
  ];
  for (const [env, http, https, instance, records] of cases) {
    it(`stack ${env} registers only its own load balancer, listeners, target groups and records`, async () => {
      Object.assign(instances, DEV_NODES);
      await runProgram(stackConfig(env), env);
      assert.deepStrictEqual(ofType("aws:lb/loadBalancer:LoadBalancer").map((r) => r.name), [`edge-${env}`]);
      assert.deepStrictEqual(ofType("aws:lb/listener:Listener").map((r) => [r.name, r.inputs.port]).sort(), [[`edge-${env}-http`, 80], [`edge-${env}-https`, 443]]);
      assert.deepStrictEqual(ofType("aws:lb/targetGroup:TargetGroup").map((r) => [r.name, r.inputs.port]).sort(), [[`edge-${env}-http`, http], [`edge-${env}-https`, https]]);
      assert.deepStrictEqual(
        ofType("aws:lb/targetGroupAttachment:TargetGroupAttachment").map((r) => [r.name, r.inputs.targetId]).sort(),
        [[`edge-${env}-http-0`, instance], [`edge-${env}-https-0`, instance]],
      );
      assert.strictEqual(ofType("aws:route53/record:Record").length, records);
      for (const r of registrations.filter((r) => r.type.startsWith("aws:") && r.inputs.tags)) {
        assert.deepStrictEqual([r.inputs.tags.Stack, r.inputs.tags.Environment], [env, env], r.name);
      }
    });
  }
});

describe("AWS edge variants and errors", function () {
  this.timeout(30_000);

  it("the shared-NLB variant has one load balancer with distinct listener ports per environment", async () => {
    Object.assign(instances, DEV_NODES);
    const aws = { ...(dev["interlock-ingress:aws"] as object), sharedLoadBalancer: true };
    await runProgram({ ...dev, "interlock-ingress:aws": aws });
    assert.strictEqual(ofType("aws:lb/loadBalancer:LoadBalancer").length, 1);
    assert.strictEqual(ofType("aws:ec2/securityGroup:SecurityGroup").length, 1);
    const ports = ofType("aws:lb/listener:Listener").map((l) => [l.name, l.inputs.port]).sort();
    assert.deepStrictEqual(ports, [
      ["edge-dev-http", 8082], ["edge-dev-https", 8445],
      ["edge-prod-http", 8080], ["edge-prod-https", 8443],
      ["edge-test-http", 8081], ["edge-test-https", 8444],
    ]);
    for (const l of ofType("aws:lb/listener:Listener")) assert.match(l.inputs.loadBalancerArn, /LoadBalancer\/edge-shared$/);
  });

  it("the lab stack registers no AWS resource", async () => {
    await runProgram(stackConfig("lab"), "lab");
    assert.ok(registrations.length >= 4);
    assert.deepStrictEqual(registrations.filter((r) => r.type.startsWith("aws:")), []);
  });

  const topology = parseTopology({ environments: dev["interlock-ingress:environments"] }).environments;
  const base = dev["interlock-ingress:aws"] as Record<string, unknown>;
  const errors: Array<[string, () => unknown, RegExp]> = [
    ["subnets missing", () => parseAwsSettings({ ...base, subnetIds: [] }, topology), /interlock-ingress:aws\.subnetIds: list the subnets/],
    ["vpc missing", () => parseAwsSettings({ ...base, vpcId: undefined }, topology), /interlock-ingress:aws\.vpcId: missing; set it/],
    ["a record for an unknown environment", () => parseAwsSettings({ ...base, records: { qa: ["a.example.com"] } }, topology), /aws\.records\.qa: no environment is named qa/],
    ["shared listener ports that collide", () => parseAwsSettings({ ...base, sharedLoadBalancer: true, listenerPorts: { dev: { http: 80, https: 443 }, test: { http: 80, https: 8444 } } }, topology), /listenerPorts\.test: port 80 is also a listener of dev/],
    ["a port out of range", () => parseTopology({ environments: { dev: { ingressNodes: ["a"], publishedPort: 70000, publishedSSLPort: 8445 } } }), /environments\.dev\.publishedPort: 70000 is not a port number/],
    ["an environment without ingress nodes", () => parseTopology({ environments: { dev: { ingressNodes: [], publishedPort: 8082, publishedSSLPort: 8445 } } }), /environments\.dev\.ingressNodes: list at least one node hostname/],
  ];
  for (const [name, fn, expected] of errors) {
    it(`fails at preview for ${name}`, () => {
      assert.throws(fn, (err: Error) => err instanceof TopologyError && expected.test(err.message));
    });
  }

  it("uses configured instance IDs instead of looking nodes up", async () => {
    for (const k of Object.keys(instances)) delete instances[k]; // a lookup would now fail
    const aws = { ...(dev["interlock-ingress:aws"] as object), instanceIds: { ...DEV_NODES, "ip-127-13-5-3.us-west-2.compute.internal": "i-0bbbbbbbbbbbbbbb9" } };
    await runProgram({ ...dev, "interlock-ingress:aws": aws });
    assert.strictEqual(byName("aws:lb/targetGroupAttachment:TargetGroupAttachment", "edge-dev-https-0").targetId, "i-0bbbbbbbbbbbbbbb9");
    assert.strictEqual(ofType("aws:lb/targetGroupAttachment:TargetGroupAttachment").length, 6);
  });
});
