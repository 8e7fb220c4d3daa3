import * as assert from "assert";
import { pollPauses } from "../../provider/util/time";

describe("the pauses between a wait's polls", () => {
  it("start at 100 ms and grow by half each poll up to the bound", () => {
    const pause = pollPauses(1000);
    const seen = Array.from({ length: 9 }, () => pause());
    assert.deepStrictEqual(seen, [100, 150, 225, 338, 507, 761, 1000, 1000, 1000]);
  });

  it("never exceed a bound below the first pause, and each wait starts afresh", () => {
    const short = pollPauses(50);
    assert.deepStrictEqual([short(), short()], [50, 50]);
    const first = pollPauses();
    first();
    first();
    assert.strictEqual(pollPauses()(), 100);
  });
});
