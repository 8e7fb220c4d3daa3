/**
 * Opt-in smoke test of the AWS edge against a real account: `up` of one environment's edge,
 * its targets healthy, a second preview with no changes, then destroy. Skipped unless
 * INTERLOCK_AWS_SMOKE=1 and AWS credentials are set (and the `aws` CLI and the AWS provider
 * plugin are installed), since nothing here can reach AWS. Costs a few cents per run.
 *
 *   INTERLOCK_AWS_SMOKE=1 AWS_PROFILE=... AWS_REGION=us-west-2 \
 *   SMOKE_VPC=vpc-... SMOKE_SUBNETS=subnet-a,subnet-b SMOKE_NODE_SG=sg-... \
 *   SMOKE_NODE=ip-10-0-1-5.us-west-2.compute.internal SMOKE_PORTS=8082,8445 \
 *   npx mocha --timeout 1800000 test/e2e/awsSmoke.test.ts
 *
 * The node must run something answering TCP on both ports (an Interlock proxy, or `nc -lk`).
 */
import * as assert from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const wanted = process.env.INTERLOCK_AWS_SMOKE === "1";
const credentials = Boolean(
  process.env.AWS_ACCESS_KEY_ID ||
  process.env.AWS_PROFILE ||
  process.env.AWS_WEB_IDENTITY_TOKEN_FILE,
);
const cli = spawnSync("aws", ["--version"]).status === 0;

describe("AWS edge against a real account (opt-in)", function () {
  this.timeout(1_800_000);

  before(function () {
    if (!wanted || !credentials || !cli) this.skip();
  });

  it("up, healthy targets, a second preview with no changes, destroy", async () => {
    const { LocalWorkspace, PulumiCommand } = await import("@pulumi/pulumi/automation");
    const { engineBinDir } = await import("../../scripts/lib/workspace");
    const { IngressEdge } = await import("../../provider/aws/ingressEdge");
    const { parseAwsSettings, parseTopology } = await import("../../provider/config");
    const env = (k: string) => {
      const v = process.env[k];
      assert.ok(v, `set ${k}`);
      return v!;
    };
    const [http, https] = env("SMOKE_PORTS").split(",").map(Number);
    const topology = parseTopology({
      environments: {
        smoke: {
          ingressNodes: [env("SMOKE_NODE")],
          publishMode: "host",
          publishedPort: http,
          publishedSSLPort: https,
        },
      },
    });
    const settings = parseAwsSettings(
      {
        vpcId: env("SMOKE_VPC"),
        subnetIds: env("SMOKE_SUBNETS").split(","),
        nodeSecurityGroupId: env("SMOKE_NODE_SG"),
        deletionProtection: false,
      },
      topology.environments,
    )!;
    const program = async () => {
      const edge = new IngressEdge("edge", {
        environments: topology.environments,
        settings,
        stack: "aws-smoke",
      });
      return {
        https: edge.environments.smoke.httpsTargetGroupArn,
        http: edge.environments.smoke.httpTargetGroupArn,
      };
    };
    const backend = fs.mkdtempSync(path.join(os.tmpdir(), "ingress-aws-smoke-"));
    const stack = await LocalWorkspace.createOrSelectStack(
      { stackName: "aws-smoke", projectName: "interlock-ingress-aws-smoke", program },
      {
        pulumiCommand: await PulumiCommand.get({ root: path.dirname(engineBinDir()) }),
        envVars: {
          PULUMI_BACKEND_URL: `file://${backend}`,
          PULUMI_CONFIG_PASSPHRASE: "aws-smoke",
          PULUMI_SKIP_UPDATE_CHECK: "true",
        },
      },
    );
    await stack.setConfig("aws:region", { value: env("AWS_REGION") });
    try {
      const up = await stack.up({ onOutput: (s) => process.stdout.write(s) });
      for (const arn of [up.outputs.https.value, up.outputs.http.value] as string[]) {
        let states: string[] = [];
        for (let i = 0; i < 40; i++) {
          const out = execFileSync(
            "aws",
            ["elbv2", "describe-target-health", "--target-group-arn", arn, "--output", "json"],
            { encoding: "utf8" },
          );
          states = (
            JSON.parse(out).TargetHealthDescriptions as Array<{ TargetHealth: { State: string } }>
          ).map((d) => d.TargetHealth.State);
          if (states.length && states.every((s) => s === "healthy")) break;
          await new Promise((r) => setTimeout(r, 15_000));
        }
        assert.deepStrictEqual(states, ["healthy"], arn);
      }
      const again = await stack.preview();
      assert.deepStrictEqual(
        Object.keys(again.changeSummary).filter((k) => k !== "same"),
        [],
      );
    } finally {
      await stack.destroy({ onOutput: (s) => process.stdout.write(s) });
    }
  });
});
