/**
 * Never another stack's node, through the `pulumi` CLI: a second stack declaring a new
 * environment on dev's ingress node is refused at preview, naming node, environment and the
 * owning stack, and changes nothing; after the owner is removed with `pulumi stack rm --force`
 * its section and node stay its own until a new stack releases it (`interlock.release`), which
 * then adopts them.
 */
import * as assert from "assert";
import { readLiveConfig } from "../../provider/interlock/live";
import { baseline, configNames, LAB, labDocker, nodeLabels } from "../support/lab";
import { scratchStack, withoutDemo } from "../support/scratchStack";

const CLUSTER = "com.docker.interlock.service.cluster";
const OWNERS = "com.docker.interlock-ingress.owners";

describe("never another stack's ingress node, through the pulumi CLI", function () {
  this.timeout(600_000);
  const owner = scratchStack("ns-dev", "lab-dev", withoutDemo);
  // A new environment qa on dev's node (in dev's collection, so only the claim stands in the way).
  const intruder = scratchStack("ns-qa", "lab-dev", (t) =>
    withoutDemo(t)
      .replace("    dev:\n      collection: /dev", "    qa:\n      collection: /dev")
      .replace("    addresses:\n      dev:", "    addresses:\n      qa:")
      .replace("publishedPort: 8082", "publishedPort: 8090")
      .replace("publishedSSLPort: 8445", "publishedSSLPort: 8453"),
  );
  const successor = scratchStack("ns-dev2", "lab-dev", withoutDemo);

  before(() => {
    baseline();
    owner.init();
    intruder.init();
  });
  after(() => {
    owner.remove();
    intruder.remove();
    successor.remove();
  });

  it("a new environment on another stack's node is refused at preview and changes nothing", async () => {
    const up = owner.cli("up", "--yes");
    assert.strictEqual(up.code, 0, up.out);
    const configs = await configNames();
    const refused = intruder.cli("preview");
    assert.notStrictEqual(refused.code, 0);
    assert.match(
      refused.out,
      /has a problem: interlock-ingress:environments\.qa\.ingressNodes\[0\]: node "ip-10-213-0-11\.us-west-2\.compute\.internal" is the ingress node of environment dev \(com\.docker\.interlock\.service\.cluster=dev\), whose section stack "ns-dev" owns; relabelling it would leave dev's proxies without a node\. Pick another node, or take it out of stack "ns-dev" first \(interlock-ingress:environments\.dev\.ingressNodes\); if stack "ns-dev" is gone, set interlock-ingress:interlock\.release: \["ns-dev"\] and declare environment dev in this stack \(which then adopts its section and node\)/,
    );
    assert.doesNotMatch(refused.out, /property \w+ value/);
    assert.strictEqual(intruder.cli("up", "--yes").code === 0, false);
    assert.strictEqual((await nodeLabels(LAB.dev))[CLUSTER], "dev");
    assert.deepStrictEqual(await configNames(), configs);
  });

  it("a stack removed with --force keeps its section until a successor releases it, which adopts section and node", async () => {
    owner.remove();
    successor.init();
    const refused = successor.cli("preview");
    assert.notStrictEqual(refused.code, 0);
    assert.match(
      refused.out,
      /interlock-ingress:environments\.dev: section \[Extensions\.dev\] is owned by stack "ns-dev"[^;]*; remove dev from this stack or from "ns-dev"; if stack "ns-dev" is gone \(pulumi stack rm\), set interlock-ingress:interlock\.release: \["ns-dev"\] in this stack/,
    );
    assert.strictEqual(
      successor.cli("config", "set", "--path", "interlock-ingress:interlock.release[0]", "ns-dev")
        .code,
      0,
    );
    const up = successor.cli("up", "--yes");
    assert.strictEqual(up.code, 0, up.out);
    assert.match(
      up.out,
      /\[Extensions\.dev\] in the live config .* no stack owns it: this stack adopts it/,
    );
    const live = await readLiveConfig(labDocker());
    assert.deepStrictEqual(JSON.parse(live.labels[OWNERS]), { "ns-dev2": ["dev"] });
    assert.strictEqual((await nodeLabels(LAB.dev))[CLUSTER], "dev");
    const again = successor.cli("preview", "--expect-no-changes");
    assert.strictEqual(again.code, 0, again.out);
    assert.match(
      again.out,
      /interlock-ingress:interlock\.release: stack "ns-dev" owns no section of com\.docker\.ucp\.interlock\.conf-\d+ \(already released, or never owned one\); remove it from the setting/,
    );
  });
});
