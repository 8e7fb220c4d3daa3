/**
 * The review always fits in one GitHub comment (scripts/lib/commentLimit.ts): the lowest-ranked
 * parts are shortened first, the comment says so, and the never-cut parts stay whole.
 */
import * as assert from "assert";
import { Block, COMMENT_LIMIT, fitComment } from "../../scripts/lib/commentLimit";

describe("review: GitHub's comment limit", () => {
  it("cuts the lowest rank first, the last block of a rank first, and never an unranked block", () => {
    const note = (n: number, all: boolean) => [all ? `(all ${n} cut)` : `(${n} cut)`];
    const body = (p: string) => [1, 2, 3].map((i) => `${p}${i}`.padEnd(50, "."));
    const blocks: Block[] = [
      { head: ["keep"] },
      { notice: true },
      { head: ["a:"], body: body("a"), rank: 2, label: "A", cutNote: note },
      { head: ["b:"], body: body("b"), rank: 1, label: "B", cutNote: note },
      { head: ["c:"], body: body("c"), rank: 1, label: "C", cutNote: note },
    ];
    const fit = (limit: number) => {
      const text = fitComment(blocks, limit);
      assert.ok(text.length <= limit, `${text.length} > ${limit}`);
      return text.replace(/\.{5,}/g, "");
    };
    assert.strictEqual(fit(10_000), "keep\na:\na1\na2\na3\nb:\nb1\nb2\nb3\nc:\nc1\nc2\nc3\n");
    const notice = (labels: string) =>
      `keep\n\n_Shortened to fit GitHub's 65,536-character comment limit: ${labels}. Run \`npm run review\` locally for all of it._\n`;
    assert.strictEqual(fit(480), `${notice("C")}a:\na1\na2\na3\nb:\nb1\nb2\nb3\n(all 3 cut)\n`);
    assert.strictEqual(fit(360), `${notice("C, B")}a:\na1\na2\na3\nb:\nb1\n(2 cut)\n(all 3 cut)\n`);
    assert.strictEqual(fit(240), `${notice("C, B, A")}a:\na1\n(2 cut)\n(all 3 cut)\n(all 3 cut)\n`);
  });

  it("ends at the limit when even the never-cut parts are longer", () => {
    const text = fitComment([{ head: Array.from({ length: 10_000 }, (_, i) => `row ${i}`) }]);
    assert.ok(text.length <= COMMENT_LIMIT);
    assert.match(
      text,
      /\n_… cut here at GitHub's comment limit; run `npm run review` locally for all of it\._\n$/,
    );
  });
});
