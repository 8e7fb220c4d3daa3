/**
 * Planning over a cluster configured by hand (the blog's end state): each hand-made section of
 * the stack's environments is its own base, kept in state; an environment added later renders
 * from an adopted base when UCP's template is gone; a section another stack owns is never adopted.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { planConfig, PlanInput } from "../../provider/interlock/plan";
import { ExtensionSection } from "../../provider/interlock/schema";
import { parseCoreConfig } from "../../provider/interlock/toml";
import { DEFAULT_INTERLOCK, parseTopology } from "../../provider/config";

const UCP = parseCoreConfig(
  fs.readFileSync(path.join(__dirname, "../fixtures/ucp-default.toml"), "utf8"),
  "ucp",
);
const PIN = (env: string) => `node.labels.com.docker.interlock.service.cluster==${env}`;
const ENVS: Record<string, Record<string, unknown>> = {
  dev: { ingressNodes: ["w1"], publishedPort: 8082, publishedSSLPort: 8445 },
  staging: { ingressNodes: ["w2"], publishedPort: 8083, publishedSSLPort: 8446 },
};

/** [Extensions.dev] as the blog's reader writes it: the default renamed, ports, a tuning. */
function handMadeDev(port: number): ExtensionSection {
  const d = JSON.parse(JSON.stringify(UCP.Extensions!.default)) as ExtensionSection;
  return {
    ...d,
    ServiceCluster: "dev",
    ServiceName: "ucp-interlock-extension-dev",
    ProxyServiceName: "ucp-interlock-proxy-dev",
    PublishedPort: port,
    PublishedSSLPort: 8445,
    ProxyReplicas: 1,
    PublishMode: "ingress",
    Constraints: [...(d.Constraints as string[]), PIN("dev")],
    ProxyConstraints: [...(d.ProxyConstraints as string[]), PIN("dev")],
    Config: { ...(d.Config as object), MaxConnections: 2048 },
  };
}

function plan(envs: string[], extra: Partial<PlanInput> = {}) {
  const live = { ...UCP, Extensions: { dev: handMadeDev(8090) } };
  return planConfig({
    live,
    stack: "lab-dev",
    owners: {},
    settings: DEFAULT_INTERLOCK,
    liveName: "conf-2",
    environments: parseTopology({
      environments: Object.fromEntries(envs.map((e) => [e, { ...ENVS[e], proxyReplicas: 1 }])),
    }).environments,
    ...extra,
  });
}

const errors = (p: ReturnType<typeof plan>) =>
  p.problems.filter((x) => x.severity === "error").map((x) => x.message);

describe("planning over a cluster configured by hand", () => {
  it("a hand-made section is its own base: the stack's port applied, the tuning kept, said once", () => {
    const p = plan(["dev"]);
    assert.deepStrictEqual(errors(p), []);
    assert.strictEqual(p.sections.dev.PublishedPort, 8082);
    assert.strictEqual((p.sections.dev.Config as { MaxConnections: number }).MaxConnections, 2048);
    assert.deepStrictEqual(p.bases, { dev: handMadeDev(8090) });
    assert.deepStrictEqual(p.adoptions, [
      "[Extensions.dev] in the live config conf-2 was made by hand and no stack owns it: this stack adopts it as it is, except PublishedPort: 8090 => 8082",
    ]);
  });

  it("on later runs the kept base renders, and an environment added then renders from it", () => {
    const first = plan(["dev"]);
    const live = { ...UCP, Extensions: { dev: first.sections.dev } };
    const later = planConfig({
      live,
      stack: "lab-dev",
      owners: { "lab-dev": ["dev"] },
      settings: DEFAULT_INTERLOCK,
      liveName: "conf-3",
      environments: parseTopology({
        environments: {
          dev: { ...ENVS.dev, proxyReplicas: 1 },
          staging: { ...ENVS.staging, proxyReplicas: 1 },
        },
      }).environments,
      previousSections: { dev: first.sections.dev },
      previousBases: first.bases,
    });
    assert.deepStrictEqual(errors(later), []);
    assert.deepStrictEqual(later.adoptions, []);
    assert.deepStrictEqual(later.sections.dev, first.sections.dev);
    assert.strictEqual(later.sections.staging.ServiceName, "ucp-interlock-extension-staging");
    assert.strictEqual(
      (later.sections.staging.Config as { MaxConnections: number }).MaxConnections,
      2048,
    );
    assert.deepStrictEqual(later.sections.staging.ProxyConstraints, [
      "node.labels.com.docker.ucp.orchestrator.swarm==true",
      "node.platform.os==linux",
      PIN("staging"),
    ]);
  });

  it("a hand-made section another stack owns is not adopted: preview fails naming that stack", () => {
    const p = plan(["dev"], { owners: { "team-b": ["dev"] } });
    assert.deepStrictEqual(p.adoptions, []);
    assert.match(errors(p).join("\n"), /section \[Extensions\.dev\] is owned by stack "team-b"/);
  });
});
