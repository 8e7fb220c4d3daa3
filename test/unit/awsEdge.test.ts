import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import * as pulumi from "@pulumi/pulumi";
import {
  blogWorld,
  BLOG_VPC,
  installMocks,
  ofType,
  registrations,
  resetRegistrations,
  settled,
  world,
} from "../support/mocks";
import { placementProblems } from "../../provider/aws/placement";
import { parseAwsSettings, parseTopology, TopologyError } from "../../provider/config";
import { fingerprint } from "../../provider/aws/settings";

const REPO = path.resolve(__dirname, "../..");
const stackConfig = (name: string) =>
  (
    YAML.parse(fs.readFileSync(path.join(REPO, `Pulumi.${name}.yaml`), "utf8")) as {
      config: Record<string, unknown>;
    }
  ).config;

const dev = stackConfig("blog");
const DEV_HOST = "ip-127-13-5-3.us-west-2.compute.internal";

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
  assert.ok(
    r,
    `no ${type} named ${name}; have ${ofType(type)
      .map((x) => x.name)
      .join(", ")}`,
  );
  return r!.inputs;
};

describe("AWS edge for the dev stack (Pulumi mocks)", function () {
  this.timeout(30_000);
  before(async () => {
    blogWorld();
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
      assert.deepStrictEqual(lb.inputs.subnets, [
        "subnet-0a1b2c3d4e5f60718",
        "subnet-0b2c3d4e5f6071829",
        "subnet-0c3d4e5f60718293a",
      ]);
      assert.strictEqual(
        lb.inputs.enableDeletionProtection,
        true,
        "a stack with prod is protected",
      );
      assert.strictEqual(lb.inputs.securityGroups.length, 1);
      assert.strictEqual(lb.inputs.enableCrossZoneLoadBalancing, true);
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
        assert.deepStrictEqual(tg.healthCheck, {
          enabled: true,
          protocol: "TCP",
          port: "traffic-port",
          path: "",
          matcher: "",
          timeout: 10,
          interval: 10,
          healthyThreshold: 3,
          unhealthyThreshold: 3,
        });
        assert.strictEqual(tg.preserveClientIp, "false", "ingress mode: no client IP, no hairpin");
        // The group's name follows its load balancer's (dev, dev-test, dev-prod) and the VPC.
        const lbName = env === "dev" ? "dev" : `dev-${env}`;
        assert.strictEqual(tg.name, `${lbName}-${tg.port}-${fingerprint(lbName, BLOG_VPC)}`);
      }
      const l443 = byName("aws:lb/listener:Listener", `edge-${env}-https`);
      const l80 = byName("aws:lb/listener:Listener", `edge-${env}-http`);
      assert.deepStrictEqual([l443.port, l443.protocol], [443, "TCP"]);
      assert.deepStrictEqual([l80.port, l80.protocol], [80, "TCP"]);
      assert.strictEqual(l443.defaultActions[0].type, "forward");
      assert.match(
        l443.defaultActions[0].targetGroupArn,
        new RegExp(`TargetGroup/edge-${env}-https$`),
      );
      assert.match(l443.loadBalancerArn, new RegExp(`LoadBalancer/edge-${env}$`));
      assert.strictEqual(l80.defaultActions[0].type, "forward");
      assert.match(
        l80.defaultActions[0].targetGroupArn,
        new RegExp(`TargetGroup/edge-${env}-http$`),
      );
      assert.match(l80.loadBalancerArn, new RegExp(`LoadBalancer/edge-${env}$`));
      const node = world.instances.find((i) => i.id === instance)!.privateDns;
      for (const [proto, port] of [
        ["https", https],
        ["http", http],
      ] as const) {
        const att = byName(
          "aws:lb/targetGroupAttachment:TargetGroupAttachment",
          `edge-${env}-${proto}-${node}`,
        );
        assert.deepStrictEqual([att.targetId, att.port], [instance, port]);
        assert.match(att.targetGroupArn, new RegExp(`TargetGroup/edge-${env}-${proto}$`));
      }
    });

    it(`${env}: security-group rules open exactly the proxy ports from the load balancer`, () => {
      const fromNlb = ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").filter(
        (r) =>
          r.inputs.securityGroupId === "sg-0d1e2f3a4b5c6d7e8" && r.name.startsWith(`edge-${env}-`),
      );
      assert.deepStrictEqual(
        fromNlb.map((r) => [r.inputs.fromPort, r.inputs.toPort, r.inputs.ipProtocol]).sort(),
        [
          [http, http, "tcp"],
          [https, https, "tcp"],
        ].sort(),
      );
      for (const r of fromNlb)
        assert.strictEqual(r.inputs.referencedSecurityGroupId, `edge-${env}-nlb-id`);
      const egress = ofType("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule").filter((r) =>
        r.name.startsWith(`edge-${env}-`),
      );
      assert.deepStrictEqual(egress.map((r) => r.inputs.fromPort).sort(), [http, https].sort());
      for (const r of egress)
        assert.strictEqual(r.inputs.referencedSecurityGroupId, "sg-0d1e2f3a4b5c6d7e8");
      const clients = ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").filter(
        (r) => r.inputs.securityGroupId === `edge-${env}-nlb-id`,
      );
      assert.deepStrictEqual(
        clients.map((r) => [r.inputs.fromPort, r.inputs.cidrIpv4]).sort(),
        [
          [443, "0.0.0.0/0"],
          [80, "0.0.0.0/0"],
        ].sort(),
      );
    });
  }

  it("points the application's host at the dev load balancer", () => {
    const records = ofType("aws:route53/record:Record");
    assert.strictEqual(records.length, 1);
    const r = records[0].inputs;
    assert.deepStrictEqual(
      [r.name, r.type, r.zoneId],
      ["ingress-demo.lab.capstonec.net", "A", "Z0123456789ABCDEFGHIJ"],
    );
    assert.deepStrictEqual(r.aliases, [
      {
        name: "dev-0123456789.elb.us-west-2.amazonaws.com",
        zoneId: "Z18D5FSROUN65G",
        evaluateTargetHealth: true,
      },
    ]);
  });

  it("tags every AWS resource that takes tags with environment, stack and project", () => {
    const tagged = registrations.filter(
      (r) => r.type.startsWith("aws:") && !/targetGroupAttachment|route53/.test(r.type),
    );
    // Per environment: group, NLB, 2 target groups, 2 listeners, 2 client, 2 egress and 2 node rules.
    assert.strictEqual(tagged.length, 3 * 12, tagged.map((r) => r.name).join(", "));
    for (const r of tagged) {
      assert.strictEqual(r.inputs.tags?.Project, "interlock-ingress", r.name);
      assert.strictEqual(r.inputs.tags?.Stack, "dev", r.name);
      assert.strictEqual(r.inputs.tags?.Environment, r.name.split("-")[1], r.name);
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
      blogWorld();
      await runProgram(stackConfig(env), env);
      assert.deepStrictEqual(
        ofType("aws:lb/loadBalancer:LoadBalancer").map((r) => [
          r.name,
          r.inputs.name,
          r.inputs.enableDeletionProtection,
        ]),
        [[`edge-${env}`, env, env === "prod"]],
      );
      const host = world.instances.find((i) => i.id === instance)!.privateDns;
      assert.deepStrictEqual(
        ofType("aws:lb/listener:Listener")
          .map((r) => [r.name, r.inputs.port])
          .sort(),
        [
          [`edge-${env}-http`, 80],
          [`edge-${env}-https`, 443],
        ],
      );
      assert.deepStrictEqual(
        ofType("aws:lb/targetGroup:TargetGroup")
          .map((r) => [r.name, r.inputs.port])
          .sort(),
        [
          [`edge-${env}-http`, http],
          [`edge-${env}-https`, https],
        ],
      );
      assert.deepStrictEqual(
        ofType("aws:lb/targetGroupAttachment:TargetGroupAttachment")
          .map((r) => [r.name, r.inputs.targetId])
          .sort(),
        [
          [`edge-${env}-http-${host}`, instance],
          [`edge-${env}-https-${host}`, instance],
        ],
      );
      assert.strictEqual(ofType("aws:route53/record:Record").length, records);
      for (const r of registrations.filter((r) => r.type.startsWith("aws:") && r.inputs.tags)) {
        assert.deepStrictEqual(
          [r.inputs.tags.Stack, r.inputs.tags.Environment],
          [env, env],
          r.name,
        );
      }
    });
  }
});

describe("AWS edge variants and errors", function () {
  this.timeout(30_000);

  it("the shared-NLB variant has one load balancer with distinct listener ports per environment", async () => {
    blogWorld();
    const aws = { ...(dev["interlock-ingress:aws"] as object), sharedLoadBalancer: true };
    await runProgram({ ...dev, "interlock-ingress:aws": aws });
    assert.strictEqual(ofType("aws:lb/loadBalancer:LoadBalancer").length, 1);
    assert.strictEqual(ofType("aws:ec2/securityGroup:SecurityGroup").length, 1);
    const ports = ofType("aws:lb/listener:Listener")
      .map((l) => [l.name, l.inputs.port])
      .sort();
    assert.deepStrictEqual(ports, [
      ["edge-dev-http", 8082],
      ["edge-dev-https", 8445],
      ["edge-prod-http", 8080],
      ["edge-prod-https", 8443],
      ["edge-test-http", 8081],
      ["edge-test-https", 8444],
    ]);
    for (const l of ofType("aws:lb/listener:Listener"))
      assert.match(l.inputs.loadBalancerArn, /LoadBalancer\/edge-shared$/);
    const [lb] = ofType("aws:lb/loadBalancer:LoadBalancer");
    assert.deepStrictEqual(
      [lb.name, lb.inputs.name, lb.inputs.enableCrossZoneLoadBalancing],
      ["edge-shared", "dev-shared", true],
    );
    // Clients reach each environment's own listener ports on the one group, and the group
    // reaches each environment's proxy ports on the nodes, and nothing else.
    const rules = (type: string) =>
      ofType(type)
        .map((r) => [
          r.inputs.securityGroupId,
          r.inputs.fromPort,
          r.inputs.toPort,
          r.inputs.cidrIpv4 ?? r.inputs.referencedSecurityGroupId,
        ])
        .sort();
    const published = [8080, 8081, 8082, 8443, 8444, 8445];
    assert.deepStrictEqual(
      rules("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"),
      [
        ...published.map((p) => ["edge-shared-nlb-id", p, p, "0.0.0.0/0"]),
        ...published.map((p) => ["sg-0d1e2f3a4b5c6d7e8", p, p, "edge-shared-nlb-id"]),
      ].sort(),
    );
    assert.deepStrictEqual(
      rules("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"),
      published.map((p) => ["edge-shared-nlb-id", p, p, "sg-0d1e2f3a4b5c6d7e8"]).sort(),
    );
    assert.deepStrictEqual(
      ofType("aws:lb/targetGroupAttachment:TargetGroupAttachment")
        .map((r) => [r.name.split("-").slice(0, 3).join("-"), r.inputs.targetId, r.inputs.port])
        .sort(),
      [
        ["edge-dev-http", "i-0aaaaaaaaaaaaaaa1", 8082],
        ["edge-dev-https", "i-0aaaaaaaaaaaaaaa1", 8445],
        ["edge-prod-http", "i-0aaaaaaaaaaaaaaa3", 8080],
        ["edge-prod-https", "i-0aaaaaaaaaaaaaaa3", 8443],
        ["edge-test-http", "i-0aaaaaaaaaaaaaaa2", 8081],
        ["edge-test-https", "i-0aaaaaaaaaaaaaaa2", 8444],
      ],
    );
  });

  it("the lab stack registers no AWS resource", async () => {
    await runProgram(stackConfig("lab"), "lab");
    assert.deepStrictEqual(
      registrations.map((r) => r.type.replace(/^pulumi-nodejs:dynamic\//, "")).sort(),
      [
        "interlock:InterlockConfig",
        "swarm:AppRoutes",
        "swarm:AppStack",
        "swarm:NodeLabels",
        "swarm:NodeLabels",
        "swarm:NodeLabels",
        "swarm:OverlayNetwork",
      ],
    );
    assert.deepStrictEqual(
      registrations.filter((r) => r.type.startsWith("aws:")),
      [],
    );
  });

  const topology = parseTopology({
    environments: dev["interlock-ingress:environments"],
  }).environments;
  const base = dev["interlock-ingress:aws"] as Record<string, unknown>;
  const errors: Array<[string, () => unknown, RegExp]> = [
    [
      "subnets missing",
      () => parseAwsSettings({ ...base, subnetIds: [] }, topology),
      /interlock-ingress:aws\.subnetIds: list the subnets/,
    ],
    [
      "vpc missing",
      () => parseAwsSettings({ ...base, vpcId: undefined }, topology),
      /interlock-ingress:aws\.vpcId: missing; set it/,
    ],
    [
      "a record for an unknown environment",
      () => parseAwsSettings({ ...base, records: { qa: ["a.example.com"] } }, topology),
      /aws\.records\.qa: no environment is named qa/,
    ],
    [
      "shared listener ports that collide",
      () =>
        parseAwsSettings(
          {
            ...base,
            sharedLoadBalancer: true,
            listenerPorts: { dev: { http: 80, https: 443 }, test: { http: 80, https: 8444 } },
          },
          topology,
        ),
      /listenerPorts\.test: port 80 is also a listener of dev/,
    ],
    [
      "a port out of range",
      () =>
        parseTopology({
          environments: {
            dev: { ingressNodes: ["a"], publishedPort: 70000, publishedSSLPort: 8445 },
          },
        }),
      /environments\.dev\.publishedPort: 70000 is not a port number/,
    ],
    [
      "an environment without ingress nodes",
      () =>
        parseTopology({
          environments: { dev: { ingressNodes: [], publishedPort: 8082, publishedSSLPort: 8445 } },
        }),
      /environments\.dev\.ingressNodes: list at least one node hostname/,
    ],
  ];
  for (const [name, fn, expected] of errors) {
    it(`fails at preview for ${name}`, () => {
      assert.throws(fn, (err: Error) => err instanceof TopologyError && expected.test(err.message));
    });
  }

  it("uses configured instance IDs instead of looking nodes up", async () => {
    blogWorld();
    // The node was rebuilt: the old instance (stopped) and the new one share its DNS name.
    world.instances.push({
      id: "i-0bbbbbbbbbbbbbbb9",
      privateDns: DEV_HOST,
      state: "running",
      subnetId: "subnet-0a1b2c3d4e5f60718",
    });
    world.instances[0].state = "stopped";
    const aws = {
      ...(dev["interlock-ingress:aws"] as object),
      instanceIds: { [DEV_HOST]: "i-0bbbbbbbbbbbbbbb9" },
    };
    await runProgram({ ...dev, "interlock-ingress:aws": aws });
    assert.strictEqual(
      byName("aws:lb/targetGroupAttachment:TargetGroupAttachment", `edge-dev-https-${DEV_HOST}`)
        .targetId,
      "i-0bbbbbbbbbbbbbbb9",
    );
    assert.strictEqual(ofType("aws:lb/targetGroupAttachment:TargetGroupAttachment").length, 6);
  });
});

describe("AWS edge as production runs it: stable targets, placement, replacements, health, guardrails", function () {
  this.timeout(30_000);
  const devOnly = stackConfig("dev");
  const EXTRA = "ip-127-13-7-9.us-west-2.compute.internal";
  const withNodes = (
    nodes: string[],
    extra: Record<string, unknown> = {},
    aws: Record<string, unknown> = {},
  ) => {
    const envs = devOnly["interlock-ingress:environments"] as Record<
      string,
      Record<string, unknown>
    >;
    return {
      ...devOnly,
      "interlock-ingress:environments": {
        dev: { ...envs.dev, ingressNodes: nodes, proxyReplicas: 1, ...extra },
      },
      "interlock-ingress:aws": { ...(devOnly["interlock-ingress:aws"] as object), ...aws },
    };
  };
  const attachments = () =>
    Object.fromEntries(
      ofType("aws:lb/targetGroupAttachment:TargetGroupAttachment").map((r) => [
        r.name,
        `${r.inputs.targetId}:${r.inputs.port}`,
      ]),
    );

  beforeEach(() => {
    blogWorld();
    world.instances.push({
      id: "i-0ccccccccccccccc4",
      privateDns: EXTRA,
      state: "running",
      subnetId: "subnet-0b2c3d4e5f6071829",
    });
  });

  it("reordering ingressNodes registers exactly the same attachments", async () => {
    await runProgram(withNodes([DEV_HOST, EXTRA]), "dev");
    const before = attachments();
    assert.deepStrictEqual(
      Object.keys(before).sort(),
      [
        `edge-dev-http-${EXTRA}`,
        `edge-dev-http-${DEV_HOST}`,
        `edge-dev-https-${EXTRA}`,
        `edge-dev-https-${DEV_HOST}`,
      ].sort(),
    );
    await runProgram(withNodes([EXTRA, DEV_HOST]), "dev");
    assert.deepStrictEqual(attachments(), before);
  });

  it("removing a node drops exactly its two attachments and keeps the others as they were", async () => {
    await runProgram(withNodes([DEV_HOST, EXTRA]), "dev");
    const before = attachments();
    await runProgram(withNodes([EXTRA]), "dev");
    const after = attachments();
    assert.deepStrictEqual(
      Object.keys(before)
        .filter((k) => !(k in after))
        .sort(),
      [`edge-dev-http-${DEV_HOST}`, `edge-dev-https-${DEV_HOST}`],
    );
    for (const [k, v] of Object.entries(after)) assert.strictEqual(before[k], v, k);
  });

  it("host mode keeps the client IP; an HTTP health check asks the proxy, with the configured timing", async () => {
    await runProgram(
      withNodes(
        [DEV_HOST],
        { publishMode: "host" },
        {
          healthCheck: {
            protocol: "HTTP",
            path: "/healthz",
            intervalSeconds: 30,
            healthyThreshold: 2,
          },
        },
      ),
      "dev",
    );
    for (const tg of ofType("aws:lb/targetGroup:TargetGroup")) {
      assert.strictEqual(tg.inputs.preserveClientIp, "true");
      assert.deepStrictEqual(tg.inputs.healthCheck, {
        enabled: true,
        protocol: "HTTP",
        // The proxy's HTTP port for both groups: the HTTPS group's port speaks TLS.
        port: "8082",
        path: "/healthz",
        matcher: "200-399",
        interval: 30,
        timeout: 6,
        healthyThreshold: 2,
        unhealthyThreshold: 3,
      });
    }
  });

  it("names survive replacement: the scheme is in the NLB's name, the group has a prefix never starting sg-", async () => {
    await runProgram(withNodes([DEV_HOST], {}, { internal: true }), "sg-team");
    const [lb] = ofType("aws:lb/loadBalancer:LoadBalancer");
    assert.deepStrictEqual(
      [lb.inputs.name, lb.inputs.internal, lb.inputs.enableDeletionProtection],
      ["sg-team-dev-int", true, false],
    );
    const [sg] = ofType("aws:ec2/securityGroup:SecurityGroup");
    assert.deepStrictEqual(
      [sg.inputs.name, sg.inputs.namePrefix],
      [undefined, "ingress-sg-team-dev-nlb-"],
    );
  });

  it("Auto Scaling groups are attached to both target groups of their environment", async () => {
    await runProgram(
      withNodes([DEV_HOST], {}, { autoScalingGroups: { dev: ["ingress-dev"] } }),
      "dev",
    );
    assert.deepStrictEqual(
      ofType("aws:autoscaling/attachment:Attachment")
        .map((r) => [
          r.name,
          r.inputs.autoscalingGroupName,
          r.inputs.lbTargetGroupArn.split("/").pop(),
        ])
        .sort(),
      [
        ["edge-dev-http-asg-ingress-dev", "ingress-dev", "edge-dev-http"],
        ["edge-dev-https-asg-ingress-dev", "ingress-dev", "edge-dev-https"],
      ],
    );
  });

  const settings = () =>
    parseAwsSettings(
      devOnly["interlock-ingress:aws"],
      parseTopology({ environments: devOnly["interlock-ingress:environments"] }).environments,
    )!;
  const subnets = () => Object.entries(world.subnets).map(([id, s]) => ({ id, ...s }));
  const node = (i: number, over: Record<string, unknown> = {}) => ({
    host: world.instances[i].privateDns,
    source: `interlock-ingress:environments.dev.ingressNodes[${i}]`,
    matches: [world.instances[i].id],
    instance: {
      id: world.instances[i].id,
      state: "running",
      availabilityZone: world.subnets[world.instances[i].subnetId].availabilityZone,
      vpcId: BLOG_VPC,
      ...over,
    },
  });
  const placement: Array<[string, () => string[], string]> = [
    [
      "a stopped node",
      () => placementProblems(settings(), subnets(), [node(0, { state: "stopped" })]),
      `interlock-ingress:environments.dev.ingressNodes[0]: ${DEV_HOST} (i-0aaaaaaaaaaaaaaa1) is stopped; a load balancer target must be a running instance; start it or remove it from ingressNodes`,
    ],
    [
      "a node in another VPC",
      () => placementProblems(settings(), subnets(), [node(0, { vpcId: "vpc-0fff" })]),
      `interlock-ingress:environments.dev.ingressNodes[0]: ${DEV_HOST} (i-0aaaaaaaaaaaaaaa1) is in vpc-0fff, not in the load balancers' VPC ${BLOG_VPC} (interlock-ingress:aws.vpcId)`,
    ],
    [
      "a node in an AZ no subnet covers",
      () => placementProblems(settings(), subnets().slice(1), [node(0)]),
      `interlock-ingress:environments.dev.ingressNodes[0]: ${DEV_HOST} (i-0aaaaaaaaaaaaaaa1) is in us-west-2a, which none of interlock-ingress:aws.subnetIds covers (us-west-2b, us-west-2c); add a subnet of us-west-2a, or its traffic never arrives`,
    ],
    [
      "two subnets in one AZ",
      () =>
        placementProblems(
          settings(),
          [...subnets(), { id: "subnet-0dd", vpcId: BLOG_VPC, availabilityZone: "us-west-2a" }],
          [node(0)],
        ),
      "interlock-ingress:aws.subnetIds[3]: subnet-0dd and subnet-0a1b2c3d4e5f60718 are both in us-west-2a; a load balancer takes one subnet per availability zone",
    ],
    [
      "a subnet of another VPC",
      () =>
        placementProblems(
          settings(),
          [{ ...subnets()[0], vpcId: "vpc-0fff" }, ...subnets().slice(1)],
          [node(1)],
        ),
      `interlock-ingress:aws.subnetIds[0]: subnet-0a1b2c3d4e5f60718 is in vpc-0fff, not in the load balancers' VPC ${BLOG_VPC}; list subnets of ${BLOG_VPC}`,
    ],
    [
      "a hostname matching two instances",
      () =>
        placementProblems(settings(), subnets(), [
          { ...node(0), matches: ["i-01", "i-02"], instance: undefined },
        ]),
      `interlock-ingress:environments.dev.ingressNodes[0]: 2 EC2 instances have the private DNS name ${DEV_HOST} (i-01, i-02); set interlock-ingress:aws.instanceIds.${DEV_HOST} to the one that is the node`,
    ],
    [
      "a hostname matching none",
      () =>
        placementProblems(settings(), subnets(), [
          { ...node(0), matches: [], instance: undefined },
        ]),
      `interlock-ingress:environments.dev.ingressNodes[0]: no EC2 instance has the private DNS name ${DEV_HOST}; fix the hostname or set interlock-ingress:aws.instanceIds.${DEV_HOST}`,
    ],
  ];
  for (const [name, problems, expected] of placement) {
    it(`placement: refuses ${name}, naming the key`, () => {
      installMocks(devOnly, "dev");
      assert.deepStrictEqual(problems(), [expected]);
    });
  }

  it("placement is checked during preview through EC2 lookups, and fails the preview with every problem", async () => {
    world.instances[0].state = "stopped";
    installMocks(withNodes([DEV_HOST, "ip-10-9-9-9.us-west-2.compute.internal"]), "dev");
    const { checkedTargets, subnetFacts } = await import("../../provider/aws/placement");
    const config = withNodes([DEV_HOST, "ip-10-9-9-9.us-west-2.compute.internal"]);
    const env = parseTopology({ environments: config["interlock-ingress:environments"] })
      .environments[0];
    const s = parseAwsSettings(config["interlock-ingress:aws"], [env])!;
    const parent = new (class extends pulumi.ComponentResource {})("test:index:Parent", "p");
    const out = checkedTargets(env, s, subnetFacts(s, parent), parent) as unknown as {
      promise(): Promise<unknown>;
    };
    await assert.rejects(out.promise(), (err: Error) => {
      assert.match(
        err.message,
        /the dev load balancer cannot reach its targets:\n {2}- .*ingressNodes\[0\]: ip-127-13-5-3\.us-west-2\.compute\.internal \(i-0aaaaaaaaaaaaaaa1\) is stopped;.*\n {2}- .*ingressNodes\[1\]: no EC2 instance has the private DNS name ip-10-9-9-9\.us-west-2\.compute\.internal/,
      );
      return true;
    });
  });
});

describe("AWS edge targets by publish mode", function () {
  this.timeout(30_000);
  const devOnly = stackConfig("dev");
  const OTHER = "ip-127-13-6-2.us-west-2.compute.internal";
  const config = (mode: string) => ({
    ...devOnly,
    "interlock-ingress:environments": {
      dev: {
        ...(devOnly["interlock-ingress:environments"] as Record<string, object>).dev,
        publishMode: mode,
      },
    },
    "interlock-ingress:aws": {
      ...(devOnly["interlock-ingress:aws"] as object),
      extraTargets: { dev: [OTHER] },
    },
  });

  it("ingress mode may target other workers too (the routing mesh answers on every node)", async () => {
    blogWorld();
    await runProgram(config("ingress"), "dev");
    assert.deepStrictEqual(
      ofType("aws:lb/targetGroupAttachment:TargetGroupAttachment")
        .map((r) => [r.name, r.inputs.targetId])
        .sort(),
      [
        [`edge-dev-http-${OTHER}`, "i-0aaaaaaaaaaaaaaa2"],
        [`edge-dev-http-${DEV_HOST}`, "i-0aaaaaaaaaaaaaaa1"],
        [`edge-dev-https-${OTHER}`, "i-0aaaaaaaaaaaaaaa2"],
        [`edge-dev-https-${DEV_HOST}`, "i-0aaaaaaaaaaaaaaa1"],
      ].sort(),
    );
  });

  it("host mode refuses extra targets: only the proxies' nodes answer", () => {
    const c = config("host");
    assert.throws(
      () =>
        parseAwsSettings(
          c["interlock-ingress:aws"],
          parseTopology({ environments: c["interlock-ingress:environments"] }).environments,
        ),
      /interlock-ingress:aws\.extraTargets\.dev: dev publishes in host mode, so only its ingress nodes run proxies/,
    );
  });
});

describe("IngressEdge as a library component", function () {
  this.timeout(30_000);

  it("takes the VPC, subnets and node group as outputs of other resources", async () => {
    installMocks({}, "lib");
    resetRegistrations();
    world.subnets = { "subnet-lib-a-id": { vpcId: "net-id", availabilityZone: "us-west-2a" } };
    world.instances = [
      {
        id: "i-0ddddddddddddddd1",
        privateDns: "node-a",
        state: "running",
        subnetId: "subnet-lib-a-id",
      },
    ];
    const aws = await import("@pulumi/aws");
    const { IngressEdge } = await import("../../provider/aws/ingressEdge");
    const vpc = new aws.ec2.Vpc("net", { cidrBlock: "10.0.0.0/16" });
    const subnet = new aws.ec2.Subnet("subnet-lib-a", { vpcId: vpc.id, cidrBlock: "10.0.1.0/24" });
    const nodes = new aws.ec2.SecurityGroup("nodes", { vpcId: vpc.id });
    const environments = parseTopology({
      environments: {
        dev: { ingressNodes: ["node-a"], publishedPort: 8082, publishedSSLPort: 8445 },
      },
    }).environments;
    const plain = parseAwsSettings(
      {
        vpcId: "vpc-placeholder",
        subnetIds: ["subnet-placeholder"],
        nodeSecurityGroupId: "sg-placeholder",
      },
      environments,
    )!;
    new IngressEdge("edge", {
      environments,
      settings: { ...plain, vpcId: vpc.id, subnetIds: [subnet.id], nodeSecurityGroupId: nodes.id },
      stack: "lib",
    });
    await settled();
    assert.deepStrictEqual(
      ofType("aws:lb/loadBalancer:LoadBalancer").map((r) => r.inputs.subnets),
      [["subnet-lib-a-id"]],
    );
    assert.deepStrictEqual(
      ofType("aws:lb/targetGroup:TargetGroup").map((r) => r.inputs.vpcId),
      ["net-id", "net-id"],
    );
    assert.deepStrictEqual(
      ofType("aws:lb/targetGroupAttachment:TargetGroupAttachment").map((r) => r.inputs.targetId),
      ["i-0ddddddddddddddd1", "i-0ddddddddddddddd1"],
    );
    assert.deepStrictEqual(
      ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
        .filter((r) => r.inputs.securityGroupId === "nodes-id")
        .map((r) => r.inputs.fromPort)
        .sort(),
      [8082, 8445],
    );
  });
});

describe("AWS edge changes that replace: the new object beside the old, never a gap", function () {
  this.timeout(30_000);
  const devOnly = stackConfig("dev");
  const aws = (extra: Record<string, unknown>) => ({
    ...devOnly,
    "interlock-ingress:aws": { ...(devOnly["interlock-ingress:aws"] as object), ...extra },
  });
  const subnets = (devOnly["interlock-ingress:aws"] as { subnetIds: string[] }).subnetIds;
  const names = (type: string) => ofType(type).map((r) => r.inputs.name as string);
  const problemsOf = (extra: Record<string, unknown>) => {
    try {
      parseAwsSettings(
        { ...(devOnly["interlock-ingress:aws"] as object), ...extra },
        parseTopology({ environments: devOnly["interlock-ingress:environments"] }).environments,
      );
      return [];
    } catch (e) {
      assert.ok(e instanceof TopologyError, String(e));
      return e.problems;
    }
  };
  beforeEach(() => blogWorld());

  it("a load balancer that would lose a subnet is created under its other name, and its groups follow", async () => {
    world.loadBalancers.dev = { internal: false, subnets };
    await runProgram(aws({ subnetIds: subnets.slice(0, 1) }), "dev");
    assert.deepStrictEqual(names("aws:lb/loadBalancer:LoadBalancer"), ["dev-alt"]);
    assert.deepStrictEqual(names("aws:lb/targetGroup:TargetGroup").sort(), [
      `dev-8082-${fingerprint("dev-alt", BLOG_VPC)}`,
      `dev-8445-${fingerprint("dev-alt", BLOG_VPC)}`,
    ]);
  });

  it("a subnet added keeps the live name (AWS adds it in place); the alternate name live is kept too", async () => {
    world.loadBalancers.dev = { internal: false, subnets: subnets.slice(0, 1) };
    await runProgram(aws({}), "dev");
    assert.deepStrictEqual(names("aws:lb/loadBalancer:LoadBalancer"), ["dev"]);
    resetRegistrations();
    world.loadBalancers = { "dev-alt": { internal: false, subnets } };
    await runProgram(aws({}), "dev");
    assert.deepStrictEqual(names("aws:lb/loadBalancer:LoadBalancer"), ["dev-alt"]);
  });

  it("shared and per-environment load balancers have distinct target groups, so a move never shares one", async () => {
    const blog = stackConfig("blog");
    await runProgram(blog, "blog");
    const perEnvironment = names("aws:lb/targetGroup:TargetGroup");
    await runProgram(
      {
        ...blog,
        "interlock-ingress:aws": {
          ...(blog["interlock-ingress:aws"] as object),
          sharedLoadBalancer: true,
          listenerPorts: undefined,
        },
      },
      "blog",
    );
    const shared = names("aws:lb/targetGroup:TargetGroup");
    assert.strictEqual(shared.length, 6);
    assert.deepStrictEqual(
      shared.filter((n) => perEnvironment.includes(n)),
      [],
    );
  });

  it("a record is keyed by its DNS name, so renaming the environment moves it", async () => {
    await runProgram(aws({}), "dev");
    const records = ofType("aws:route53/record:Record");
    assert.ok(records.length > 0);
    for (const r of records) assert.strictEqual(r.name, `edge-record-${r.inputs.name}`);
  });

  it("an opt-in TLS listener decrypts with the certificate and forwards to the HTTP port; no SNI group", async () => {
    const certificateArn = "arn:aws:acm:us-west-2:123456789012:certificate/0a1b2c3d";
    await runProgram(aws({ tls: { dev: { certificateArn, alpnPolicy: "HTTP2Optional" } } }), "dev");
    const https = byName("aws:lb/listener:Listener", "edge-dev-https");
    assert.deepStrictEqual(
      [https.protocol, https.certificateArn, https.sslPolicy, https.alpnPolicy, https.port],
      ["TLS", certificateArn, "ELBSecurityPolicy-TLS13-1-2-2021-06", "HTTP2Optional", 443],
    );
    assert.strictEqual(https.defaultActions[0].targetGroupArn.split("/").pop(), "edge-dev-http");
    assert.deepStrictEqual(
      ofType("aws:lb/targetGroup:TargetGroup").map((r) => r.name),
      ["edge-dev-http"],
    );
    assert.strictEqual(byName("aws:lb/listener:Listener", "edge-dev-http").protocol, "TCP");
  });

  it("draining is configurable: deregistration delay and connection termination", async () => {
    await runProgram(aws({ deregistrationDelaySeconds: 30, connectionTermination: true }), "dev");
    for (const tg of ofType("aws:lb/targetGroup:TargetGroup"))
      assert.deepStrictEqual(
        [tg.inputs.deregistrationDelay, tg.inputs.connectionTermination],
        [30, true],
      );
    await runProgram(aws({}), "dev");
    for (const tg of ofType("aws:lb/targetGroup:TargetGroup"))
      assert.deepStrictEqual(
        [tg.inputs.deregistrationDelay, tg.inputs.connectionTermination],
        [300, false],
      );
  });

  it("a short interval gets a timeout within it; a longer timeout is refused at preview", async () => {
    await runProgram(aws({ healthCheck: { intervalSeconds: 5 } }), "dev");
    for (const tg of ofType("aws:lb/targetGroup:TargetGroup"))
      assert.deepStrictEqual(
        [tg.inputs.healthCheck.interval, tg.inputs.healthCheck.timeout],
        [5, 5],
      );
    assert.deepStrictEqual(problemsOf({ healthCheck: { intervalSeconds: 5, timeoutSeconds: 6 } }), [
      "interlock-ingress:aws.healthCheck.timeoutSeconds: 6 s is longer than intervalSeconds (5 s); AWS refuses a timeout longer than the interval",
    ]);
  });

  it("an HTTP check needs its path; a TCP check takes no path or matcher", () => {
    assert.match(
      problemsOf({ healthCheck: { protocol: "HTTP" } }).join("\n"),
      /^interlock-ingress:aws\.healthCheck\.path: an HTTP check needs a path the proxy answers with 200-399; Interlock answers .* with 503/,
    );
    assert.deepStrictEqual(problemsOf({ healthCheck: { path: "/health", matcher: "200" } }), [
      "interlock-ingress:aws.healthCheck.path: only an HTTP check has a path; remove it or set protocol: HTTP",
      "interlock-ingress:aws.healthCheck.matcher: only an HTTP check has a matcher; remove it or set protocol: HTTP",
    ]);
  });

  it("a misspelled key is refused with the key it meant, not ignored", () => {
    assert.deepStrictEqual(problemsOf({ internl: true, healthCheck: { intervalSecond: 10 } }), [
      "interlock-ingress:aws.internl: unknown key; did you mean internal?",
      "interlock-ingress:aws.healthCheck.intervalSecond: unknown key; did you mean intervalSeconds?",
    ]);
  });

  it("one port for both listeners of an environment is refused", () => {
    assert.deepStrictEqual(problemsOf({ listenerPorts: { dev: { http: 443, https: 443 } } }), [
      "interlock-ingress:aws.listenerPorts.dev: http and https are both 443; a load balancer takes one listener per port",
    ]);
  });
});
