/**
 * The project's AWS edge through the real engine: `pulumi preview`, `up`, a no-change
 * preview and `destroy` of the AWS-only program, against moto with the stand-in plugin.
 */
import * as assert from "assert";
import {
  DescribeLoadBalancersCommand,
  DescribeTargetGroupsCommand,
  DescribeListenersCommand,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { ListResourceRecordSetsCommand } from "@aws-sdk/client-route-53";
import { DescribeSecurityGroupsCommand } from "@aws-sdk/client-ec2";
import { awsClients, MotoServer, startMoto } from "./moto";
import { seedWorld, World } from "./world";
import { edgeConfig, standInStack, StandInStack } from "./stack";
import { forwardingGaps, readTimeline, rejectedOperations } from "./timeline";

describe("the AWS edge through the Pulumi CLI and the stand-in", function () {
  this.timeout(240_000);
  let moto: MotoServer;
  let world: World;
  let stack: StandInStack;

  before(async () => {
    moto = await startMoto();
    world = await seedWorld(awsClients(moto.endpoint));
    stack = standInStack(moto.endpoint, edgeConfig(world));
  });

  after(async () => {
    stack?.remove();
    await moto?.stop();
  });

  it("previews, comes up, previews no change, and is destroyed leaving nothing", async () => {
    const aws = awsClients(moto.endpoint);
    const preview = stack.cli("preview");
    assert.strictEqual(preview.code, 0, preview.out);
    assert.match(preview.out, /\+ +aws:lb:LoadBalancer +edge-dev/);

    const up = stack.cli("up", "--yes", "--skip-preview");
    assert.strictEqual(up.code, 0, up.out);
    const lbs = (await aws.elbv2.send(new DescribeLoadBalancersCommand({}))).LoadBalancers ?? [];
    assert.strictEqual(lbs.length, 1);
    const tgs = (await aws.elbv2.send(new DescribeTargetGroupsCommand({}))).TargetGroups ?? [];
    assert.strictEqual(tgs.length, 2);
    const listeners = (
      await aws.elbv2.send(
        new DescribeListenersCommand({ LoadBalancerArn: lbs[0].LoadBalancerArn }),
      )
    ).Listeners!;
    assert.deepStrictEqual(listeners.map((l) => l.Port).sort(), [443, 80]);
    const records = (
      await aws.route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: world.dnsZoneId }))
    ).ResourceRecordSets!.filter((r) => r.Type === "A");
    assert.deepStrictEqual(
      records.map((r) => r.Name),
      [`ingress-demo.${world.dnsZoneName}.`],
    );
    const timeline = readTimeline(stack.timeline);
    assert.deepStrictEqual(rejectedOperations(timeline), []);
    const last = timeline[timeline.length - 1].snapshot;
    assert.deepStrictEqual(
      last.targetGroups.map((t) => t.targets.length),
      [2, 2],
    );

    const again = stack.cli("preview", "--expect-no-changes", "--diff");
    assert.strictEqual(again.code, 0, again.out);

    stack.clearTimeline();
    const destroy = stack.cli("destroy", "--yes", "--skip-preview");
    assert.strictEqual(destroy.code, 0, destroy.out);
    assert.deepStrictEqual(
      (await aws.elbv2.send(new DescribeLoadBalancersCommand({}))).LoadBalancers,
      [],
    );
    assert.deepStrictEqual(
      (await aws.elbv2.send(new DescribeTargetGroupsCommand({}))).TargetGroups,
      [],
    );
    const groups = (await aws.ec2.send(new DescribeSecurityGroupsCommand({}))).SecurityGroups!;
    assert.deepStrictEqual(
      groups.filter((g) => g.GroupName !== "default" && g.GroupId !== world.nodeSecurityGroupId),
      [],
    );
    const nodeGroup = groups.find((g) => g.GroupId === world.nodeSecurityGroupId)!;
    assert.deepStrictEqual(nodeGroup.IpPermissions, []);
    const left = (
      await aws.route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: world.dnsZoneId }))
    ).ResourceRecordSets!.filter((r) => r.Type === "A");
    assert.deepStrictEqual(left, []);
    // A destroy is one long gap; the timeline shows where it opened.
    const gaps = forwardingGaps(readTimeline(stack.timeline));
    assert.ok(gaps.length >= 1);
  });
});
