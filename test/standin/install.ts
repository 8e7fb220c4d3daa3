/**
 * Installs the AWS stand-in as the `aws` resource plugin of a test's own PULUMI_HOME.
 *
 * The engine finds a resource plugin at `<PULUMI_HOME>/plugins/resource-<name>-v<version>/`,
 * runs the executable `pulumi-resource-<name>` in it, and skips a directory that has a
 * `<dir>.partial` file beside it (an unfinished install): pulumi/pulumi
 * sdk/go/common/workspace/plugins.go, PluginDescriptor.Dir, HasPlugin, GetPluginsFromDir.
 * Without a pulumi-plugin.json the executable is run as it is.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { VERSION } from "./aws/provider";

const PLUGIN = path.join(__dirname, "aws", "pulumi-resource-aws");

/** Writes the plugin into `pulumiHome` (refused for ~/.pulumi); returns its directory. */
export function installStandInPlugin(pulumiHome: string): string {
  const home = path.resolve(pulumiHome);
  if (home === path.join(os.homedir(), ".pulumi"))
    throw new Error(`refusing to install the AWS stand-in into the real ${home}`);
  const dir = path.join(home, "plugins", `resource-aws-v${VERSION}`);
  fs.mkdirSync(dir, { recursive: true });
  fs.rmSync(`${dir}.partial`, { force: true });
  fs.writeFileSync(
    path.join(dir, "pulumi-resource-aws"),
    `#!/usr/bin/env bash\n# The interlock-ingress AWS stand-in (test infrastructure), not the real AWS provider.\nexec ${JSON.stringify(PLUGIN)} "$@"\n`,
    { mode: 0o755 },
  );
  return dir;
}
