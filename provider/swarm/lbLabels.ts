/**
 * The `com.docker.lb.*` service labels Interlock reads, as Mirantis documents them for MKE
 * 3.7-3.9 (plus the few labels documented on other Interlock pages), and a check of a Compose
 * file's routed services against them: each label's type, the rules between labels, and a
 * "did you mean" for a label Interlock does not know.
 *
 * Every problem is one line, `services.<name>.deploy.labels.<label>: <what is wrong>; <the fix>`;
 * the caller prefixes the stack or app. `routingWarnings` lists what does not stop a deploy but
 * does not do what the file says (labels on containers, labels from older docs).
 *
 * Nothing from `./compose` is used at module load: compose.ts re-exports from this file, so the
 * two modules load each other, and only call-time use is safe.
 */
import type { ComposeFile, RoutingContext } from "./compose";
import { ACCESS_LABEL, labelMap, serviceNetworks } from "./compose";
import { suggest } from "../config/didYouMean";

type ComposeService = NonNullable<ComposeFile["services"]>[string];

/** How a label's value is written. */
export type LbLabelType =
  | "hosts" // comma-separated host names
  | "port" // 1-65535
  | "network" // a network of the service
  | "serviceCluster" // a ServiceCluster of the Interlock config
  | "path" // starts with /
  | "paths" // comma-separated paths, each starting with /
  | "boolean" // true or false
  | "secret" // the Swarm name of a secret of the service
  | "cookie" // a cookie name NGINX can read as $cookie_<name>
  | "redirects" // ;-separated <source>,<target> URL pairs
  | "backendMode" // task or vip
  | "count" // non-negative integer
  | "duration" // NGINX time, e.g. 10s
  | "string"; // any non-empty text

/** One documented label. */
export interface LbLabel {
  /** How its value is written. */
  readonly type: LbLabelType;
  /** The page that documents it. */
  readonly doc: string;
  /** A value as the docs write it. */
  readonly example: string;
  /** The first MKE versions that honour it, when newer than MKE 3.7. */
  readonly since?: string;
  /** Listed only in the Docker-era tables, not in MKE 3.7-3.9's. */
  readonly legacy?: true;
}

const MKE = "https://docs.mirantis.com/mke/3.8/ops/deploy-apps-swarm/interlock";
/** Where Mirantis lists the service labels (same table on the 3.7 and 3.9 pages). */
export const LB_LABELS_DOC = `${MKE}/route/use-service-labels.html`;
const HEALTH_DOC = `${MKE}/route/configure-upstream-server-health-checks.html`;
const SESSIONS_DOC = `${MKE}/route/persistent-sessions.html`;
const DEFAULT_BACKEND_DOC = `${MKE}/configure/configure-layer-7-routing-service/create-proxy-service.html`;
const MTLS_DOC = `${MKE}/route/secure-services-with-tls/deploy-with-mtls.html`;
const DOCKER_ERA_DOC = "https://docs.docker.com/ee/ucp/interlock/config/service-labels/";

/** Every documented `com.docker.lb.*` label, with its type and where it is documented. */
export const LB_LABELS: Readonly<Record<string, LbLabel>> = {
  "com.docker.lb.hosts": { type: "hosts", doc: LB_LABELS_DOC, example: "example.com,test.com" },
  "com.docker.lb.port": { type: "port", doc: LB_LABELS_DOC, example: "8080" },
  "com.docker.lb.network": { type: "network", doc: LB_LABELS_DOC, example: "app-network-a" },
  "com.docker.lb.context_root": { type: "path", doc: LB_LABELS_DOC, example: "/app" },
  "com.docker.lb.context_root_rewrite": { type: "boolean", doc: LB_LABELS_DOC, example: "true" },
  "com.docker.lb.ssl_cert": { type: "secret", doc: LB_LABELS_DOC, example: "example.com.cert" },
  "com.docker.lb.ssl_key": { type: "secret", doc: LB_LABELS_DOC, example: "example.com.key" },
  "com.docker.lb.websocket_endpoints": { type: "paths", doc: LB_LABELS_DOC, example: "/ws,/foo" },
  "com.docker.lb.service_cluster": {
    type: "serviceCluster",
    doc: LB_LABELS_DOC,
    example: "us-east",
  },
  "com.docker.lb.sticky_session_cookie": {
    type: "cookie",
    doc: LB_LABELS_DOC,
    example: "app_session",
  },
  "com.docker.lb.redirects": {
    type: "redirects",
    doc: LB_LABELS_DOC,
    example: "http://old.example.com,http://new.example.com",
  },
  "com.docker.lb.ssl_passthrough": { type: "boolean", doc: LB_LABELS_DOC, example: "true" },
  "com.docker.lb.backend_mode": { type: "backendMode", doc: LB_LABELS_DOC, example: "vip" },
  "com.docker.lb.max_fails": {
    type: "count",
    doc: HEALTH_DOC,
    example: "3",
    since: "MKE 3.8.16, 3.9.6",
  },
  "com.docker.lb.fail_timeout": {
    type: "duration",
    doc: HEALTH_DOC,
    example: "30s",
    since: "MKE 3.8.16, 3.9.6",
  },
  "com.docker.lb.ip_hash": { type: "boolean", doc: SESSIONS_DOC, example: "true" },
  "com.docker.lb.default_backend": { type: "boolean", doc: DEFAULT_BACKEND_DOC, example: "true" },
  "com.docker.lb.client_ca_cert": {
    type: "secret",
    doc: MTLS_DOC,
    example: "demo_app.example.org.client-ca.cert",
  },
  "com.docker.lb.ssl_only": {
    type: "boolean",
    doc: DOCKER_ERA_DOC,
    example: "true",
    legacy: true,
  },
  "com.docker.lb.ssl_backend": {
    type: "boolean",
    doc: DOCKER_ERA_DOC,
    example: "true",
    legacy: true,
  },
  "com.docker.lb.ssl_backend_tls_verify": {
    type: "string",
    doc: DOCKER_ERA_DOC,
    example: "none",
    legacy: true,
  },
};

/** Names people write for a label that has another name. */
const ALIASES: Record<string, string> = {
  "com.docker.lb.default_host": "com.docker.lb.default_backend",
  // The CA label Mirantis documents is client_ca_cert (mTLS page); ssl_cacert is not a label.
  "com.docker.lb.ssl_cacert": "com.docker.lb.client_ca_cert",
};

const LB = "com.docker.lb.";
const HOST = /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9][a-z0-9-]{0,61}[a-z0-9]$/i;
/** NGINX time units, most significant first (nginx.org/en/docs/syntax.html). */
const TIME_UNITS = ["y", "M", "w", "d", "h", "m", "s", "ms"];

/** `<what is wrong>; <the fix>` for a value of the given type, or undefined when it is fine. */
function typeProblem(type: LbLabelType, value: string, example: string): string | undefined {
  const v = value.trim();
  if (v === "") return `empty; set it (e.g. ${example}) or remove the label`;
  switch (type) {
    case "boolean":
      return v === "true" || v === "false"
        ? undefined
        : `"${value}" is not a boolean; set it to "true" or "false"`;
    case "backendMode":
      return v === "task" || v === "vip"
        ? undefined
        : `"${value}" is not a backend mode; set it to "task" (the default) or "vip"`;
    case "path":
      return /^\/\S*$/.test(v) ? undefined : `"${value}" is not a path; start it with /, e.g. /app`;
    case "paths": {
      const bad = v
        .split(",")
        .map((p) => p.trim())
        .filter((p) => !/^\/\S*$/.test(p));
      return bad.length
        ? `"${bad.join('", "')}" ${bad.length > 1 ? "are not paths" : "is not a path"}; list paths that start with /, e.g. /ws,/foo`
        : undefined;
    }
    case "cookie":
      // The template reads the cookie as the NGINX variable $cookie_<name>, and NGINX variable
      // names end at the first character that is not a letter, digit or underscore.
      return /^[A-Za-z0-9_]+$/.test(v)
        ? undefined
        : `"${value}" is not a cookie name NGINX can read as $cookie_<name>; use letters, digits and _ only, e.g. app_session`;
    case "count":
      return /^\d+$/.test(v) && Number(v) <= 2 ** 31 - 1
        ? undefined
        : `"${value}" is not a non-negative integer; set a number of failures, e.g. 3 (0 turns the check off)`;
    case "duration":
      return isNginxTime(v)
        ? undefined
        : `"${value}" is not an NGINX time; write a number with a unit and no spaces, e.g. 10s, 1m30s or 500ms`;
    default:
      return undefined;
  }
}

/** NGINX time: units most significant first, each once; a bare number means seconds. */
function isNginxTime(v: string): boolean {
  if (/^\d+$/.test(v)) return true;
  const parts = [...v.matchAll(/(\d+)(ms|[yMwdhms])/g)];
  if (parts.map((p) => p[0]).join("") !== v) return false;
  const order = parts.map((p) => TIME_UNITS.indexOf(p[2]));
  return order.every((o, i) => i === 0 || o > order[i - 1]);
}

/** The Swarm names of a Compose file's secrets, by key, as `docker stack deploy` names them. */
function secretNames(compose: ComposeFile, stack: string): Record<string, string> {
  const out: Record<string, string> = {};
  const defs = (compose.secrets ?? {}) as Record<
    string,
    { external?: unknown; name?: string } | null
  >;
  for (const [key, def] of Object.entries(defs)) {
    if (def?.external) {
      const ext = def.external as { name?: string } | boolean;
      out[key] = (typeof ext === "object" && ext.name) || def.name || key;
    } else out[key] = def?.name ?? `${stack}_${key}`;
  }
  return out;
}

/** The Compose keys of the secrets a service is given. */
function serviceSecretKeys(svc: ComposeService): string[] {
  return (svc.secrets ?? []).map((s) => (typeof s === "string" ? s : String(s.source)));
}

/** `<what is wrong>; <the fix>` when `value` is not the Swarm name of a secret of the service. */
function secretProblem(
  value: string,
  name: string,
  svc: ComposeService,
  names: Record<string, string>,
): string | undefined {
  const attached = serviceSecretKeys(svc);
  const attachedNames = attached.map((k) => names[k] ?? k);
  if (attachedNames.includes(value)) return undefined;
  if (attached.includes(value) && names[value] && names[value] !== value)
    return `"${value}" is the Compose key, and Interlock looks the secret up by its Swarm name; set it to "${names[value]}"`;
  const key = Object.keys(names).find((k) => names[k] === value);
  if (key !== undefined)
    return `"${value}" (secrets.${key}) is not given to the service; add ${key} to services.${name}.secrets`;
  return `"${value}" is not a secret of the service (${attachedNames.join(", ") || "it has none"}); define it under secrets and add it to services.${name}.secrets`;
}

/** The host of an http(s) URL, or undefined when `url` is not one. */
function urlHost(url: string): string | undefined {
  if (!/^https?:\/\/[^/\s]/i.test(url)) return undefined;
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return undefined;
  }
}

/** Whether `host` is served by one of `hosts` (exactly, or by a `*.` wildcard). */
function served(host: string, hosts: string[]): boolean {
  return hosts.some((h) => {
    const x = h.toLowerCase();
    return x === host || (x.startsWith("*.") && host.endsWith(x.slice(1)));
  });
}

function redirectProblems(value: string, hosts: string[] | undefined): string[] {
  const problems: string[] = [];
  const entries = value
    .split(";")
    .map((e) => e.trim())
    .filter((e) => e !== "");
  for (const entry of entries) {
    const pair = entry.split(",").map((p) => p.trim());
    if (pair.length !== 2 || !pair[0] || !pair[1]) {
      problems.push(
        `"${entry}" is not a <source>,<target> pair; separate redirects with ";" and each source from its target with ",", e.g. http://old.example.com,http://new.example.com`,
      );
      continue;
    }
    const [source, target] = pair;
    const host = urlHost(source);
    if (host === undefined)
      problems.push(
        `source "${source}" is not an http(s) URL; write it with its scheme, e.g. http://old.example.com`,
      );
    else if (hosts && !served(host, hosts))
      problems.push(
        `source host "${host}" is not in com.docker.lb.hosts (${hosts.join(", ")}); add it there, or the proxy never sees its requests`,
      );
    if (urlHost(target) === undefined)
      problems.push(
        `target "${target}" is not an http(s) URL; write it with its scheme, e.g. http://new.example.com`,
      );
  }
  return problems;
}

/** A problem before its `services.<name>.deploy.labels.` prefix: the label, and what is wrong. */
type Finding = readonly [label: string, what: string];

/** A service with com.docker.lb.* labels, as the rules below read it. */
interface RoutedService {
  name: string;
  svc: ComposeService;
  labels: Record<string, string>;
  /** The names in com.docker.lb.hosts; undefined when it is unset or empty. */
  hosts: string[] | undefined;
}

const isTrue = (labels: Record<string, string>, label: string) => labels[label]?.trim() === "true";

/** Problems with the com.docker.lb.* labels of every routed service, each naming label and fix. */
export function validateRouting(
  compose: ComposeFile,
  stack: string,
  ctx: RoutingContext,
): string[] {
  const problems: string[] = [];
  const names = secretNames(compose, stack);
  for (const [name, svc] of Object.entries(compose.services ?? {})) {
    const labels = labelMap(svc.deploy?.labels);
    // The collection label is UCP's, not Interlock's, so unrouted services are checked too.
    const findings = collectionProblems(labels, ctx);
    if (Object.keys(labels).some((k) => k.startsWith(LB))) {
      const routed = { name, svc, labels, hosts: hostsOf(labels) };
      findings.push(...routedServiceProblems(routed, compose, stack, ctx, names));
    }
    for (const [label, what] of findings)
      problems.push(`services.${name}.deploy.labels.${label}: ${what}`);
  }
  return problems;
}

/** A routed service's problems, in the order they are reported. */
function routedServiceProblems(
  r: RoutedService,
  compose: ComposeFile,
  stack: string,
  ctx: RoutingContext,
  names: Record<string, string>,
): Finding[] {
  return [
    // The labels every routed service needs, and the values only the context can judge.
    ...hostsProblems(r),
    ...portProblems(r.labels),
    ...clusterProblems(r.labels, ctx),
    ...networkProblems(r, compose, stack),
    ...labelTypeProblems(r, names),
    // Rules between labels.
    ...vipProblems(r.labels),
    ...redirectLabelProblems(r),
    ...tlsProblems(r.labels),
    ...contextRootProblems(r.labels),
  ];
}

function hostsOf(labels: Record<string, string>): string[] | undefined {
  const hostsLabel = labels[`${LB}hosts`];
  return hostsLabel ? hostsLabel.split(",").map((x) => x.trim()) : undefined;
}

function collectionProblems(labels: Record<string, string>, ctx: RoutingContext): Finding[] {
  const access = labels[ACCESS_LABEL];
  if (!ctx.collection || access === undefined || access === ctx.collection) return [];
  return [
    [
      ACCESS_LABEL,
      `"${access}" is not this environment's collection; set it to "${ctx.collection}"`,
    ],
  ];
}

function hostsProblems({ labels, hosts }: RoutedService): Finding[] {
  const out: Finding[] = [];
  // The documented catch-all service has no hosts of its own (create-proxy-service page).
  if (!hosts && !isTrue(labels, `${LB}default_backend`))
    out.push([
      `${LB}hosts`,
      "missing; a routed service needs the host names it serves, e.g. app.example.com",
    ]);
  for (const h of hosts ?? []) {
    if (!HOST.test(h))
      out.push([
        `${LB}hosts`,
        `"${h}" is not a host name (no scheme, port or path); e.g. app.example.com`,
      ]);
  }
  return out;
}

function portProblems(labels: Record<string, string>): Finding[] {
  const port = labels[`${LB}port`];
  if (port === undefined)
    return [[`${LB}port`, "missing; set the container port the proxy should reach, e.g. 8080"]];
  if (!/^\d+$/.test(port) || Number(port) < 1 || Number(port) > 65535)
    return [[`${LB}port`, `"${port}" is not a port number (1-65535)`]];
  return [];
}

function clusterProblems(labels: Record<string, string>, ctx: RoutingContext): Finding[] {
  const cluster = labels[`${LB}service_cluster`];
  if (cluster === undefined || ctx.clusters.includes(cluster)) return [];
  return [
    [
      `${LB}service_cluster`,
      `"${cluster}" is not a service cluster of the Interlock config (${ctx.clusters.join(", ") || "none"}); use one of them`,
    ],
  ];
}

function networkProblems(r: RoutedService, compose: ComposeFile, stack: string): Finding[] {
  const network = r.labels[`${LB}network`];
  const nets = serviceNetworks(compose, stack, r.svc);
  if (network !== undefined && !nets.includes(network))
    return [
      [
        `${LB}network`,
        `"${network}" is not one of the service's networks (${nets.join(", ")}); use one of them`,
      ],
    ];
  if (network === undefined && nets.length > 1)
    return [
      [
        `${LB}network`,
        `missing, and the service is on ${nets.length} networks; name the one the proxy joins`,
      ],
    ];
  return [];
}

/** Each label's own type; unknown labels get the nearest documented one. */
function labelTypeProblems(r: RoutedService, names: Record<string, string>): Finding[] {
  const out: Finding[] = [];
  for (const [label, value] of Object.entries(r.labels)) {
    if (!label.startsWith(LB)) continue;
    const wrong = labelValueProblem(label, value, r, names);
    if (wrong) out.push([label, wrong]);
  }
  return out;
}

/** `<what is wrong>; <the fix>` for one com.docker.lb.* label, or undefined when it is fine. */
function labelValueProblem(
  label: string,
  value: string,
  r: RoutedService,
  names: Record<string, string>,
): string | undefined {
  const spec = LB_LABELS[label];
  if (!spec) {
    const near = ALIASES[label] ?? nearestLabel(label);
    return near
      ? `not an Interlock label; did you mean ${near}?`
      : `not an Interlock label; use one from the table at ${LB_LABELS_DOC}`;
  }
  switch (spec.type) {
    // Judged against the context (and redirects entry by entry) by the other rules.
    case "hosts":
    case "port":
    case "network":
    case "serviceCluster":
    case "redirects":
      return undefined;
    case "secret":
      return value.trim() === ""
        ? typeProblem("string", value, spec.example)
        : secretProblem(value.trim(), r.name, r.svc, names);
    default:
      return typeProblem(spec.type, value, spec.example);
  }
}

function vipProblems(labels: Record<string, string>): Finding[] {
  if (labels[`${LB}backend_mode`]?.trim() !== "vip") return [];
  // VIP mode routes to the service VIP, not to tasks (use-service-labels, routing-modes).
  const vip = `with com.docker.lb.backend_mode "vip"; remove this label or set backend_mode to "task"`;
  const out: Finding[] = [];
  if (labels[`${LB}sticky_session_cookie`] !== undefined)
    out.push([`${LB}sticky_session_cookie`, `sticky sessions are not supported ${vip}`]);
  if (isTrue(labels, `${LB}ip_hash`))
    out.push([`${LB}ip_hash`, `IP-hash persistent sessions are not supported ${vip}`]);
  if (labels[`${LB}websocket_endpoints`] !== undefined)
    out.push([`${LB}websocket_endpoints`, `websockets are not supported ${vip}`]);
  return out;
}

function redirectLabelProblems({ labels, hosts }: RoutedService): Finding[] {
  const label = `${LB}redirects`;
  const redirects = labels[label];
  if (redirects === undefined) return [];
  const out: Finding[] = [];
  if (redirects.trim() === "")
    out.push([label, typeProblem("string", redirects, LB_LABELS[label].example)!]);
  for (const p of redirectProblems(redirects, hosts)) out.push([label, p]);
  if (isTrue(labels, `${LB}ssl_passthrough`))
    out.push([
      label,
      "redirects do not work with com.docker.lb.ssl_passthrough; remove the redirects, or terminate TLS at the proxy (ssl_cert and ssl_key) instead of passing it through",
    ]);
  return out;
}

function tlsProblems(labels: Record<string, string>): Finding[] {
  const cert = labels[`${LB}ssl_cert`];
  const key = labels[`${LB}ssl_key`];
  const out: Finding[] = [];
  if (cert !== undefined && key === undefined)
    out.push([
      `${LB}ssl_key`,
      "missing, and com.docker.lb.ssl_cert is set; the proxy needs both, so name the key's secret too",
    ]);
  if (key !== undefined && cert === undefined)
    out.push([
      `${LB}ssl_cert`,
      "missing, and com.docker.lb.ssl_key is set; the proxy needs both, so name the certificate's secret too",
    ]);
  if (labels[`${LB}client_ca_cert`] !== undefined && (cert === undefined || key === undefined))
    out.push([
      `${LB}client_ca_cert`,
      "mutual TLS needs TLS ended at the proxy; set com.docker.lb.ssl_cert and com.docker.lb.ssl_key too",
    ]);
  return out;
}

function contextRootProblems(labels: Record<string, string>): Finding[] {
  if (
    labels[`${LB}context_root_rewrite`] === undefined ||
    labels[`${LB}context_root`] !== undefined
  )
    return [];
  return [
    [
      `${LB}context_root_rewrite`,
      "set without com.docker.lb.context_root, so there is nothing to rewrite; set context_root (e.g. /app) or remove this label",
    ],
  ];
}

/** The documented label nearest to `label` (case-insensitive edit distance), if it is close. */
function nearestLabel(label: string): string | undefined {
  // Compared without the common prefix, which would make every label look close.
  const near = suggest(
    label.slice(LB.length),
    Object.keys(LB_LABELS).map((known) => known.slice(LB.length)),
  );
  return near === undefined ? undefined : LB + near;
}

/**
 * What is set but will not act as written: com.docker.lb.* labels on containers (Interlock reads
 * service labels only), labels from the Docker-era tables only, and VIP-mode services that share
 * a host with another service (a canary then gets half the traffic, not its share of tasks).
 */
export function routingWarnings(compose: ComposeFile): string[] {
  const warnings: string[] = [];
  const services = Object.entries(compose.services ?? {});
  for (const [name, svc] of services) {
    const deploy = labelMap(svc.deploy?.labels);
    for (const [label, value] of Object.entries(labelMap(svc.labels))) {
      if (!label.startsWith(LB)) continue;
      const where = `services.${name}.labels.${label}`;
      const ignored = "a container label, which Interlock ignores (it reads service labels)";
      if (deploy[label] === undefined)
        warnings.push(`${where}: ${ignored}; move it under services.${name}.deploy.labels`);
      else if (deploy[label] === value)
        warnings.push(
          `${where}: ${ignored}, and services.${name}.deploy.labels sets it too; remove this copy`,
        );
      else
        warnings.push(
          `${where}: ${ignored}; services.${name}.deploy.labels sets it to "${deploy[label]}", which applies; remove this copy`,
        );
    }
    for (const label of Object.keys(deploy)) {
      if (LB_LABELS[label]?.legacy)
        warnings.push(
          `services.${name}.deploy.labels.${label}: listed only in the Docker-era label tables, not in MKE 3.7-3.9's, so Interlock may ignore it; check it on your MKE version or remove it`,
        );
    }
  }
  // Canary by a second service on the same route (routing-modes page).
  const route = (labels: Record<string, string>) =>
    (labels[`${LB}hosts`] ?? "")
      .split(",")
      .map((h) => h.trim().toLowerCase())
      .filter((h) => h)
      .map((h) => `${h}${labels[`${LB}context_root`] ?? ""}`);
  for (const [name, svc] of services) {
    const labels = labelMap(svc.deploy?.labels);
    if (labels[`${LB}backend_mode`]?.trim() !== "vip") continue;
    for (const [other, o] of services) {
      if (other === name) continue;
      const shared = route(labelMap(o.deploy?.labels)).filter((r) => route(labels).includes(r));
      if (shared.length)
        warnings.push(
          `services.${name}.deploy.labels.${LB}backend_mode: "vip", and services.${other} serves the same route (${shared.join(", ")}); in VIP mode traffic splits per service, not per task, so a canary gets half of it; use task mode on both for a split by task count`,
        );
    }
  }
  return warnings;
}
