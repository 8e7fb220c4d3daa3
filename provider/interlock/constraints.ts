/**
 * Swarm placement constraints as swarmkit parses and matches them
 * (manager/constraint/constraint.go): `==` is looked for before `!=`, the key must match
 * `^[a-z_][a-z0-9\-_.]+$` and the value `^[a-z0-9:\-_\s.*()?+\[\]\\^$|/]+$` (both
 * case-insensitive), and keys are compared case-insensitively except a label's own name.
 * So a constraint Swarm would reject is caught at preview, and the nodes a cluster's proxies
 * may land on are known before anything is deployed.
 */

export interface Constraint {
  key: string;
  op: "==" | "!=";
  value: string;
}

/** What constraints can be evaluated against: a node as Swarm sees it. */
export interface NodeView {
  id: string;
  hostname: string;
  role: string;
  os: string;
  arch: string;
  /** The node's address (Status.Addr), for `node.ip`. */
  ip?: string;
  labels: Record<string, string>;
  engineLabels: Record<string, string>;
}

const KEY_PATTERN = /^[a-z_][a-z0-9\-_.]+$/i;
const VALUE_PATTERN = /^[a-z0-9:\-_\s.*()?+[\]\\^$|/]+$/i;
const FIXED_KEYS = [
  "node.id",
  "node.hostname",
  "node.ip",
  "node.role",
  "node.platform.os",
  "node.platform.arch",
];
const LABEL_PREFIXES = ["node.labels.", "engine.labels."];

/** Parses one constraint, or returns the reason Swarm would refuse it and how to write it. */
export function parseConstraint(text: string): Constraint | { error: string } {
  for (const op of ["==", "!="] as const) {
    const at = text.indexOf(op);
    if (at < 0) continue;
    const key = text.slice(0, at).trim();
    const value = text.slice(at + op.length).trim();
    if (!KEY_PATTERN.test(key)) {
      return {
        error: `"${text}": Swarm refuses the key "${key}"; a key is letters, digits, "-", "_" and "." (e.g. node.labels.region)`,
      };
    }
    if (!VALUE_PATTERN.test(value)) {
      return {
        error: value
          ? `"${text}": Swarm refuses the value "${value}" (no "=", ",", quotes or "@"); write one constraint per condition`
          : `"${text}" has no value after ${op}`,
      };
    }
    return { key, op, value };
  }
  const single = /^\s*([^=!\s]+)\s*=\s*([^=].*?)\s*$/.exec(text);
  if (single) {
    return {
      error: `"${text}" uses "=", but Swarm constraints need "==" or "!=": write "${single[1]}==${single[2]}"`,
    };
  }
  return { error: `"${text}" is not a Swarm constraint; write <key>==<value> or <key>!=<value>` };
}

/** Whether Swarm can ever match the key: an unknown key is accepted but never matches. */
export function knownConstraintKey(key: string): boolean {
  const lower = key.toLowerCase();
  return (
    FIXED_KEYS.includes(lower) ||
    LABEL_PREFIXES.some((p) => lower.startsWith(p) && lower.length > p.length)
  );
}

function constraintValue(node: NodeView, key: string): string | undefined {
  const lower = key.toLowerCase();
  switch (lower) {
    case "node.id":
      return node.id;
    case "node.hostname":
      return node.hostname;
    case "node.role":
      return node.role;
    case "node.platform.os":
      return node.os;
    case "node.platform.arch":
      return node.arch;
  }
  // The prefix is case-insensitive; the label's own name is not.
  if (lower.startsWith("node.labels.")) return node.labels[key.slice("node.labels.".length)];
  if (lower.startsWith("engine.labels."))
    return node.engineLabels[key.slice("engine.labels.".length)];
  return undefined;
}

function ipMatches(ip: string | undefined, value: string): boolean {
  if (!ip) return false;
  const net = require("net") as typeof import("net");
  const [addr, bits] = value.split("/");
  if (bits === undefined) return net.isIP(addr) !== 0 && addr === ip;
  const list = new net.BlockList();
  try {
    list.addSubnet(addr, Number(bits), net.isIPv6(addr) ? "ipv6" : "ipv4");
  } catch {
    return false;
  }
  return list.check(ip, net.isIPv6(ip) ? "ipv6" : "ipv4");
}

/** Swarm compares constraint values case-insensitively; a missing label never equals. */
export function satisfies(node: NodeView, constraints: string[]): boolean {
  return constraints.every((text) => {
    const c = parseConstraint(text);
    if ("error" in c) return false;
    const equal =
      c.key.toLowerCase() === "node.ip"
        ? ipMatches(node.ip, c.value)
        : (constraintValue(node, c.key) ?? null)?.toLowerCase() === c.value.toLowerCase();
    return c.op === "==" ? equal : !equal;
  });
}
