/**
 * The program's deliberate failure is a RunError (no stack trace printed) whose inspection is
 * its message alone: the SDK's runner inspects it with colours, which stalled for seconds.
 */
import * as assert from "assert";
import { inspect } from "util";
import { RunError } from "@pulumi/pulumi/errors";
import { programError } from "../../stacks/programError";

describe("the program's own failure", () => {
  it("is a RunError that inspects as its message, coloured or not", () => {
    const err = programError(
      "the stack config has 1 problem(s), listed above; nothing was changed",
    );
    assert.ok(RunError.isInstance(err));
    const expected =
      "RunError: the stack config has 1 problem(s), listed above; nothing was changed";
    assert.strictEqual(inspect(err, { colors: true }), expected);
    assert.strictEqual(inspect(err), expected);
    assert.strictEqual(err.message, expected.slice("RunError: ".length));
  });
});
