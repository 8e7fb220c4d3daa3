/**
 * Warnings from inside a dynamic provider, shown by the engine as `warning:` diagnostics.
 * The dynamic-provider host (`@pulumi/pulumi/cmd/dynamic-provider`) is started with the
 * engine's address as its first argument but does not hand it to the SDK's logger, so
 * `pulumi.log.warn` would only print to stderr; this connects the two once.
 */
export async function engineWarn(message: string): Promise<void> {
  await engineLog("warn", message);
}

/** What a preview should say that is not a problem (what adopting a hand-made object does). */
export async function engineInfo(message: string): Promise<void> {
  await engineLog("info", message);
}

async function engineLog(level: "warn" | "info", message: string): Promise<void> {
  // The log module alone: the package's index loads the TypeScript compiler (~0.3 s).
  const log = require("@pulumi/pulumi/log") as typeof import("@pulumi/pulumi/log");
  const state = require("@pulumi/pulumi/runtime/state") as {
    getStore(): { settings: { options: { engineAddr?: string } } };
  };
  const options = state.getStore().settings.options;
  const [script, engineAddr] = process.argv.slice(1);
  if (!options.engineAddr && /dynamic-provider/.test(script ?? "") && engineAddr)
    options.engineAddr = engineAddr;
  await log[level](message);
}
