/**
 * deepEqual walks trees instead of writing them (provider/util/canonical.ts): it must agree
 * with the canonical text on everything TOML and JSON hold.
 */
import * as assert from "assert";
import { deepEqual, stableStringify } from "../../provider/util/canonical";
import { parseCoreConfig } from "../../provider/interlock/toml";

const toml = (text: string) => parseCoreConfig(text, "test");
const nullProto = (o: Record<string, unknown>) => Object.assign(Object.create(null), o);

const pairs: Array<[string, unknown, unknown]> = [
  ["key order", { a: 1, b: [1, { c: 2, d: 3 }] }, { b: [1, { d: 3, c: 2 }], a: 1 }],
  ["an undefined key is an absent key", { a: 1, b: undefined }, { a: 1 }],
  ["null-prototype tables", nullProto({ a: nullProto({ b: 1 }) }), { a: { b: 1 } }],
  ["a number is not its string", { a: 1 }, { a: "1" }],
  ["a big integer is not a number", toml("a = 9007199254740993"), { a: 9007199254740992 }],
  ["inf and nan", toml("a = inf\nb = nan"), toml("a = inf\nb = nan")],
  ["-0.0 and 0", toml("a = -0.0"), toml("a = 0")],
  [
    "a local date is not the local datetime at midnight",
    toml("a = 1979-05-27"),
    toml("a = 1979-05-27T00:00:00"),
  ],
  ["the same offset datetime", toml("a = 1979-05-27T07:32:00Z"), toml("a = 1979-05-27T07:32:00Z")],
  ["arrays of different lengths", [1, 2], [1, 2, 3]],
  ["a table is not an array", { 0: 1 }, [1]],
  ["null is not a missing key", { a: null }, {}],
];

describe("canonical deepEqual", () => {
  for (const [name, a, b] of pairs) {
    it(`agrees with the canonical text: ${name}`, () => {
      const expected = stableStringify(a) === stableStringify(b);
      assert.strictEqual(deepEqual(a, b), expected);
      assert.strictEqual(deepEqual(b, a), expected);
    });
  }

  it("tells a local date from the local datetime at midnight", () => {
    assert.ok(!deepEqual(toml("a = 1979-05-27"), toml("a = 1979-05-27T00:00:00")));
  });
});
