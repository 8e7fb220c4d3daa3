/**
 * What the AWS edge's steps (provider/aws/ingressEdge.ts) do to each environment's traffic.
 * Every replacement there creates the new object before deleting the old one, and a listener
 * moves to a new target group only once its targets are registered; what reaches clients is
 * a port, a DNS name or a target that comes or goes.
 */
import { propertyChanges, Step } from "./steps";

const EDGE = /interlock-ingress:aws:IngressEdge\$/;
const TYPE = {
  targetGroup: "aws:lb/targetGroup:TargetGroup",
  listener: "aws:lb/listener:Listener",
  loadBalancer: "aws:lb/loadBalancer:LoadBalancer",
  attachment: "aws:lb/targetGroupAttachment:TargetGroupAttachment",
  asgAttachment: "aws:autoscaling/attachment:Attachment",
  record: "aws:route53/record:Record",
};

const code = (s: unknown) => "`" + String(s).replace(/`/g, "'") + "`";
const prop = (s: Step, key: string) => s.after?.[key] ?? s.before?.[key];

/** True for a resource of the stack's IngressEdge. */
export function isEdgeStep(s: Step): boolean {
  return EDGE.test(s.urn);
}

/**
 * The environment a step belongs to: its `Environment` tag, else the `<edge>-<env>-<proto>`
 * of its name (attachments carry no tags); "" for one of all environments.
 */
function environmentOf(s: Step): string {
  const tags = prop(s, "tags") as Record<string, string> | undefined;
  // The shared load balancer and its security group serve every environment.
  if (tags?.Environment && !/-shared(-nlb)?$/.test(s.name)) return tags.Environment;
  if (tags?.Environment) return "";
  return /^[^-]+-(.+?)-https?(-|$)/.exec(s.name)?.[1] ?? "";
}

function changed(s: Step): string[] {
  return propertyChanges(s)
    .map((c) => c.path)
    .filter((p) => p !== "tags" && !p.startsWith("tags.") && !p.startsWith("tagsAll"));
}

const inPlace = (s: Step, what: string) => {
  const paths = changed(s);
  return `${what} ${code(s.name)} changes in place${paths.length ? ` (${paths.slice(0, 4).map(code).join(", ")})` : ""}: traffic keeps flowing.`;
};

function targetGroup(s: Step): string {
  const was = s.before?.port;
  const now = s.after?.port;
  if (s.op === "replace") {
    const why =
      was !== now && now !== undefined ? `port ${was} → ${now}` : s.replaces.map(code).join(", ");
    const order =
      was !== now && now !== undefined
        ? `; it reaches the proxies once they publish ${now} (nothing orders that with Interlock's rollout)`
        : "";
    return `NLB target group ${code(s.name)} replaced${why ? ` (${why})` : ""}: the new one is created and its targets registered before the listener moves to it, and the old one goes last${order}.`;
  }
  if (s.op === "create") return `NLB target group ${code(s.name)} created on port ${now}.`;
  if (s.op === "delete") return `NLB target group ${code(s.name)} on port ${was} deleted.`;
  return inPlace(s, "NLB target group");
}

function listener(s: Step, env: string): string {
  const was = s.before?.port;
  const now = s.after?.port;
  if (s.op === "create")
    return `NLB listener ${code(s.name)} created on port ${now}: clients reach ${env} on it once its targets are healthy.`;
  if (s.op === "delete")
    return `NLB listener ${code(s.name)} on port ${was} deleted: clients on ${was} stop reaching ${env}.`;
  if (s.op === "replace")
    return `NLB listener ${code(s.name)} replaced (${s.replaces.map(code).join(", ")}): it moves with its load balancer.`;
  const parts: string[] = [];
  if (was !== now)
    parts.push(
      `port ${was} → ${now}: clients on ${was} stop reaching ${env}, they reach it on ${now}`,
    );
  if (s.before?.protocol !== s.after?.protocol) {
    parts.push(
      s.after?.protocol === "TLS"
        ? "TLS now ends at the NLB (ACM certificate): `ssl_passthrough` services and Interlock's per-service certificates behind it are bypassed"
        : `protocol ${s.before?.protocol} → ${s.after?.protocol}: TLS passes through to the proxies again`,
    );
  }
  if (changed(s).some((p) => p.startsWith("defaultActions")))
    parts.push("forwards to the new target group once its targets are registered, without a gap");
  return parts.length
    ? `NLB listener ${code(s.name)}: ${parts.join("; ")}.`
    : inPlace(s, "NLB listener");
}

function loadBalancer(s: Step): string {
  if (s.op === "replace") {
    return `NLB ${code(s.name)} replaced: a new one, with a new DNS name, is built beside the old one with its own target groups and listeners; this stack's Route 53 records move to it once its listeners exist, clients and CNAMEs outside the stack must follow; the old one goes last.`;
  }
  if (s.op === "create") return `NLB ${code(s.name)} created.`;
  if (s.op === "delete") return `NLB ${code(s.name)} deleted: its DNS name stops answering.`;
  return inPlace(s, "NLB");
}

function record(s: Step): string {
  const host = code(prop(s, "name") ?? s.name);
  if (s.op === "create") return `DNS ${host} created, pointing at the NLB.`;
  if (s.op === "delete") return `DNS ${host} deleted: clients using the name stop reaching it.`;
  return `DNS ${host} moves to its new target once the listeners there exist; resolvers follow as their cached answers expire.`;
}

/** Registered (+) and deregistered (−) targets of one environment, folded into one sentence. */
function targets(steps: Step[], replacedGroups: Set<string>): string | undefined {
  const added = new Map<string, string[]>();
  const removed = new Map<string, string[]>();
  for (const s of steps) {
    const m = /-(https?)-(?:asg-)?(.+)$/.exec(s.name);
    if (!m) continue;
    const [, proto, target] = m;
    const group = s.name.slice(0, m.index + 1 + proto.length);
    // Re-registered in a replaced group: part of that replacement, said there.
    if (s.op === "replace" && replacedGroups.has(group)) continue;
    if (s.op !== "delete") added.set(target, [...(added.get(target) ?? []), proto]);
    if (s.op !== "create") removed.set(target, [...(removed.get(target) ?? []), proto]);
  }
  const list = (m: Map<string, string[]>, sign: string) =>
    [...m].map(([t, protos]) => `${sign} ${code(t)} (${protos.join(", ")})`).join(", ");
  const one = (m: Map<string, string[]>) => m.size === 1;
  const parts = [
    added.size
      ? `${list(added, "+")} ${one(added) ? "gets traffic once its health checks pass" : "get traffic once their health checks pass"}`
      : "",
    removed.size
      ? `${list(removed, "−")} ${one(removed) ? "is deregistered, its" : "are deregistered, their"} open connections draining for the target group's deregistration delay`
      : "",
  ].filter(Boolean);
  return parts.length ? `NLB targets: ${parts.join("; ")}.` : undefined;
}

/** A client rule admits or stops a CIDR; the other rules follow their ports and NLB. */
function rule(s: Step, env: string): string | undefined {
  if (!/-client-/.test(s.name) || (s.op !== "create" && s.op !== "delete")) return undefined;
  const cidr = code(prop(s, "cidrIpv4"));
  const port = prop(s, "fromPort");
  return s.op === "create"
    ? `Clients from ${cidr} admitted to ${env} on port ${port}.`
    : `Clients from ${cidr} no longer admitted to ${env} on port ${port}.`;
}

/** Per environment, what the edge's steps do to its traffic; `other` for all environments. */
export function edgeImpact(steps: Step[]): {
  byEnvironment: Map<string, string[]>;
  other: string[];
} {
  const byEnvironment = new Map<string, string[]>();
  const other: string[] = [];
  const edge = steps.filter(isEdgeStep);
  const add = (env: string, line: string) => {
    if (!env) other.push(line);
    else byEnvironment.set(env, [...(byEnvironment.get(env) ?? []), line]);
  };
  const replacedGroups = new Set(
    edge.filter((s) => s.type === TYPE.targetGroup && s.op === "replace").map((s) => s.name),
  );
  const quiet = new Map<string, string[]>();
  for (const s of edge) {
    const env = environmentOf(s);
    if (s.type === TYPE.targetGroup) add(env, targetGroup(s));
    else if (s.type === TYPE.listener) add(env, listener(s, env));
    else if (s.type === TYPE.loadBalancer) add(env, loadBalancer(s));
    else if (s.type === TYPE.record) add(env, record(s));
    else if (s.type === TYPE.attachment || s.type === TYPE.asgAttachment) continue;
    else if (/^aws:(ec2|vpc)\//.test(s.type)) {
      const line = rule(s, env);
      if (line) add(env, line);
      else quiet.set(env, [...(quiet.get(env) ?? []), s.name]);
    } else add(env, `${code(s.name)} (${code(s.type)}): ${s.op}.`);
  }
  const envs = new Set(edge.map(environmentOf));
  for (const env of envs) {
    const line = targets(
      edge.filter(
        (s) => environmentOf(s) === env && [TYPE.attachment, TYPE.asgAttachment].includes(s.type),
      ),
      replacedGroups,
    );
    if (line) add(env, line);
    const names = quiet.get(env);
    if (names?.length) {
      add(
        env,
        `Security groups and rules ${names.slice(0, 4).map(code).join(", ")}${names.length > 4 ? ` and ${names.length - 4} more` : ""}: nothing for traffic by themselves (a new rule is in place before the old one goes).`,
      );
    }
  }
  return { byEnvironment, other };
}
