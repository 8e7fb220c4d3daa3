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
import { openStack, LAB_STACK } from "./lib/workspace";

export interface Recording {
  stack: string;
  events: EngineEvent[];
}

async function main(argv: string[]): Promise<number> {
  const arg = (flag: string) => (argv.includes(flag) ? argv[argv.indexOf(flag) + 1] : undefined);
  const from = arg("--from");
  let recording: Recording;
  if (from) {
    recording = JSON.parse(fs.readFileSync(from, "utf8")) as Recording;
  } else {
    const stackName = arg("--stack") ?? LAB_STACK;
    const stack = await openStack(stackName);
    const events: EngineEvent[] = [];
    await stack.preview({ onEvent: (e) => events.push(e), onOutput: (s) => process.stderr.write(s) });
    recording = { stack: stackName, events: recordable(events) };
  }
  const record = arg("--record");
  if (record) fs.writeFileSync(record, JSON.stringify(recording, null, 1) + "\n");
  process.stdout.write(renderReview(recording.stack, stepsOf(recording.events)));
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
