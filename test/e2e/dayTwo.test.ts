/**
 * MKE's day two on per-environment stacks, through the `pulumi` CLI and `npm run drift`: another
 * environment's rollout is not drift, a hand edit of this environment's section is; an MKE
 * upgrade leaves the sections' images behind the core's (warned, then followed by opt-in);
 * layer-7 routing toggled in MKE's UI resets the core to UCP's default config (drift, then
 * `up` puts back every recorded section).
 */
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { readLiveConfig } from "../../provider/interlock/live";
import { parseCoreConfig, stringifyCoreConfig } from "../../provider/interlock/toml";
import { REPO } from "../../scripts/lib/workspace";
import { baseline, docker, labDocker, swapConfigByHand } from "../support/lab";
import { driftEnv, scratchStack, withoutDemo } from "../support/scratchStack";

/** `npm run drift` as a scheduled job runs it: its exit code and report. */
function drift(
  stack: string,
  ...flags: string[]
): {
  code: number;
  report: {
    status: string;
    resources: Array<{ name: string; properties: Array<{ path: string }> }>;
  };
} {
  const r = spawnSync(
    "npm",
    ["run", "--silent", "drift", "--", "--stack", stack, "--json", ...flags],
    {
      cwd: REPO,
      encoding: "utf8",
      env: driftEnv(),
    },
  );
  return { code: r.status ?? -1, report: JSON.parse(r.stdout) };
}

const paths = (report: ReturnType<typeof drift>["report"]) =>
  report.resources.flatMap((r) => r.properties.map((p) => `${r.name} ${p.path}`)).sort();

const NODES = ["m0", "w1", "w2", "w3"];
const IMAGES = ["lab/ucp-interlock", "lab/ucp-interlock-extension", "lab/ucp-interlock-proxy"];

/** An MKE upgrade as the lab can play it: every Interlock image under a second tag, the core moved to it. */
function upgradeCore(tag: string): void {
  for (const node of NODES) {
    for (const image of IMAGES)
      spawnSync("docker", [
        "-H",
        `unix:///run/interlock-lab/${node}.sock`,
        "tag",
        `${image}:lab`,
        `${image}:${tag}`,
      ]);
  }
  docker(
    "service",
    "update",
    "--quiet",
    "--no-resolve-image",
    "--image",
    `lab/ucp-interlock:${tag}`,
    "ucp-interlock",
  );
}

describe("MKE's day two on per-environment stacks, through the pulumi CLI", function () {
  this.timeout(900_000);
  // The demo is not what day two is about: the Interlock side alone, as each environment has it.
  const dev = scratchStack("d2-dev", "lab-dev", withoutDemo);
  const prod = scratchStack("d2-prod", "lab-prod");

  before(() => {
    baseline();
    dev.init();
    prod.init();
  });
  // The next file starts from a baseline of its own.
  after(() => {
    dev.remove();
    prod.remove();
  });

  it("another environment's rollout is not drift of this one; a hand edit of its own section is", async () => {
    // Prod first: the reverse of perEnvironment.test.ts's order.
    assert.strictEqual(prod.cli("up", "--yes").code, 0);
    assert.strictEqual(dev.cli("up", "--yes").code, 0);
    assert.deepStrictEqual(drift("d2-dev").code, 0);
    fs.writeFileSync(
      prod.file,
      fs.readFileSync(prod.file, "utf8").replace("publishedPort: 8080", "publishedPort: 8079"),
    );
    const moved = prod.cli("up", "--yes");
    assert.strictEqual(moved.code, 0, moved.out);
    for (const flags of [[], ["--engine"]]) {
      const clean = drift("d2-dev", ...flags);
      assert.deepStrictEqual(
        [clean.code, clean.report.status],
        [0, "clean"],
        JSON.stringify(clean.report),
      );
    }
    const live = await readLiveConfig(labDocker());
    const edited = parseCoreConfig(live.text, "live");
    edited.Extensions!.dev.PublishedSSLPort = 9445;
    await swapConfigByHand("com.docker.ucp.interlock.conf-90", stringifyCoreConfig(edited));
    // Through the engine too: test/e2e/drift.test.ts compares the two reports on every kind.
    const found = drift("d2-dev");
    assert.strictEqual(found.code, 1);
    assert.deepStrictEqual(paths(found.report), ["interlock sections.dev.PublishedSSLPort"]);
    assert.strictEqual(drift("d2-prod").code, 0);
  });

  it("an MKE upgrade: preview warns that the sections' images are behind the core's, follow-core rolls them forward", async () => {
    upgradeCore("lab-next");
    const warned = dev.cli("preview");
    assert.strictEqual(warned.code, 0, warned.out);
    assert.match(
      warned.out,
      /\[Extensions\.dev\]\.Image is lab\/ucp-interlock-extension:lab and \[Extensions\.dev\]\.ProxyImage is lab\/ucp-interlock-proxy:lab while ucp-interlock runs lab\/ucp-interlock:lab-next \(an MKE upgrade does not update a customized Interlock\); set interlock-ingress:interlock\.images to follow-core, or to explicit tags, and run pulumi up/,
    );
    assert.strictEqual(
      dev.cli("config", "set", "--path", "interlock-ingress:interlock.images", "follow-core").code,
      0,
    );
    const up = dev.cli("up", "--yes");
    assert.strictEqual(up.code, 0, up.out);
    assert.doesNotMatch(up.out, /an MKE upgrade does not update/);
    const live = await readLiveConfig(labDocker());
    assert.deepStrictEqual(
      [live.config.Extensions!.dev.Image, live.config.Extensions!.dev.ProxyImage],
      ["lab/ucp-interlock-extension:lab-next", "lab/ucp-interlock-proxy:lab-next"],
    );
    assert.strictEqual(live.config.Extensions!.prod.ProxyImage, "lab/ucp-interlock-proxy:lab");
    assert.match(
      docker(
        "service",
        "inspect",
        "ucp-interlock-proxy-dev",
        "--format",
        "{{.Spec.TaskTemplate.ContainerSpec.Image}}",
      ),
      /^lab\/ucp-interlock-proxy:lab-next/,
    );
    assert.match(
      prod.cli("preview").out,
      /\[Extensions\.prod\]\.Image is lab\/ucp-interlock-extension:lab/,
    );
    assert.strictEqual(dev.cli("preview", "--expect-no-changes").code, 0);
  });

  it("layer-7 routing toggled in MKE's UI: drift reports it, up puts back this stack's section and the other stacks'", async () => {
    // What MKE restarts the core with: UCP's default config (the lab's conf-1, long pruned).
    const ucpDefault = fs
      .readFileSync(path.join(REPO, "lab/ucp/conf-1.toml"), "utf8")
      .replace(/@INSTANCE_ID@/g, "lab-ucp-instance-0001");
    await swapConfigByHand("com.docker.ucp.interlock.conf-200", ucpDefault);
    const found = drift("d2-dev");
    assert.strictEqual(found.code, 1, JSON.stringify(found.report));
    assert.strictEqual(drift("d2-prod").code, 1);
    const preview = dev.cli("preview");
    assert.match(
      preview.out,
      /ucp-interlock runs com\.docker\.ucp\.interlock\.conf-200, which has only UCP's default section: layer-7 routing was turned off and on in MKE \(or the config was reset by hand\); up puts back \[Extensions\.dev\], \[Extensions\.prod\] as com\.docker\.ucp\.interlock\.conf-\d+, the newest version this project wrote, recorded them/,
    );
    const up = dev.cli("up", "--yes");
    assert.strictEqual(up.code, 0, up.out);
    const live = await readLiveConfig(labDocker());
    assert.deepStrictEqual(Object.keys(live.config.Extensions!).sort(), ["dev", "prod"]);
    assert.strictEqual(live.config.Extensions!.prod.PublishedPort, 8079);
    assert.deepStrictEqual(JSON.parse(live.labels["com.docker.interlock-ingress.owners"]), {
      "d2-dev": ["dev"],
      "d2-prod": ["prod"],
    });
    assert.strictEqual(drift("d2-dev").code, 0);
    assert.strictEqual(drift("d2-prod").code, 0);
  });
});
