/**
 * npm run render -- [--stack NAME] [--offline]
 *
 * Prints the complete Interlock config TOML that `pulumi up` would write for the stack, and
 * its unified diff against the live config when the cluster is reachable (DOCKER_HOST & co;
 * the lab stack defaults to the lab). Changes nothing: the review aid for pull requests.
 * Exit 0 when the config is valid, 1 when it has problems, 2 when it could not be rendered
 * (an unreachable cluster included: `--offline` renders over UCP's default config instead).
 */
import * as fs from "fs";
import * as path from "path";
import { createTwoFilesPatch } from "diff";
import { connect } from "../provider/docker/connection";
import { PlanContext, readPlanContext } from "../provider/interlock/planContext";
import { planConfig } from "../provider/interlock/plan";
import { pickSections } from "../provider/interlock/render";
import { parseCoreConfig, stringifyCoreConfig } from "../provider/interlock/toml";
import { parseCommandLine, USAGE_EXIT, UsageError } from "./lib/args";
import { readStackSettings } from "./lib/stackConfig";
import { LAB_STACK, REPO } from "./lib/workspace";

async function main(argv: string[]): Promise<number> {
  const { values } = parseCommandLine(
    argv,
    { stack: { type: "string" }, offline: { type: "boolean" } },
    "npm run render -- [--stack NAME] [--offline]",
  );
  const stack = values.stack ?? LAB_STACK;
  const { topology, dockerHost } = readStackSettings(stack);
  // As `pulumi` connects: the stack file's own host first, else the client bundle's DOCKER_HOST.
  const host = dockerHost ?? process.env.DOCKER_HOST;
  const envNames = topology.environments.map((e) => e.name);

  let context: PlanContext | undefined;
  if (!values.offline) {
    try {
      const docker = connect(host ? { host } : undefined);
      context = await readPlanContext(docker, topology.interlock.template);
    } catch (err) {
      // A render over UCP's default config is not what `up` would write on this cluster:
      // only when asked for.
      console.error(
        `could not read the live config at ${host ?? "the default Docker endpoint"} (${(err as Error).message.split("\n")[0]}); ` +
          `fix the connection (the stack's interlock-ingress:docker or DOCKER_HOST), or pass --offline to render over UCP's default config`,
      );
      return 2;
    }
  }
  const live = context?.live;
  const base =
    live?.config ??
    parseCoreConfig(
      fs.readFileSync(path.join(REPO, "provider/interlock/ucp-default.toml"), "utf8"),
      "UCP default",
    );
  const plan = planConfig({
    live: base,
    stack,
    owners: context?.owners ?? {},
    environments: topology.environments,
    settings: topology.interlock,
    previousSections: pickSections(base, envNames),
    savedTemplate: context?.savedTemplate,
    liveName: live?.ref.ConfigName,
    nodes: context?.nodes,
    coreImage: context?.coreImage,
  });
  const toml = live
    ? stringifyCoreConfig(plan.merged, live.text, live.config)
    : stringifyCoreConfig(plan.merged);
  console.log(`# interlock-ingress render: stack ${stack}; sections ${envNames.join(", ")}`);
  console.log(toml);
  if (live) {
    const patch = createTwoFilesPatch(live.ref.ConfigName, "rendered", live.text, toml, "", "", {
      context: 3,
    });
    const changed = patch.split("\n").some((l) => /^[+-](?![+-])/.test(l));
    console.log(
      changed
        ? `# diff against the live ${live.ref.ConfigName}:\n${patch}`
        : `# identical to the live ${live.ref.ConfigName}: pulumi up writes nothing`,
    );
  }
  for (const p of plan.problems) console.error(`${p.severity}: ${p.message}`);
  return plan.problems.some((p) => p.severity === "error") ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(err instanceof UsageError ? USAGE_EXIT : 2);
  },
);
