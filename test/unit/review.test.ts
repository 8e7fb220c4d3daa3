/**
 * The review renderer on previews recorded from real lab runs (scripts/record-review-fixtures.ts,
 * which writes each recording's golden Markdown beside it): golden files, a replacement, and
 * secrets shown as [secret]. Set UPDATE_GOLDEN=1 to rewrite the golden files after an
 * intended change.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";
import { renderReview } from "../../scripts/lib/markdown";
import { Recording, renderRecording } from "../../scripts/lib/recording";
import { maskSecrets, SECRET_SIG } from "../../scripts/lib/steps";

const dir = path.join(__dirname, "../fixtures");

function recorded(name: string): Recording {
  return JSON.parse(fs.readFileSync(path.join(dir, `${name}.json`), "utf8")) as Recording;
}

const rendered = (name: string) => renderRecording(recorded(name));

/**
 * A recording made before the review read the routed applications has a golden file from
 * before the Impact summary too: compared without it until the lab records both again.
 */
const withoutImpact = (md: string) => md.replace(/\n\n#### Impact\n[\s\S]*?(?=\n\n#### )/, "");

describe("review: previews as Markdown", () => {
  for (const name of ["preview-update", "preview-replace"]) {
    it(`${name} matches its golden file`, () => {
      const golden = path.join(dir, `${name}.md`);
      const md = rendered(name);
      const compared = recorded(name).routed ? md : withoutImpact(md);
      if (process.env.UPDATE_GOLDEN) fs.writeFileSync(golden, compared);
      assert.strictEqual(compared, fs.readFileSync(golden, "utf8"));
    });
  }

  it("an update names the changed cluster's traffic effect in the Impact summary", () => {
    const md = rendered("preview-update");
    assert.match(
      md,
      /#### Impact\n[\s\S]*\*\*`dev`\*\*[\s\S]*`PublishedSSLPort` 8445 → 8446: clients on 8445 stop reaching dev/,
    );
    // Only dev's section changes: test and prod are not listed.
    assert.doesNotMatch(md.slice(0, md.indexOf("#### ~ update")), /\*\*`(test|prod)`\*\*/);
  });

  it("an update shows each changed key before → after and the TOML diff", () => {
    const md = rendered("preview-update");
    assert.match(md, /\| `sections\.dev\.PublishedSSLPort` \| `8445` \| `8446` \|/);
    assert.match(
      md,
      /```diff\n[\s\S]*-PublishedSSLPort = 8445\n\+PublishedSSLPort = 8446\n[\s\S]*```/,
    );
    assert.match(md, /0 to create, 1 to update, 0 to replace, 0 to delete/);
  });

  it("a replacement says what forced it, and secrets read [secret]", () => {
    const md = rendered("preview-replace");
    assert.match(md, /\+- replace `tlsapp`/);
    assert.match(md, /Replaced because `secretValues` cannot change in place/);
    assert.match(md, /\[secret\]/);
    const raw = fs.readFileSync(path.join(dir, "preview-replace.json"), "utf8");
    for (const text of [raw, md]) assert.doesNotMatch(text, /lab-key-(one|two)|MIIBlab/);
  });

  it("knows a secret by the marker the SDK writes", () => {
    assert.strictEqual(SECRET_SIG, specialSigKey);
    const secret = { [specialSigKey]: specialSecretSig, value: "x" };
    assert.deepStrictEqual(maskSecrets({ a: secret, b: "y" }), { a: "[secret]", b: "y" });
  });
});

describe("review: an NLB replacement", () => {
  it("says the load balancer's DNS name changes", () => {
    const md = renderReview("prod", [
      {
        op: "replace",
        urn: "urn:pulumi:prod::interlock-ingress::interlock-ingress:aws:IngressEdge$aws:lb/loadBalancer:LoadBalancer::edge-prod",
        type: "aws:lb/loadBalancer:LoadBalancer",
        name: "edge-prod",
        before: {
          name: "prod",
          internal: false,
          dnsName: "prod-0123456789.elb.us-west-2.amazonaws.com",
        },
        after: { name: "prod-int", internal: true },
        diffs: ["internal", "name"],
        replaces: ["internal", "name"],
      },
    ]);
    assert.match(
      md,
      /Replaced because `internal`, `name` cannot change in place\.\n\n\*\*The load balancer's DNS name changes\*\* \(now `prod-0123456789\.elb\.us-west-2\.amazonaws\.com`\): clients and CNAMEs outside this stack must follow/,
    );
  });
});
