/**
 * AWS's constraints through the stand-in's operations against moto: those the stand-in adds
 * (moto 5.2.5 does not enforce them) and those moto enforces itself; and the timeline.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { StandIn } from "./aws/provider";
import * as rules from "./aws/rules";
import type { Props } from "./aws/values";
import { awsClients, MotoServer, startMoto } from "./moto";
import { forwardingGaps, readTimeline, rejectedOperations } from "./timeline";
import { seedWorld, World } from "./world";

const urn = (type: string, name: string) => `urn:pulumi:dev::p::${type}::${name}`;

describe("stand-in AWS constraints (against moto)", function () {
  this.timeout(60_000);
  let moto: MotoServer;
  let world: World;
  let standIn: StandIn;
  let timeline: string;

  before(async () => {
    moto = await startMoto();
  });
  after(async () => moto?.stop());
  beforeEach(async () => {
    await moto.reset();
    world = await seedWorld(awsClients(moto.endpoint));
    timeline = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "standin-")), "timeline.jsonl");
    standIn = new StandIn(awsClients(moto.endpoint), timeline);
  });

  /** check, then create, as the engine does. */
  async function create(type: string, name: string, inputs: Props) {
    const checked = await standIn.check(urn(type, name), {}, inputs);
    assert.deepStrictEqual(checked.failures, []);
    return standIn.create(urn(type, name), checked.inputs);
  }
  const lb = (name: string, extra: Props = {}) =>
    create(rules.LOAD_BALANCER, name, {
      name,
      loadBalancerType: "network",
      subnets: world.subnetIds,
      ...extra,
    });
  const tg = (name: string, extra: Props = {}) =>
    create(rules.TARGET_GROUP, name, {
      name,
      port: 8445,
      protocol: "TCP",
      vpcId: world.vpcId,
      healthCheck: { protocol: "TCP", interval: 10, timeout: 10 },
      ...extra,
    });
  const listener = (lbArn: string, tgArn: string, port = 443, extra: Props = {}) =>
    create(rules.LISTENER, `l-${port}`, {
      loadBalancerArn: lbArn,
      port,
      protocol: "TCP",
      defaultActions: [{ type: "forward", targetGroupArn: tgArn }],
      ...extra,
    });
  const attach = (tgArn: string, instanceId: string) =>
    create(rules.TARGET_GROUP_ATTACHMENT, `a-${instanceId}`, {
      targetGroupArn: tgArn,
      targetId: instanceId,
      port: 8445,
    });
  const refused = async (run: Promise<unknown>, code: RegExp) => {
    await assert.rejects(run, (err: Error) => code.test(err.name) || code.test(err.message));
    const last = rejectedOperations(readTimeline(timeline)).pop();
    assert.ok(last?.error && (code.test(last.error.code) || code.test(last.error.message)));
  };

  describe("enforced by the stand-in", () => {
    it("TargetGroupAssociationLimit: a target group on a second load balancer", async () => {
      const [a, b, g] = [await lb("a"), await lb("b"), await tg("g")];
      await listener(a.id, g.id);
      await refused(listener(b.id, g.id), /TargetGroupAssociationLimit/);
    });
    it("DuplicateListener: two listeners on one port of one load balancer", async () => {
      const [a, g, h] = [await lb("a"), await tg("g"), await tg("h", { port: 8082 })];
      await listener(a.id, g.id, 443);
      const other = await listener(a.id, h.id, 80);
      await refused(listener(a.id, h.id, 443), /DuplicateListener/);
      // A listener moved onto a taken port, too.
      await refused(
        standIn.update(other.id, urn(rules.LISTENER, "l-80"), other.outs, {
          ...other.outs,
          port: 443,
        }),
        /DuplicateListener/,
      );
    });
    it("DuplicateLoadBalancerName: two load balancers of one name", async () => {
      await lb("a");
      await refused(lb("a"), /DuplicateLoadBalancerName/);
    });
    it("OperationNotPermitted: deleting a load balancer with deletion protection", async () => {
      const a = await lb("a", { enableDeletionProtection: true });
      await refused(
        standIn.delete(a.id, urn(rules.LOAD_BALANCER, "a"), a.outs),
        /OperationNotPermitted/,
      );
    });
    it("ValidationError: a health-check interval under 5 s", async () => {
      await refused(
        tg("g", { healthCheck: { protocol: "TCP", interval: 3, timeout: 2 } }),
        /ValidationError/,
      );
    });
  });

  describe("enforced by moto itself", () => {
    it("a duplicate target-group name", async () => {
      await tg("g");
      await refused(tg("g"), /DuplicateTargetGroupName/);
    });
    it("deleting a target group a listener uses (ResourceInUse)", async () => {
      const [a, g] = [await lb("a"), await tg("g")];
      await listener(a.id, g.id);
      await refused(standIn.delete(g.id, urn(rules.TARGET_GROUP, "g"), g.outs), /ResourceInUse/);
    });
    it("registering a stopped instance (InvalidTarget)", async () => {
      const g = await tg("g");
      await refused(attach(g.id, world.stopped.instanceId), /InvalidTarget/);
    });
    it("a health-check timeout above the interval (ValidationError)", async () => {
      await refused(
        tg("g", { healthCheck: { protocol: "TCP", interval: 5 } }),
        /timeout '10' must be smaller than or equal to the interval '5'/,
      );
    });
  });

  it("records every change with moto's state, and finds the gap when a group loses its targets", async () => {
    const a = await lb("dev");
    const g = await tg("g");
    await listener(a.id, g.id, 443);
    const att = await attach(g.id, world.nodes[0].instanceId);
    const record = await create(rules.RECORD, "r", {
      zoneId: world.dnsZoneId,
      name: `ingress.${world.dnsZoneName}`,
      type: "A",
      aliases: [{ name: a.outs.dnsName, zoneId: a.outs.zoneId, evaluateTargetHealth: true }],
    });
    assert.strictEqual(record.outs.fqdn, `ingress.${world.dnsZoneName}`);
    fs.writeFileSync(timeline, "");
    const fresh = new StandIn(awsClients(moto.endpoint), timeline);
    await fresh.delete(att.id, urn(rules.TARGET_GROUP_ATTACHMENT, "a"), att.outs);
    await fresh.create(urn(rules.TARGET_GROUP_ATTACHMENT, "b"), {
      targetGroupArn: g.id,
      targetId: world.nodes[1].instanceId,
      port: 8445,
    });
    const entries = readTimeline(timeline);
    assert.deepStrictEqual(
      entries.map((e) => e.operation),
      [
        "initial state",
        `delete ${rules.TARGET_GROUP_ATTACHMENT} a`,
        `create ${rules.TARGET_GROUP_ATTACHMENT} b`,
      ],
    );
    assert.deepStrictEqual(entries[1].calls, [`DeregisterTargets ${world.nodes[0].instanceId}`]);
    assert.deepStrictEqual(forwardingGaps(entries), [
      {
        record: `ingress.${world.dnsZoneName}`,
        port: 443,
        openedBy: `delete ${rules.TARGET_GROUP_ATTACHMENT} a`,
        closedBy: `create ${rules.TARGET_GROUP_ATTACHMENT} b`,
        entries: [1],
        reason: "dev:443 forwards to target groups with no registered target",
      },
    ]);
    assert.deepStrictEqual(forwardingGaps(entries, { ports: [80] }), []);
  });
});
