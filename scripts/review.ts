/**
 * npm run review -- [--stack NAME] [--record FILE] [--from FILE]
 *
 * A preview as Markdown for a pull-request comment. --record also writes the engine events
 * (secrets masked) as JSON; --from renders such a recording without running the engine.
 */
import * as fs from "fs";
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { renderReview } from "./lib/markdown";
import { recordable, stepsOf } from "./lib/steps";
import { CommandError } from "@pulumi/pulumi/automation";
import { parseCommandLine, USAGE_EXIT, UsageError } from "./lib/args";
import { openStack, LAB_STACK, NoSuchStackError } from "./lib/workspace";

export interface Recording {
  stack: string;
  events: EngineEvent[];
}

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
    recording = { stack: stackName, events: recordable(events) };
  }
  const record = arg("record");
  if (record) fs.writeFileSync(record, JSON.stringify(recording, null, 1) + "\n");
  process.stdout.write(renderReview(recording.stack, stepsOf(recording.events)));
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
