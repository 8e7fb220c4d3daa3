/** A scratch stack through the CLI, of a committed lab stack file's config, from empty state. */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { REPO } from "../../scripts/lib/workspace";
import { pulumi } from "./cli";

/** A stack of the given committed lab stack file's config, from empty state. */
export function scratchStack(
  name: string,
  from: string,
  edit: (text: string) => string = (t) => t,
) {
  const file = path.join(REPO, `Pulumi.${name}.yaml`);
  const text = fs
    .readFileSync(path.join(REPO, `Pulumi.${from}.yaml`), "utf8")
    .replace(/^encryptionsalt:.*\n?/m, "");
  const cli = (...args: string[]) => pulumi([...args, "--stack", name]);
  return {
    name,
    file,
    cli,
    init() {
      pulumi(["stack", "rm", "--yes", "--force", "--stack", name]);
      fs.writeFileSync(file, edit(text));
      assert.strictEqual(pulumi(["stack", "init", name]).code, 0);
    },
    remove() {
      pulumi(["stack", "rm", "--yes", "--force", "--stack", name]);
      fs.rmSync(file, { force: true });
    },
  };
}

/** A stack file's text without the blog's demo (a stack of the Interlock side only, faster). */
export function withoutDemo(text: string): string {
  const out = text.replace(
    /^ {2}# The blog's demo.*\n {2}interlock-ingress:demo:\n( {4}.*\n)+/m,
    "",
  );
  if (out === text) throw new Error("the stack file has no interlock-ingress:demo block");
  return out;
}

/**
 * The environment `npm run drift` needs to read a scratch stack's secrets: the passphrase the
 * CLI calls used (scripts/env.sh sets the lab's when none is set; an earlier file may set one).
 */
export function driftEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PULUMI_CONFIG_PASSPHRASE: process.env.PULUMI_CONFIG_PASSPHRASE ?? "interlock-ingress-lab",
  };
}
