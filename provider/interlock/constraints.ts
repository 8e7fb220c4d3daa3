/**
 * Swarm placement constraints as Swarm parses them (`node.labels.x==y`, `node.role!=manager`),
 * so that a constraint Swarm would reject is caught at preview, and so that the nodes a
 * cluster's proxies may land on can be worked out before anything is deployed.
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
  labels: Record<string, string>;
  engineLabels: Record<string, string>;
}

const KEY = /^(node\.id|node\.hostname|node\.role|node\.platform\.os|node\.platform\.arch|node\.labels\.[^\s=!]+|engine\.labels\.[^\s=!]+)$/;

/** Parses one constraint, or returns the reason Swarm would refuse it and how to write it. */
export function parseConstraint(text: string): Constraint | { error: string } {
  const m = /^\s*([^=!\s]+)\s*(==|!=)\s*(.*?)\s*$/.exec(text);
  if (!m) {
    const single = /^\s*([^=!\s]+)\s*=\s*([^=].*?)\s*$/.exec(text);
    if (single) {
      return { error: `"${text}" uses "=", but Swarm constraints need "==" or "!=": write "${single[1]}==${single[2]}"` };
    }
    return { error: `"${text}" is not a Swarm constraint; write <key>==<value> or <key>!=<value>` };
  }
  const [, key, op, value] = m;
  if (!KEY.test(key)) {
    return {
      error: `"${text}": unknown key "${key}"; use node.id, node.hostname, node.role, node.platform.os, node.platform.arch, node.labels.<label> or engine.labels.<label>`,
    };
  }
  if (!value) return { error: `"${text}" has no value after ${op}` };
  return { key, op: op as Constraint["op"], value };
}

function constraintValue(node: NodeView, key: string): string | undefined {
  switch (key) {
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
  if (key.startsWith("node.labels.")) return node.labels[key.slice("node.labels.".length)];
  if (key.startsWith("engine.labels.")) return node.engineLabels[key.slice("engine.labels.".length)];
  return undefined;
}

/** Swarm compares constraint values case-insensitively; a missing label never equals. */
export function satisfies(node: NodeView, constraints: string[]): boolean {
  return constraints.every((text) => {
    const c = parseConstraint(text);
    if ("error" in c) return false;
    const actual = constraintValue(node, c.key);
    const equal = actual !== undefined && actual.toLowerCase() === c.value.toLowerCase();
    return c.op === "==" ? equal : !equal;
  });
}
