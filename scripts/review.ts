/**
 * npm run review -- [--stack NAME] [--record FILE] [--from FILE]
 *
 * A preview as Markdown for a pull-request comment, with the applications routed through
 * each changed service cluster as read from the cluster. --record also writes the engine
 * events (secrets masked) and those applications as JSON; --from renders such a recording
 * without running the engine or reaching the cluster.
 */
import * as fs from "fs";
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { Recording, renderRecording } from "./lib/recording";
import { readRouted } from "./lib/routed";
import { recordable } from "./lib/steps";
import { CommandError } from "@pulumi/pulumi/automation";
import { parseCommandLine, USAGE_EXIT, UsageError } from "./lib/args";
import { openStack, LAB_STACK, NoSuchStackError } from "./lib/workspace";

const USAGE = "npm run review -- [--stack NAME] [--record FILE] [--from FILE]";

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine(
    argv,
    { stack: { type: "string" }, record: { type: "string" }, from: { type: "string" } },
    USAGE,
  );
  if (positionals.length)
    throw new UsageError(`unexpected ${positionals.join(" ")}\nusage: ${USAGE}`);
  const arg = (flag: "stack" | "record" | "from") => values[flag];
  const from = arg("from");
  let recording: Recording;
  if (from) {
    recording = JSON.parse(fs.readFileSync(from, "utf8")) as Recording;
  } else {
    const stackName = arg("stack") ?? LAB_STACK;
    const stack = await openStack(stackName, { create: false });
    const events: EngineEvent[] = [];
    // Refreshed first, as up does: a hand change to the cluster shows as the change up will make.
    await stack.preview({
      refresh: true,
      onEvent: (e) => events.push(e),
      onOutput: (s) => process.stderr.write(s),
    });
    // A cluster that cannot be read is a line of the comment, never a failed review.
    recording = { stack: stackName, events: recordable(events), routed: await readRouted(stack) };
  }
  const record = arg("record");
  if (record) fs.writeFileSync(record, JSON.stringify(recording, null, 1) + "\n");
  process.stdout.write(renderRecording(recording));
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    if (err instanceof UsageError || err instanceof NoSuchStackError) {
      console.error(err.message);
      process.exit(USAGE_EXIT);
    }
    // The engine already printed its diagnostics on stderr.
    if (!(err instanceof CommandError)) console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
