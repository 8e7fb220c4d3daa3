/**
 * Command-line arguments of the npm commands, parsed strictly with Node's own parseArgs: an
 * unknown flag or a flag without its value is a usage error (exit 2), never a stack named
 * `undefined`.
 */
import { parseArgs } from "util";

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

type Flags = Record<string, { type: "string" | "boolean" }>;

export function parseCommandLine<F extends Flags>(argv: string[], flags: F, usage: string) {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: flags,
      allowPositionals: true,
      strict: true,
    });
    for (const [name, value] of Object.entries(values)) {
      if (typeof value === "string" && (value === "" || value.startsWith("--")))
        throw new Error(`option --${name} needs a value`);
    }
    return {
      values: values as { [K in keyof F]?: F[K]["type"] extends "string" ? string : boolean },
      positionals,
    };
  } catch (err) {
    const reason = (err as Error).message
      .split("\n")
      .filter((l) => !l.startsWith("To specify"))
      .join(" ");
    throw new UsageError(`${reason}\nusage: ${usage}`);
  }
}

/** Exit code of a command that failed before it could do its work. */
export const USAGE_EXIT = 2;
