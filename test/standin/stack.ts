/**
 * A stack of the AWS-only program (test/fixtures/aws-edge) run through the `pulumi` CLI
 * against moto with the stand-in plugin: its own PULUMI_HOME (the plugin installed there),
 * its own file backend, its own timeline file, all in a temporary directory.
 *
 *   const stack = standInStack(moto.endpoint, config);   // writes Pulumi.<name>.yaml
 *   stack.cli("up", "--yes");                            // pulumi up --yes --stack <name>
 *   readTimeline(stack.timeline); stack.setConfig(next); stack.remove();
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import { pulumi, CliResult } from "../support/cli";
import { installStandInPlugin } from "./install";
import { ENDPOINT_ENV } from "./aws/provider";
import { TIMELINE_ENV } from "./timeline";
import type { World } from "./world";

/** The AWS-only Pulumi program. */
export const AWS_EDGE_PROGRAM = path.resolve(__dirname, "../fixtures/aws-edge");

export interface StandInStack {
  name: string;
  /** The temporary directory: pulumi-home/, backend/, timeline.jsonl. */
  dir: string;
  timeline: string;
  env: NodeJS.ProcessEnv;
  /** `pulumi <args> --stack <name>` in the program's directory. */
  cli(...args: string[]): CliResult;
  /** Replaces the stack's config (the `config:` of its stack file). */
  setConfig(config: Record<string, unknown>): void;
  /** Empties the timeline file. */
  clearTimeline(): void;
  /** Removes the stack file and the temporary directory (not what is in moto). */
  remove(): void;
}

/**
 * A new stack `name` (default standin-<pid>) with `config` (full keys, e.g.
 * "interlock-ingress:aws"), initialised in its own backend.
 */
export function standInStack(
  endpoint: string,
  config: Record<string, unknown>,
  name = `standin-${process.pid}`,
): StandInStack {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "standin-"));
  const home = path.join(dir, "pulumi-home");
  const backend = path.join(dir, "backend");
  fs.mkdirSync(backend, { recursive: true });
  installStandInPlugin(home);
  const timeline = path.join(dir, "timeline.jsonl");
  const env = {
    PULUMI_HOME: home,
    PULUMI_BACKEND_URL: `file://${backend}`,
    PULUMI_CONFIG_PASSPHRASE: "standin",
    [ENDPOINT_ENV]: endpoint,
    [TIMELINE_ENV]: timeline,
  };
  const file = path.join(AWS_EDGE_PROGRAM, `Pulumi.${name}.yaml`);
  const run = (args: string[]) => pulumi(args, { cwd: AWS_EDGE_PROGRAM, env });
  const stack: StandInStack = {
    name,
    dir,
    timeline,
    env,
    cli: (...args) => run([...args, "--stack", name]),
    setConfig(next) {
      const salt = fs.existsSync(file)
        ? /^encryptionsalt:.*$/m.exec(fs.readFileSync(file, "utf8"))?.[0]
        : undefined;
      fs.writeFileSync(file, `${salt ? `${salt}\n` : ""}${stringify({ config: next })}`);
    },
    clearTimeline() {
      fs.writeFileSync(timeline, "");
    },
    remove() {
      fs.rmSync(file, { force: true });
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  stack.setConfig(config);
  const init = run(["stack", "init", name]);
  if (init.code !== 0) throw new Error(`pulumi stack init ${name} failed:\n${init.out}`);
  return stack;
}

/** The stack config of one environment on its own NLB, its node and one record, in `world`. */
export function edgeConfig(world: World): Record<string, unknown> {
  return {
    "aws:region": "us-west-2",
    "interlock-ingress:environments": {
      dev: {
        ingressNodes: [world.nodes[0].host, world.nodes[1].host],
        publishedPort: 8082,
        publishedSSLPort: 8445,
      },
    },
    "interlock-ingress:aws": {
      vpcId: world.vpcId,
      subnetIds: world.subnetIds,
      nodeSecurityGroupId: world.nodeSecurityGroupId,
      dnsZoneId: world.dnsZoneId,
      records: { dev: [`ingress-demo.${world.dnsZoneName}`] },
    },
  };
}
