/**
 * What one stack's check costs on a big shared config: a live Interlock config holding UCP's
 * default section and N foreign `[Extensions.team-<i>]` sections (other teams' service
 * clusters, pinned to labels no node carries, so each is also a foreign warning), into which
 * a three-environment stack plans its sections: parse, render, merge, validate, and write
 * the lossless patch with its dropped-comment check, as InterlockConfig.check does.
 * Prints one line: `<sections> <median seconds of 5>`. Usage: ts-node bench/renderScale.ts [N]
 */
import * as fs from "fs";
import * as path from "path";
import { NodeView } from "../provider/interlock/constraints";
import { planConfig } from "../provider/interlock/plan";
import { droppedComments, parseCoreConfig, stringifyCoreConfig } from "../provider/interlock/toml";
import { DEFAULT_INTERLOCK, parseTopology } from "../provider/config";

const count = Number(process.argv[2] ?? 2000);
const ucp = fs.readFileSync(path.join(__dirname, "../provider/interlock/ucp-default.toml"), "utf8");
const defaultSection = ucp.slice(ucp.indexOf("  [Extensions.default]"));

function foreignSection(i: number): string {
  const name = `team-${i}`;
  return defaultSection
    .replaceAll("[Extensions.default", `[Extensions.${name}`)
    .replace('"ucp-interlock-extension"', `"ucp-interlock-extension-${name}"`)
    .replace('"ucp-interlock-proxy"', `"ucp-interlock-proxy-${name}"`)
    .replace(
      /ProxyConstraints = \[.*\]/,
      `ProxyConstraints = ["node.labels.com.docker.interlock.service.cluster==${name}"]`,
    )
    .replace("PublishedPort = 8080", `PublishedPort = ${10000 + i}`)
    .replace("PublishedSSLPort = 8443", `PublishedSSLPort = ${20000 + i}`)
    .replace(/\[Extensions\.[^\]]*\.Config\]/, (h) => `${h}\n      # owned by team ${i}`);
}

const live = [ucp, ...Array.from({ length: count }, (_, i) => foreignSection(i))].join("\n");
const node = (hostname: string, role = "worker"): NodeView => ({
  id: hostname,
  hostname,
  role,
  ip: "10.0.0.9",
  os: "linux",
  arch: "x86_64",
  labels: { "com.docker.ucp.orchestrator.swarm": "true" },
  engineLabels: {},
});
const environments = parseTopology({
  environments: {
    dev: { ingressNodes: ["w1"], publishedPort: 8082, publishedSSLPort: 8445 },
    test: { ingressNodes: ["w2"], publishedPort: 8081, publishedSSLPort: 8444 },
    prod: { ingressNodes: ["w3"], publishedPort: 8080, publishedSSLPort: 8443 },
  },
}).environments;

function once(): number {
  const t0 = process.hrtime.bigint();
  const liveConfig = parseCoreConfig(live, "live");
  const plan = planConfig({
    live: liveConfig,
    stack: "lab",
    owners: {},
    environments,
    settings: DEFAULT_INTERLOCK,
    liveName: "conf-9",
    nodes: [node("m0", "manager"), node("w1"), node("w2"), node("w3")],
  });
  const errors = plan.problems.filter((p) => p.severity === "error");
  if (errors.length) throw new Error(errors.map((p) => p.message).join("\n"));
  droppedComments(live, stringifyCoreConfig(plan.merged, live, liveConfig));
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

once(); // warm up the JIT, as a provider process that has checked once before
const runs = Array.from({ length: 5 }, once).sort((a, b) => a - b);
console.log(`${count} ${runs[2].toFixed(3)}`);
