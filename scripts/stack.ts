/**
 * npm run stack -- <preview|up|refresh|destroy|outputs> [--stack NAME] [--diff]
 *
 * `pulumi <command> --stack NAME` through the Automation API, with the offline environment
 * (scripts/env.sh) and the lab stacks' passphrase set. The default stack is `lab`. Previews
 * refresh first (Pulumi.yaml: refresh always), so they show what `up` will really change (a
 * config swapped by hand, a label removed). Engine output is streamed once; a failure adds
 * nothing but the exit code. Exit 0 done, 1 failed, 2 usage or no such stack.
 */
import { CommandError } from "@pulumi/pulumi/automation";
import { parseCommandLine, USAGE_EXIT, UsageError } from "./lib/args";
import { LAB_STACK, NoSuchStackError, openStack } from "./lib/workspace";

const USAGE = "npm run stack -- <preview|up|refresh|destroy|outputs> [--stack NAME] [--diff]";
const COMMANDS = ["preview", "up", "refresh", "destroy", "outputs"];

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine(
    argv,
    { stack: { type: "string" }, diff: { type: "boolean" } },
    USAGE,
  );
  const command = positionals[0] ?? "up";
  if (!COMMANDS.includes(command) || positionals.length > 1)
    throw new UsageError(`unknown command ${positionals.join(" ")}\nusage: ${USAGE}`);
  const stack = await openStack(values.stack ?? LAB_STACK, { create: command === "up" });
  const onOutput = (line: string) => process.stdout.write(line);
  const diff = Boolean(values.diff);
  switch (command) {
    case "preview":
      await stack.preview({ onOutput, diff });
      return 0;
    case "up": {
      // As `pulumi up` does: a preview first, so that invalid config fails before any
      // resource changes (the Automation API's up skips it).
      await stack.preview({ onOutput, diff });
      const result = await stack.up({ onOutput, diff });
      printOutputs(result.outputs);
      return 0;
    }
    case "refresh":
      await stack.refresh({ onOutput });
      return 0;
    case "destroy":
      await stack.destroy({ onOutput });
      return 0;
    default:
      printOutputs(await stack.outputs());
      return 0;
  }
}

function printOutputs(outputs: Record<string, { value: unknown; secret: boolean }>): void {
  const plain = Object.fromEntries(
    Object.entries(outputs).map(([k, v]) => [k, v.secret ? "[secret]" : v.value]),
  );
  console.log("Stack outputs:");
  console.log(JSON.stringify(plain, null, 2));
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    if (err instanceof UsageError || err instanceof NoSuchStackError) {
      console.error(err.message);
      process.exit(USAGE_EXIT);
    }
    // The engine already printed its diagnostics through onOutput; repeating them adds noise.
    if (!(err instanceof CommandError)) console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
