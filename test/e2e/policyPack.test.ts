/**
 * The policy pack (policy/) through the `pulumi` CLI and the offline language host on the lab:
 * a compliant stack passes `preview --policy-pack`; the lab's prod stack, one proxy replica on
 * one node, fails it with the rule's message naming the resource and the fix, and changes
 * nothing on the cluster; a section on another tag than the core is an advisory violation,
 * which shows that the core's image the provider's check reads reaches the pack.
 */
import * as assert from "assert";
import * as path from "path";
import { REPO } from "../../scripts/lib/workspace";
import { baseline, configNames, mountedConfigName } from "../support/lab";
import { scratchStack, withoutDemo } from "../support/scratchStack";

const PACK = path.join(REPO, "policy");

describe("the policy pack through the pulumi CLI on the lab", function () {
  this.timeout(600_000);
  const dev = scratchStack("pp-dev", "lab-dev", withoutDemo);
  const prod = scratchStack("pp-prod", "lab-prod");
  const behind = scratchStack("pp-old", "lab-dev", (t) =>
    withoutDemo(t).replace(
      "  interlock-ingress:interlock:\n",
      "  interlock-ingress:interlock:\n    images: {proxy: lab/ucp-interlock-proxy:old}\n",
    ),
  );

  before(() => {
    baseline();
    dev.init();
    prod.init();
    behind.init();
  });
  after(() => {
    dev.remove();
    prod.remove();
    behind.remove();
  });

  it("a compliant stack passes the preview with the pack", () => {
    const r = dev.cli("preview", "--policy-pack", PACK);
    assert.strictEqual(r.code, 0, r.out);
    assert.match(r.out, /Policies:\s+✅ interlock-ingress@v[\d.]+ \(local: [^)]*policy\)/);
    assert.doesNotMatch(r.out, /mandatory/);
  });

  it("prod with one proxy replica fails at preview, naming the rule, the resource and the fix, and changes nothing", async () => {
    const mounted = await mountedConfigName();
    const configs = await configNames();
    const r = prod.cli("preview", "--policy-pack", PACK);
    assert.notStrictEqual(r.code, 0, r.out);
    assert.match(r.out, /prod-proxy-redundancy/);
    assert.match(
      r.out,
      /InterlockConfig "interlock": environment prod runs 1 proxy replica on 1 ingress node \(ip-10-213-0-13\.us-west-2\.compute\.internal\); prod needs at least 2 replicas on at least 2 nodes/,
    );
    assert.match(r.out, /set interlock-ingress:environments\.prod\.proxyReplicas to 2/);
    const up = prod.cli("up", "--yes", "--policy-pack", PACK);
    assert.notStrictEqual(up.code, 0, up.out);
    assert.strictEqual(await mountedConfigName(), mounted);
    assert.deepStrictEqual(await configNames(), configs);
  });

  it("a section on another tag than the core is an advisory violation naming both images", () => {
    const r = behind.cli("preview", "--policy-pack", PACK);
    assert.strictEqual(r.code, 0, r.out);
    assert.match(r.out, /section-images-follow-core/);
    assert.match(
      r.out,
      /InterlockConfig "interlock": \[Extensions\.dev\] ProxyImage is lab\/ucp-interlock-proxy:old while ucp-interlock runs lab\/ucp-interlock:lab/,
    );
  });
});
