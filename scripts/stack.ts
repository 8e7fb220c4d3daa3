/**
 * npm run stack -- <preview|up|refresh|destroy|outputs> [--stack NAME]
 *
 * The real Pulumi engine on a stack of this project, offline. The default stack is `lab`.
 */
import { openStack, LAB_STACK } from "./lib/workspace";

async function main(argv: string[]): Promise<number> {
  const command = argv.find((a) => !a.startsWith("-")) ?? "up";
  const stackIdx = argv.indexOf("--stack");
  const stackName = stackIdx >= 0 ? argv[stackIdx + 1] : LAB_STACK;
  const stack = await openStack(stackName);
  const onOutput = (line: string) => process.stdout.write(line);
  switch (command) {
    case "preview":
      await stack.preview({ onOutput, diff: argv.includes("--diff") });
      return 0;
    case "up": {
      // As the pulumi CLI does: a preview first, so that invalid config fails before any
      // resource changes (the Automation API's up skips it).
      await stack.preview({ onOutput, diff: argv.includes("--diff") });
      // Refreshing first makes up repair drift (a label removed by hand, a config swapped).
      const result = await stack.up({ onOutput, diff: argv.includes("--diff"), refresh: !argv.includes("--no-refresh") });
      printOutputs(result.outputs);
      return 0;
    }
    case "refresh":
      await stack.refresh({ onOutput });
      return 0;
    case "destroy":
      await stack.destroy({ onOutput });
      return 0;
    case "outputs":
      printOutputs(await stack.outputs());
      return 0;
    default:
      console.error(`unknown command ${command}; use preview, up, refresh, destroy or outputs`);
      return 2;
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
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
