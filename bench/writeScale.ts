/**
 * How a write's time grows with the size of what it writes: the merged config written as a
 * patch of the live text (stringifyCoreConfig, as the rollout does), where the live config
 * holds UCP's default section and this stack's [Extensions.dev], and the stack changes one
 * of dev's ports. Two series, each at 10k, 20k and 40k lines:
 * - section: dev's own text grows (blank lines inside it, as hand edits leave);
 * - labels: dev's own text grows (one `[Extensions.dev.Labels]` entry a line);
 * - config: the rest of the config grows (other teams' sections), dev stays small.
 * Prints `<series> <lines> <median seconds of 5> <ratio to the previous size>`; a linear
 * write doubles its time per doubling (a ratio about 2), a quadratic one quadruples it.
 * Usage: npx ts-node bench/writeScale.ts [lines...]
 */
import * as fs from "fs";
import * as path from "path";
import { parseCoreConfig, stringifyCoreConfig } from "../provider/interlock/toml";
import { mergeConfig } from "../provider/interlock/render";
import { ExtensionSection } from "../provider/interlock/schema";

const sizes = process.argv.slice(2).map(Number);
const LINES = sizes.length ? sizes : [10_000, 20_000, 40_000];
const ucp = fs.readFileSync(path.join(__dirname, "../provider/interlock/ucp-default.toml"), "utf8");
const defaultSection = ucp.slice(ucp.indexOf("  [Extensions.default]"));
const SECTION_LINES = defaultSection.split("\n").length;

/** dev: UCP's default renamed, with `filler` lines between its keys and its sub-tables. */
function devSection(filler: number): string {
  const text = defaultSection
    .replaceAll("[Extensions.default", "[Extensions.dev")
    .replace('"ucp-interlock-extension"', '"ucp-interlock-extension-dev"')
    .replace('"ucp-interlock-proxy"', '"ucp-interlock-proxy-dev"');
  const at = text.indexOf("    [Extensions.dev.Labels]");
  const lines = Array.from({ length: filler }, () => "");
  return text.slice(0, at) + lines.join("\n") + "\n" + text.slice(at);
}

/** dev with `count` entries in its Labels table. */
function devLabels(count: number): string {
  const entries = Array.from({ length: count }, (_, i) => `      "team.label-${i}" = "v${i}"`);
  return devSection(0).replace(
    /(\[Extensions\.dev\.Labels\]\n)/,
    (h) => h + entries.join("\n") + "\n",
  );
}

/** Other teams' sections, about `lines` lines in all. */
function foreign(lines: number): string {
  const count = Math.ceil(lines / SECTION_LINES);
  return Array.from({ length: count }, (_, i) =>
    defaultSection
      .replaceAll("[Extensions.default", `[Extensions.team-${i}`)
      .replace("PublishedPort = 8080", `PublishedPort = ${10000 + i}`)
      .replace("PublishedSSLPort = 8443", `PublishedSSLPort = ${30000 + i}`),
  ).join("\n");
}

function time(live: string): number {
  const liveConfig = parseCoreConfig(live, "live");
  const dev = liveConfig.Extensions!.dev as ExtensionSection;
  const merged = mergeConfig(liveConfig, { dev: { ...dev, PublishedPort: 8099 } });
  const runs: number[] = [];
  stringifyCoreConfig(merged, live, liveConfig); // warm up the JIT
  for (let i = 0; i < 5; i++) {
    const t0 = process.hrtime.bigint();
    const out = stringifyCoreConfig(merged, live, liveConfig);
    runs.push(Number(process.hrtime.bigint() - t0) / 1e9);
    if (!out.includes("PublishedPort = 8099")) throw new Error("the write lost the change");
  }
  return runs.sort((a, b) => a - b)[2];
}

for (const [series, build] of [
  ["section", (n: number) => [ucp, devSection(n)].join("\n")],
  ["labels", (n: number) => [ucp, devLabels(n)].join("\n")],
  ["config", (n: number) => [ucp, devSection(0), foreign(n)].join("\n")],
] as const) {
  let previous: number | undefined;
  for (const n of LINES) {
    const t = time(build(n));
    const ratio = previous ? (t / previous).toFixed(2) : "-";
    console.log(`${series} ${n} ${t.toFixed(3)} ${ratio}`);
    previous = t;
  }
}
