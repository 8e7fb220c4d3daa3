/**
 * The policy pack (policy/) through the CLI and the offline language host's RunPlugin, on the
 * AWS-only program against the stand-in: a prod NLB with deletion protection turned off fails
 * `pulumi preview --policy-pack` with the rule's message naming the load balancer, and
 * changes nothing; the shared NLB of a stack with prod is held to the same rule (the pack reads
 * the stack's environments from the config the engine hands it); a compliant stack previews
 * and comes up with the pack; --policy-pack-config makes the rule advisory.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { DescribeLoadBalancersCommand } from "@aws-sdk/client-elastic-load-balancing-v2";
import { awsClients, MotoServer, startMoto } from "./moto";
import { seedWorld, World } from "./world";
import { edgeConfig, standInStack, StandInStack } from "./stack";
import { readTimeline } from "./timeline";

const POLICY_PACK = path.resolve(__dirname, "../../policy");

describe("the policy pack through the CLI on the AWS stand-in", function () {
  this.timeout(300_000);
  let moto: MotoServer;
  let world: World;
  let stack: StandInStack;

  /** edgeConfig's environment as prod, with `aws` changed by `edit`. */
  const prodConfig = (edit: (aws: Record<string, unknown>) => void = () => {}) => {
    const config = edgeConfig(world);
    const envs = config["interlock-ingress:environments"] as Record<string, unknown>;
    const aws = config["interlock-ingress:aws"] as Record<string, unknown>;
    config["interlock-ingress:environments"] = { prod: envs.dev };
    aws.records = { prod: [`ingress-demo.${world.dnsZoneName}`] };
    edit(aws);
    return config;
  };

  const liveBalancers = async () =>
    (await awsClients(moto.endpoint).elbv2.send(new DescribeLoadBalancersCommand({})))
      .LoadBalancers!.length;

  /** Nothing but the stand-in's first snapshot in the timeline: no AWS call changed anything. */
  const changedNothing = async () => {
    assert.deepStrictEqual(
      readTimeline(stack.timeline)
        .filter((e) => e.operation !== "initial state")
        .map((e) => e.operation),
      [],
    );
    assert.strictEqual(await liveBalancers(), 0);
  };

  before(async () => {
    moto = await startMoto();
    world = await seedWorld(awsClients(moto.endpoint));
    stack = standInStack(
      moto.endpoint,
      prodConfig((aws) => (aws.deletionProtection = false)),
      `policy-${process.pid}`,
    );
  });

  after(async () => {
    stack?.remove();
    await moto?.stop();
  });

  it("prod's NLB without deletion protection fails preview, naming it and the fix, and changes nothing", async () => {
    stack.clearTimeline();
    const preview = stack.cli("preview", "--policy-pack", POLICY_PACK);
    assert.notStrictEqual(preview.code, 0, preview.out);
    assert.match(
      preview.out,
      /\[mandatory\].*prod-nlb-deletion-protection\s+\(aws:lb\/loadBalancer:LoadBalancer: edge-prod\)/,
    );
    assert.match(
      preview.out,
      /aws:lb LoadBalancer "edge-prod" \(tagged Environment=prod\) has deletion protection off.*set interlock-ingress:aws\.deletionProtection to true/s,
    );
    await changedNothing();
  });

  it("--policy-pack-config turns the rule advisory: the preview passes and still reports it", async () => {
    const file = path.join(stack.dir, "policy-config.json");
    fs.writeFileSync(file, JSON.stringify({ "prod-nlb-deletion-protection": "advisory" }));
    const preview = stack.cli(
      "preview",
      "--policy-pack",
      POLICY_PACK,
      "--policy-pack-config",
      file,
    );
    assert.strictEqual(preview.code, 0, preview.out);
    assert.match(preview.out, /\[advisory\].*prod-nlb-deletion-protection/);
    await changedNothing();
  });

  it("a shared NLB in a stack with prod is prod's, read from the stack config", async () => {
    stack.setConfig(
      prodConfig((aws) => {
        aws.deletionProtection = false;
        aws.sharedLoadBalancer = true;
      }),
    );
    stack.clearTimeline();
    const preview = stack.cli("preview", "--policy-pack", POLICY_PACK);
    assert.notStrictEqual(preview.code, 0, preview.out);
    assert.match(
      preview.out,
      /aws:lb LoadBalancer "edge-shared" \(shared by this stack's environments, prod among them\) has deletion protection off/,
    );
    await changedNothing();
  });

  it("the compliant stack (protection left at prod's default) previews and comes up with the pack", async () => {
    stack.setConfig(prodConfig());
    stack.clearTimeline();
    const preview = stack.cli("preview", "--policy-pack", POLICY_PACK);
    assert.strictEqual(preview.code, 0, preview.out);
    assert.doesNotMatch(preview.out, /prod-nlb-deletion-protection/);
    assert.match(preview.out, /Policies:[\s\S]*interlock-ingress@v0\.1\.0/);
    await changedNothing();

    const up = stack.cli("up", "--yes", "--skip-preview", "--policy-pack", POLICY_PACK);
    assert.strictEqual(up.code, 0, up.out);
    assert.strictEqual(await liveBalancers(), 1);
  });
});
