/**
 * How the program fails on purpose: a RunError (the engine prints its message, no stack trace)
 * that inspects as its message alone. @pulumi/pulumi's runner renders every uncaught error with
 * `util.inspect(err, { colors: true })` for its trace span, and on this Node (20.20) that call
 * did not return for 16 s to over a minute once the program had logged an error first (a stack
 * config error: each problem logged, then the run failed): the preview took 17 s instead of 1 s.
 * With its own inspect the error never reaches Node's colouring of stack frames.
 */
import { inspect } from "util";
import { RunError } from "@pulumi/pulumi/errors";

class ProgramError extends RunError {
  [inspect.custom](): string {
    return `RunError: ${this.message}`;
  }
}

/** The error to throw to fail the run with `message`, and nothing else printed. */
export function programError(message: string): RunError {
  return new ProgramError(message);
}
