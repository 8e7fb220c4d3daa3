/**
 * A protected load balancer (prod's default) through the engine and the stand-in: a change that
 * replaces it fails at preview and changes nothing; turning protection off in the same `up`
 * moves the traffic to the new NLB and then fails deleting the old one, which AWS still
 * protects, as the docs say; the next `up` after protection is off in AWS completes.
 */
import * as assert from "assert";
import {
  DescribeLoadBalancersCommand,
  ModifyLoadBalancerAttributesCommand,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { awsClients, MotoServer, startMoto } from "./moto";
import { seedWorld, World } from "./world";
import { edgeConfig, standInStack, StandInStack } from "./stack";
import { forwardingGaps, readTimeline, rejectedOperations } from "./timeline";

describe("a protected AWS edge through the engine and the stand-in", function () {
  this.timeout(300_000);
  let moto: MotoServer;
  let world: World;
  let stack: StandInStack;
  let config: Record<string, unknown>;
  const aws = () => config["interlock-ingress:aws"] as Record<string, unknown>;

  before(async () => {
    moto = await startMoto();
    world = await seedWorld(awsClients(moto.endpoint));
    config = edgeConfig(world);
    aws().deletionProtection = true;
    stack = standInStack(moto.endpoint, config, `protected-${process.pid}`);
    const up = stack.cli("up", "--yes", "--skip-preview");
    assert.strictEqual(up.code, 0, up.out);
  });

  after(async () => {
    stack?.remove();
    await moto?.stop();
  });

  const liveNames = async () =>
    (await awsClients(moto.endpoint).elbv2.send(new DescribeLoadBalancersCommand({})))
      .LoadBalancers!.map((l) => l.LoadBalancerName)
      .sort();

  it("a replacing change fails at preview, naming the protection, and changes nothing", async () => {
    aws().internal = true;
    stack.setConfig(config);
    stack.clearTimeline();
    const preview = stack.cli("preview");
    assert.notStrictEqual(preview.code, 0, preview.out);
    assert.match(preview.out, /edge-dev.*protect/s);
    assert.deepStrictEqual(
      readTimeline(stack.timeline).filter((e) => e.operation !== "initial state"),
      [],
    );
    assert.deepStrictEqual(await liveNames(), [`protected-${process.pid}-dev`]);
  });

  it("protection off in the same up: the new NLB serves, the old one's delete is refused, no gap", async () => {
    aws().deletionProtection = false;
    stack.setConfig(config);
    stack.clearTimeline();
    const up = stack.cli("up", "--yes", "--skip-preview");
    assert.notStrictEqual(up.code, 0, up.out);
    const timeline = readTimeline(stack.timeline);
    assert.deepStrictEqual(
      rejectedOperations(timeline).map((e) => [e.operation.split(" ")[0], e.error?.code]),
      [["delete", "OperationNotPermitted"]],
    );
    assert.deepStrictEqual(forwardingGaps(timeline), []);
    const last = timeline[timeline.length - 1].snapshot!;
    const record = last.records.find((r) => r.name === `ingress-demo.${world.dnsZoneName}`)!;
    assert.match(record.aliasDnsName!, new RegExp(`^protected-${process.pid}-dev-int-`));

    // The hand step the docs name: protection off on the old NLB in AWS; then up completes.
    const old = (
      await awsClients(moto.endpoint).elbv2.send(
        new DescribeLoadBalancersCommand({ Names: [`protected-${process.pid}-dev`] }),
      )
    ).LoadBalancers![0];
    await awsClients(moto.endpoint).elbv2.send(
      new ModifyLoadBalancerAttributesCommand({
        LoadBalancerArn: old.LoadBalancerArn,
        Attributes: [{ Key: "deletion_protection.enabled", Value: "false" }],
      }),
    );
    const again = stack.cli("up", "--yes", "--skip-preview");
    assert.strictEqual(again.code, 0, again.out);
    assert.deepStrictEqual(await liveNames(), [`protected-${process.pid}-dev-int`]);
    const destroy = stack.cli("destroy", "--yes", "--skip-preview");
    assert.strictEqual(destroy.code, 0, destroy.out);
  });
});
