/**
 * A preview as Markdown for a pull-request comment: per resource what is created, updated,
 * replaced or deleted, each property before → after, and for the Interlock config the
 * unified diff of the TOML sections that would be written, after an Impact summary of what
 * the changes do to each service cluster's traffic. Secrets read `[secret]`.
 */
import { createTwoFilesPatch } from "diff";
import { stringifyCoreConfig } from "../../provider/interlock/toml";
import { ExtensionSection } from "../../provider/interlock/schema";
import { Block, fitComment } from "./commentLimit";
import { impactBlocks, impactOf } from "./impact";
import type { RoutedRead } from "./routed";
import { PropertyChange, propertyChanges, Step } from "./steps";

const VERB: Record<string, string> = {
  create: "create",
  update: "update",
  delete: "delete",
  replace: "replace",
  "create-replacement": "replace",
  "delete-replaced": "replace",
  read: "read",
  refresh: "refresh",
};
const SIGN: Record<string, string> = {
  create: "+",
  update: "~",
  delete: "-",
  replace: "+-",
  read: ">",
  refresh: "~",
};

function show(v: unknown): string {
  if (v === undefined) return "—";
  if (typeof v === "string" && v.includes("\n")) return `(${v.split("\n").length} lines)`;
  const text = typeof v === "string" ? v : JSON.stringify(v);
  const cut = text.length > 120 ? `${text.slice(0, 117)}...` : text;
  return "`" + cut.replace(/`/g, "'").replace(/\|/g, "\\|") + "`";
}

function shortType(type: string): string {
  return type.replace(/^pulumi-nodejs:dynamic\//, "");
}

/** The unified diff of the owned sections' TOML, as a block the comment limit may shorten. */
function tomlDiff(step: Step): Block | undefined {
  if (!/InterlockConfig$/.test(step.type)) return undefined;
  const config = (props?: Record<string, unknown>) => ({
    Extensions: (props?.sections ?? {}) as Record<string, ExtensionSection>,
  });
  const before = step.before?.sections ? stringifyCoreConfig(config(step.before)) : "";
  // Written as a patch of the old text, as a rollout writes it: the diff shows only changes.
  const after = step.after?.sections
    ? stringifyCoreConfig(config(step.after), before || undefined)
    : "";
  if (before === after) return undefined;
  const patch = createTwoFilesPatch("before", "after", before, after, "", "", { context: 2 })
    .split("\n")
    .slice(1)
    .map((l) => l.replace(/\t$/, ""))
    .join("\n");
  return {
    head: [
      "",
      "<details open><summary>Interlock config TOML (owned sections)</summary>",
      "",
      "```diff",
    ],
    body: patch.trimEnd().split("\n"),
    tail: ["```", "", "</details>"],
    rank: 1,
    label: "the TOML diff",
    cutNote: (n, all) =>
      all
        ? ["", `_The Interlock config TOML diff (${n} lines) is not shown._`]
        : [`… ${n} more ${n === 1 ? "line" : "lines"} of the diff not shown`],
  };
}

/** A resource's property table, as a block the comment limit may shorten. */
function propertyTable(changes: PropertyChange[]): Block | undefined {
  if (!changes.length) return undefined;
  return {
    head: ["", "| property | before | after |", "|---|---|---|"],
    body: changes.map((c) => `| \`${c.path}\` | ${show(c.before)} | ${show(c.after)} |`),
    rank: 2,
    label: "the property tables",
    cutNote: (n, all) => {
      const what = `changed ${n === 1 ? "property" : "properties"} not shown`;
      return ["", all ? `_${n} ${what}._` : `_… ${n} more ${what}._`];
    },
  };
}

/**
 * Markdown for one stack's preview; `steps` from stepsOf(events), `routed` as read from the
 * cluster (undefined: not recorded). At most one GitHub comment long (commentLimit.ts).
 */
export function renderReview(stack: string, steps: Step[], routed?: RoutedRead): string {
  // A replacement shows up as create-replacement + delete-replaced: report it once.
  const seen = new Set<string>();
  const merged = steps.filter((s) => {
    const verb = VERB[s.op] ?? s.op;
    const key = `${s.urn}|${verb}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return verb !== "read";
  });
  const lines = [`### Pulumi preview of \`${stack}\``, ""];
  if (!merged.length) {
    lines.push("No changes.");
    return lines.join("\n") + "\n";
  }
  const count = (verb: string) => merged.filter((s) => (VERB[s.op] ?? s.op) === verb).length;
  lines.push(
    ["create", "update", "replace", "delete"].map((v) => `${count(v)} to ${v}`).join(", "),
    "",
    "| | resource | type |",
    "|---|---|---|",
    ...merged.map(
      (s) =>
        `| ${SIGN[VERB[s.op] ?? s.op] ?? s.op} ${VERB[s.op] ?? s.op} | \`${s.name}\` | \`${shortType(s.type)}\` |`,
    ),
  );
  const blocks: Block[] = [
    { head: lines },
    { notice: true },
    ...impactBlocks(impactOf(merged.map((s) => ({ ...s, op: VERB[s.op] ?? s.op }))), routed),
  ];
  for (const s of merged) {
    const verb = VERB[s.op] ?? s.op;
    const head = ["", `#### ${SIGN[verb] ?? ""} ${verb} \`${s.name}\` (\`${shortType(s.type)}\`)`];
    if (verb === "replace") {
      head.push(
        "",
        s.replaces.length
          ? `Replaced because ${s.replaces.map((r) => `\`${r}\``).join(", ")} cannot change in place.`
          : "Replaced.",
      );
      if (/^aws:lb\/loadBalancer:LoadBalancer$/.test(s.type)) {
        const was = s.before?.dnsName;
        head.push(
          "",
          `**The load balancer's DNS name changes**${typeof was === "string" ? ` (now \`${was}\`)` : ""}: clients and CNAMEs outside this stack must follow; Route 53 aliases in this stack follow by themselves.`,
        );
      }
    }
    blocks.push({ head });
    // The template copy only supports later renders; reviewers read the sections.
    const changes = propertyChanges(s).filter((c) => !c.path.startsWith("templateSection"));
    // A changed secret looks the same masked before and after; the engine still names it.
    for (const key of new Set([...s.diffs, ...s.replaces])) {
      if (!changes.some((c) => c.path === key || c.path.startsWith(`${key}.`))) {
        changes.push({
          path: key,
          before: s.before?.[key],
          after: s.after?.[key] === undefined ? undefined : "[changed]",
        });
      }
    }
    for (const block of [propertyTable(changes), tomlDiff(s)]) if (block) blocks.push(block);
  }
  return fitComment(blocks);
}
