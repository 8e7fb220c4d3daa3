/**
 * The review always fits in one GitHub comment (scripts/lib/commentLimit.ts): the TOML diff
 * is shortened first, then the property tables, the comment says so, and the Impact summary
 * and the resource table stay whole.
 */
import * as assert from "assert";
import { Block, COMMENT_LIMIT, fitComment } from "../../scripts/lib/commentLimit";
import { renderReview } from "../../scripts/lib/markdown";
import type { RoutedRead } from "../../scripts/lib/routed";
import type { Step } from "../../scripts/lib/steps";

const DYNAMIC = "pulumi-nodejs:dynamic/";

/** A dev section with `n` NGINX settings of 100 characters, each changed by `after`. */
function hugeInterlock(n: number): Step {
  const config = (value: string) =>
    Object.fromEntries(
      Array.from({ length: n }, (_, i) => [`Setting${i}`, `${value}-${i}-`.padEnd(100, "x")]),
    );
  const section = (value: string) => ({
    ServiceCluster: "dev",
    ServiceName: "ucp-interlock-extension-dev",
    ProxyServiceName: "ucp-interlock-proxy-dev",
    ProxyReplicas: 2,
    PublishMode: "host",
    PublishedPort: 8082,
    PublishedSSLPort: 8445,
    Config: config(value),
  });
  return {
    op: "update",
    urn: `urn:pulumi:dev::interlock-ingress::${DYNAMIC}interlock:InterlockConfig::interlock`,
    type: `${DYNAMIC}interlock:InterlockConfig`,
    name: "interlock",
    before: { sections: { dev: section("before") } },
    after: { sections: { dev: section("after") } },
    diffs: [],
    replaces: [],
  };
}

const ROUTED: RoutedRead = {
  apps: {
    dev: [
      {
        stack: "demodev",
        service: "demodev_demo",
        hosts: ["demo.example.org"],
        sslPassthrough: false,
      },
    ],
  },
};

describe("review: GitHub's comment limit", () => {
  it("a small review is left as it is", () => {
    const md = renderReview("dev", [hugeInterlock(3)], ROUTED);
    assert.doesNotMatch(md, /Shortened to fit/);
    assert.match(md, /\n\+\s*Setting2 = "after-2-x+"\n/);
  });

  it("a huge TOML diff is shortened to fit, and the comment says so; the summary stays whole", () => {
    const md = renderReview("dev", [hugeInterlock(200)], ROUTED);
    assert.ok(md.length <= COMMENT_LIMIT, `${md.length} characters`);
    assert.match(
      md,
      /\n_Shortened to fit GitHub's 65,536-character comment limit: the TOML diff\. Run `npm run review` locally for all of it\._\n/,
    );
    // The summary table, the Impact summary with its applications, the heading of the resource.
    assert.match(md, /\| ~ update \| `interlock` \| `interlock:InterlockConfig` \|/);
    assert.match(
      md,
      /#### Impact\n[\s\S]*Proxies restarted for `Config\.Setting0`[\s\S]*\| `demodev` \| `demodev_demo` \|/,
    );
    assert.match(md, /#### ~ update `interlock`/);
    // The property table is whole, the diff cut inside its fence, which is closed.
    assert.match(
      md,
      /\| `sections\.dev\.Config\.Setting199` \| `before-199-x+` \| `after-199-x+` \|/,
    );
    assert.match(md, /\n… \d+ more lines of the diff not shown\n```\n\n<\/details>\n$/);
  });

  it("then the property tables, once the diff is gone", () => {
    const md = renderReview("dev", [hugeInterlock(400)], ROUTED);
    assert.ok(md.length <= COMMENT_LIMIT, `${md.length} characters`);
    assert.match(
      md,
      /Shortened to fit GitHub's 65,536-character comment limit: the TOML diff, the property tables\./,
    );
    assert.match(md, /\n_The Interlock config TOML diff \(\d+ lines\) is not shown\._\n$/);
    assert.match(md, /\n\n_… \d+ more changed properties not shown\._\n/);
    assert.match(md, /#### Impact\n[\s\S]*\| `demodev` \| `demodev_demo` \|/);
  });

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
