/**
 * npm run drift -- [--stack NAME] [--json] [--engine]
 *
 * For scheduled runs: reads the live cluster against the stack's state without changing
 * anything and reports every drifted resource and property. Exit 0 clean, 1 drift, 2 could
 * not check. `--engine` refreshes through the Pulumi engine even when the stack's resources
 * can be read directly (same report, slower).
 */
import { checkDrift, DriftReport, EXIT } from "./lib/drift";
import { parseCommandLine, USAGE_EXIT, UsageError } from "./lib/args";
import { LAB_STACK } from "./lib/workspace";

function show(v: unknown): string {
  return v === undefined ? "(absent)" : JSON.stringify(v);
}

export function formatReport(r: DriftReport): string {
  const warnings = (r.warnings ?? []).map((w) => `warning: ${w}`);
  if (r.status === "error") return `drift check of ${r.stack}: ${r.error}`;
  if (r.status === "clean")
    return [...warnings, `drift check of ${r.stack}: clean, live state matches the stack`].join(
      "\n",
    );
  const lines = [
    ...warnings,
    `drift check of ${r.stack}: ${r.resources.length} resource(s) drifted`,
  ];
  for (const res of r.resources) {
    lines.push(
      `  ${res.type} ${res.name}: ${res.op === "delete" ? "gone from the cluster" : "changed"}`,
    );
    for (const p of res.properties)
      lines.push(`    ${p.path}: ${show(p.before)} => ${show(p.after)}`);
  }
  return lines.join("\n");
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine(
    argv,
    { stack: { type: "string" }, json: { type: "boolean" }, engine: { type: "boolean" } },
    "npm run drift -- [--stack NAME] [--json] [--engine]",
  );
  if (positionals.length)
    throw new UsageError(
      `unexpected ${positionals.join(" ")}\nusage: npm run drift -- [--stack NAME] [--json] [--engine]`,
    );
  const stack = values.stack ?? LAB_STACK;
  const json = Boolean(values.json);
  const report = await checkDrift(
    stack,
    (line) => {
      if (!json) console.error(line);
    },
    { engine: Boolean(values.engine) },
  );
  console.log(json ? JSON.stringify(report, null, 2) : formatReport(report));
  return EXIT[report.status];
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      if (err instanceof UsageError) {
        console.error(err.message);
        process.exit(USAGE_EXIT);
      }
      console.error(`drift check could not run: ${err instanceof Error ? err.message : err}`);
      process.exit(EXIT.error);
    },
  );
}
