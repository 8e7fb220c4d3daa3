/**
 * Every production change of the AWS edge through the real engine, one after another on one
 * stack: the preview shows each replacement with the new object created before the old is
 * deleted, `up` succeeds, the stand-in's timeline shows no moment at which a DNS name stopped
 * forwarding a port to a registered target, and a second preview shows no change.
 */
import * as assert from "assert";
import {
  DescribeLoadBalancersCommand,
  DescribeTargetGroupsCommand,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { awsClients, MotoServer, startMoto } from "./moto";
import { seedWorld, World } from "./world";
import { standInStack, StandInStack } from "./stack";
import { forwardingGaps, readTimeline, rejectedOperations, TimelineEntry } from "./timeline";

type Config = Record<string, unknown>;
type Edit = (aws: Config, environments: Record<string, Config>) => void;

/** The logical names the timeline deleted before (or without) creating their replacement. */
function deletedBeforeCreated(timeline: TimelineEntry[]): string[] {
  const at = (verb: string, name: string) =>
    timeline.findIndex((e) => e.operation.startsWith(`${verb} `) && e.operation.includes(name));
  const names = new Set(
    timeline.filter((e) => e.operation.startsWith("delete ")).map((e) => e.operation.split(" ")[2]),
  );
  return [...names].filter((n) => {
    const created = at("create", ` ${n}`);
    return created !== -1 && created > at("delete", ` ${n}`);
  });
}

/** The preview's replacement steps by kind and name ("TargetGroup edge-dev-https"), in order. */
function replacementSteps(json: string): Record<string, string[]> {
  const steps = (JSON.parse(json) as { steps?: Array<{ op: string; urn: string }> }).steps ?? [];
  const out: Record<string, string[]> = {};
  for (const s of steps) {
    if (!/replace/.test(s.op)) continue;
    const [type, name] = s.urn.split("::").slice(-2);
    (out[`${type.split(":").pop()} ${name}`] ??= []).push(s.op);
  }
  return out;
}

describe("AWS edge changes through the engine and the stand-in, each without a gap", function () {
  this.timeout(300_000);
  let moto: MotoServer;
  let world: World;
  let stack: StandInStack;
  let aws: Config;
  let environments: Record<string, Config>;
  const dev = () => `ingress-demo.${world.dnsZoneName}`;
  const test = () => `test.${world.dnsZoneName}`;

  const config = () => ({
    "aws:region": "us-west-2",
    "interlock-ingress:environments": environments,
    "interlock-ingress:aws": aws,
  });

  /**
   * Applies `edit`, previews (asserting each of `replaced` is replaced create-first), runs `up`
   * and asserts no gap on 80 and 443 for `records` (default: every record), then a no-change
   * preview.
   */
  function change(edit: Edit, replaced: string[], records?: () => string[]) {
    edit(aws, environments);
    stack.setConfig(config());
    const preview = stack.cli("preview", "--json", "--show-replacement-steps");
    assert.strictEqual(preview.code, 0, preview.out);
    const steps = replacementSteps(preview.stdout);
    for (const name of replaced) {
      assert.deepStrictEqual(
        steps[name],
        ["create-replacement", "replace", "delete-replaced"],
        `${name}: ${JSON.stringify(steps)}`,
      );
    }
    for (const [name, ops] of Object.entries(steps))
      assert.notStrictEqual(ops[0], "delete-replaced", `${name} deleted before its replacement`);

    stack.clearTimeline();
    const up = stack.cli("up", "--yes", "--skip-preview");
    assert.strictEqual(up.code, 0, up.out);
    const timeline = readTimeline(stack.timeline);
    assert.deepStrictEqual(rejectedOperations(timeline), []);
    const wanted = records?.();
    // Every environment's record is served on 80 and 443, except where a step moves one on purpose.
    const gaps = forwardingGaps(timeline, { ports: [80, 443] }).filter(
      (g) => !wanted || wanted.includes(g.record),
    );
    assert.deepStrictEqual(gaps, []);
    assert.deepStrictEqual(deletedBeforeCreated(timeline), []);
    const again = stack.cli("preview", "--expect-no-changes", "--diff");
    assert.strictEqual(again.code, 0, again.out);
    return timeline;
  }

  before(async () => {
    moto = await startMoto();
    world = await seedWorld(awsClients(moto.endpoint));
    environments = {
      dev: { ingressNodes: [world.nodes[0].host], publishedPort: 8082, publishedSSLPort: 8445 },
      test: { ingressNodes: [world.nodes[1].host], publishedPort: 8081, publishedSSLPort: 8444 },
    };
    aws = {
      vpcId: world.vpcId,
      subnetIds: world.subnetIds,
      nodeSecurityGroupId: world.nodeSecurityGroupId,
      dnsZoneId: world.dnsZoneId,
      records: { dev: [dev()], test: [test()] },
    };
    stack = standInStack(moto.endpoint, config(), `changes-${process.pid}`);
    const up = stack.cli("up", "--yes", "--skip-preview");
    assert.strictEqual(up.code, 0, up.out);
  });

  after(async () => {
    stack?.remove();
    await moto?.stop();
  });

  it("a published SSL port: a new target group, filled before the listener moves to it", () => {
    const timeline = change(
      (_aws, envs) => (envs.dev.publishedSSLPort = 9445),
      ["TargetGroup edge-dev-https", `TargetGroupAttachment edge-dev-https-${world.nodes[0].host}`],
    );
    const moved = timeline.findIndex((e) =>
      /^update aws:lb\/listener:Listener edge-dev-https/.test(e.operation),
    );
    const filled = timeline.findIndex((e) =>
      e.operation.startsWith(
        `create aws:lb/targetGroupAttachment:TargetGroupAttachment edge-dev-https-`,
      ),
    );
    assert.ok(filled !== -1 && moved > filled, timeline.map((e) => e.operation).join("\n"));
  });

  it("internal: a new load balancer beside the old, the records moved once its listeners exist", () => {
    change(
      (a) => (a.internal = true),
      [
        "LoadBalancer edge-dev",
        "LoadBalancer edge-test",
        "TargetGroup edge-dev-http",
        "Listener edge-dev-https",
      ],
    );
  });

  it("a subnet removed: the load balancer rebuilt under its other name", async () => {
    change(
      (a) => (a.subnetIds = world.subnetIds.slice(0, 2)),
      ["LoadBalancer edge-dev", "LoadBalancer edge-test"],
    );
    const names = (await awsClients(moto.endpoint).elbv2.send(new DescribeLoadBalancersCommand({})))
      .LoadBalancers!.map((l) => l.LoadBalancerName)
      .sort();
    assert.deepStrictEqual(names, [
      `changes-${process.pid}-dev-int-alt`,
      `changes-${process.pid}-test-int-alt`,
    ]);
  });

  it("one shared load balancer and back: new target groups each way, never one on two NLBs", () => {
    change(
      (a) => {
        a.sharedLoadBalancer = true;
        a.listenerPorts = { dev: { http: 80, https: 443 }, test: { http: 8081, https: 8444 } };
      },
      ["TargetGroup edge-dev-http", "TargetGroup edge-test-https", "Listener edge-dev-https"],
      // test's record moves to other ports on purpose; dev's keeps 80 and 443 throughout.
      () => [dev()],
    );
    change(
      (a) => {
        delete a.sharedLoadBalancer;
        delete a.listenerPorts;
      },
      ["TargetGroup edge-dev-http", "Listener edge-dev-https"],
      () => [dev()],
    );
  });

  it("health checks: HTTP on the proxy's HTTP port, back to TCP, then a 5 s interval", async () => {
    change((a) => (a.healthCheck = { protocol: "HTTP", path: "/health" }), []);
    const checks = (
      await awsClients(moto.endpoint).elbv2.send(new DescribeTargetGroupsCommand({}))
    ).TargetGroups!.map((t) => [t.Port, t.HealthCheckProtocol, t.HealthCheckPort]);
    for (const [port, protocol, checked] of checks) {
      assert.strictEqual(protocol, "HTTP");
      assert.ok(["8082", "8081"].includes(String(checked)), `group on ${port} checks ${checked}`);
    }
    change((a) => delete a.healthCheck, []);
    change((a) => (a.healthCheck = { intervalSeconds: 5 }), []);
  });

  it("a misspelled key fails the preview, naming it and what it meant, and changes nothing", () => {
    stack.setConfig({ ...config(), "interlock-ingress:aws": { ...aws, internl: false } });
    stack.clearTimeline();
    const preview = stack.cli("preview");
    assert.notStrictEqual(preview.code, 0);
    assert.match(
      preview.out,
      /interlock-ingress:aws\.internl: unknown key; did you mean internal\?/,
    );
    stack.setConfig(config());
    assert.deepStrictEqual(
      readTimeline(stack.timeline).filter((e) => e.operation !== "initial state"),
      [],
    );
  });

  it("an environment renamed: its record moves to the new load balancer instead of colliding", () => {
    change((a, envs) => {
      envs.qa = envs.test;
      delete envs.test;
      a.records = { dev: [dev()], qa: [test()] };
    }, []);
  });

  it("destroy leaves nothing of the stack in moto", async () => {
    const destroy = stack.cli("destroy", "--yes", "--skip-preview");
    assert.strictEqual(destroy.code, 0, destroy.out);
    const clients = awsClients(moto.endpoint);
    assert.deepStrictEqual(
      (await clients.elbv2.send(new DescribeLoadBalancersCommand({}))).LoadBalancers,
      [],
    );
    assert.deepStrictEqual(
      (await clients.elbv2.send(new DescribeTargetGroupsCommand({}))).TargetGroups,
      [],
    );
  });
});
