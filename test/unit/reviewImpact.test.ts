/**
 * The review's Impact summary (scripts/lib/impact.ts) on synthetic previews: which clusters
 * change and what that does to their traffic, the routed applications read from the cluster,
 * and what it says when they could not be read or were not recorded.
 */
import * as assert from "assert";
import { renderReview } from "../../scripts/lib/markdown";
import type { RoutedRead } from "../../scripts/lib/routed";
import type { Step } from "../../scripts/lib/steps";

const DYNAMIC = "pulumi-nodejs:dynamic/";
const EDGE = "interlock-ingress:aws:IngressEdge$";

const section = (over: Record<string, unknown> = {}) => ({
  ServiceCluster: "dev",
  ServiceName: "ucp-interlock-extension-dev",
  ProxyServiceName: "ucp-interlock-proxy-dev",
  Image: "ucp-interlock-extension:3.8.0",
  ProxyImage: "ucp-interlock-proxy:3.8.0",
  ProxyReplicas: 1,
  PublishMode: "host",
  PublishedPort: 8082,
  PublishedSSLPort: 8445,
  Config: { MaxConnections: 1024 },
  ...over,
});
const environment = (over: Record<string, unknown> = {}) => ({
  name: "dev",
  collection: "/dev",
  ingressNodes: ["node-1"],
  proxyReplicas: 1,
  publishMode: "host",
  publishedPort: 8082,
  publishedSSLPort: 8445,
  ...over,
});

function interlock(
  before: Record<string, Record<string, unknown>> | undefined,
  after: Record<string, Record<string, unknown>> | undefined,
  envs: { before?: unknown[]; after?: unknown[] } = {},
): Step {
  const props = (sections: Record<string, unknown>, environments: unknown[]) => ({
    stack: "dev",
    settings: { convergeTimeoutSeconds: 300 },
    environments,
    sections,
  });
  return {
    op: before && after ? "update" : after ? "create" : "delete",
    urn: `urn:pulumi:dev::interlock-ingress::${DYNAMIC}interlock:InterlockConfig::interlock`,
    type: `${DYNAMIC}interlock:InterlockConfig`,
    name: "interlock",
    before: before && props(before, envs.before ?? [environment()]),
    after: after && props(after, envs.after ?? [environment()]),
    diffs: [],
    replaces: [],
  };
}

function step(op: string, type: string, name: string, before?: object, after?: object): Step {
  const parent = type.startsWith("aws:") ? EDGE : "";
  return {
    op,
    urn: `urn:pulumi:dev::interlock-ingress::${parent}${type}::${name}`,
    type,
    name,
    before: before as Record<string, unknown> | undefined,
    after: after as Record<string, unknown> | undefined,
    diffs: [],
    replaces: op === "replace" ? Object.keys(after ?? {}) : [],
  };
}

const nodeLabels = (op: string, env: string, node: string) => {
  const props = { node, labels: { "com.docker.interlock.service.cluster": env } };
  return step(
    op,
    `${DYNAMIC}swarm:NodeLabels`,
    `${env}-ingress-${node}`,
    op === "create" ? undefined : props,
    op === "delete" ? undefined : props,
  );
};

const ROUTED: RoutedRead = {
  apps: {
    dev: [
      { service: "handmade", hosts: ["a.example.org", "b.example.org"], sslPassthrough: true },
      {
        stack: "demodev",
        service: "demodev_demo",
        hosts: ["demo.example.org"],
        sslPassthrough: false,
      },
    ],
    prod: [
      { stack: "shop", service: "shop_web", hosts: ["shop.example.org"], sslPassthrough: false },
    ],
  },
};

/** The Impact section alone: from its heading to the first resource's. */
function impactOf(md: string): string {
  const start = md.indexOf("#### Impact");
  assert.ok(start >= 0, md);
  return md.slice(start, md.indexOf("\n\n#### ", start));
}

describe("review: the Impact summary", () => {
  it("a port change: the port, the rolling restart and the apps routed through the cluster", () => {
    const md = renderReview(
      "dev",
      [
        interlock(
          { dev: section() },
          { dev: section({ PublishedSSLPort: 8446 }) },
          { after: [environment({ publishedSSLPort: 8446 })] },
        ),
      ],
      ROUTED,
    );
    assert.strictEqual(
      impactOf(md),
      [
        "#### Impact",
        "",
        "A section change is a new `conf-N` swapped onto `ucp-interlock` (Swarm rolls the swap back if the core refuses it); the sections of clusters not listed here stay as they are.",
        "",
        "**`dev`**: 1 proxy (`ucp-interlock-proxy-dev`), host mode, ports 8082/8446, on `node-1`",
        "",
        "- `PublishedSSLPort` 8445 → 8446: clients on 8445 stop reaching dev once the rollout ends; 8446 answers from each proxy as it restarts.",
        "- Proxies restarted for `PublishedSSLPort`, rolled one at a time (1 replica): dev does not answer while its only proxy restarts.",
        "",
        "Applications routed through `dev` (read from the cluster):",
        "",
        "| stack | service | hosts | TLS passes through |",
        "|---|---|---|---|",
        "| (no stack) | `handmade` | `a.example.org`, `b.example.org` | yes |",
        "| `demodev` | `demodev_demo` | `demo.example.org` | no |",
      ].join("\n"),
    );
  });

  it("a proxy image and NGINX setting with two replicas in host mode: one node at a time refuses", () => {
    const md = renderReview(
      "dev",
      [
        interlock(
          { dev: section({ ProxyReplicas: 2 }) },
          {
            dev: section({
              ProxyReplicas: 2,
              ProxyImage: "ucp-interlock-proxy:3.8.1",
              Config: { MaxConnections: 2048 },
            }),
          },
        ),
      ],
      ROUTED,
    );
    assert.match(
      md,
      /- Proxies restarted for `Config\.MaxConnections`, `ProxyImage`, rolled one at a time \(2 replicas\): while one restarts its node refuses connections on dev's ports; the others keep serving\./,
    );
  });

  it("replicas alone scale without a restart; the extension's image restarts only the extension", () => {
    const md = renderReview(
      "dev",
      [
        interlock(
          { dev: section() },
          { dev: section({ ProxyReplicas: 3, Image: "ucp-interlock-extension:3.8.1" }) },
        ),
      ],
      ROUTED,
    );
    const impact = impactOf(md);
    assert.doesNotMatch(impact, /Proxies restarted/);
    assert.match(
      impact,
      /- `ProxyReplicas` 1 → 3: Swarm starts 2 more proxies; the running ones keep serving\./,
    );
    assert.match(
      impact,
      /- The extension `ucp-interlock-extension-dev` restarts for `Image`; the proxies keep serving/,
    );
  });

  it("a cluster added and one removed: what starts, what stops and who was routed through it", () => {
    const prod = section({
      ServiceCluster: "prod",
      ServiceName: "ucp-interlock-extension-prod",
      ProxyServiceName: "ucp-interlock-proxy-prod",
      PublishedPort: 8080,
      PublishedSSLPort: 8443,
    });
    const test = section({
      ServiceCluster: "test",
      ServiceName: "ucp-interlock-extension-test",
      ProxyServiceName: "ucp-interlock-proxy-test",
      PublishedPort: 8081,
      PublishedSSLPort: 8444,
    });
    const impact = impactOf(
      renderReview("all", [interlock({ dev: section(), prod }, { dev: section(), test })], ROUTED),
    );
    assert.match(
      impact,
      /\*\*`prod`\*\*[^\n]*\n\n- Service cluster removed: Interlock stops `ucp-interlock-extension-prod` and `ucp-interlock-proxy-prod`; prod's ports 8080\/8443 stop answering and the applications below are no longer routed\.\n\nApplications routed through `prod`[\s\S]*\| `shop` \| `shop_web` \| `shop\.example\.org` \| no \|/,
    );
    assert.match(
      impact,
      /\*\*`test`\*\*[^\n]*\n\n- New service cluster: Interlock starts `ucp-interlock-extension-test` and 1 proxy on ports 8081\/8444; services labelled `com\.docker\.lb\.service_cluster=test` are routed through it once it runs\.\n\nNo application is routed through `test` now\./,
    );
    assert.doesNotMatch(impact, /\*\*`dev`\*\*/);
  });

  it("ingress nodes added and removed: the proxies move", () => {
    const impact = impactOf(
      renderReview(
        "dev",
        [nodeLabels("create", "dev", "node-2"), nodeLabels("delete", "dev", "node-1")],
        ROUTED,
      ),
    );
    assert.match(
      impact,
      /\*\*`dev`\*\*\n\n- Ingress nodes: \+ `node-2`, − `node-1` \(proxies move: Swarm stops the dev proxy on a node that loses the label and starts it on another dev node with room; a new node gets a dev proxy when Swarm next places one/,
    );
    assert.match(impact, /Applications routed through `dev`/);
  });

  it("a changed resource that does not touch traffic says nothing changes for it", () => {
    const labels = nodeLabels("update", "dev", "node-1");
    labels.after = { ...labels.after, expectedCollection: "/dev/ingress" };
    const md = renderReview(
      "dev",
      [
        labels,
        {
          ...interlock({ dev: section() }, { dev: section() }),
          after: {
            ...interlock({ dev: section() }, { dev: section() }).after,
            settings: { convergeTimeoutSeconds: 600 },
          },
        },
      ],
      ROUTED,
    );
    const impact = impactOf(md);
    assert.match(
      impact,
      /- Node labels `dev-ingress-node-1` updated in place \(`expectedCollection`\): nothing for traffic\./,
    );
    assert.match(
      impact,
      /\*\*All environments\*\*\n\n- `interlock`: `settings` changes, no section does: nothing for traffic\./,
    );
    assert.doesNotMatch(impact, /conf-N/);
  });

  it("the AWS edge: a replaced target group, the listener moving to it, a new target", () => {
    const tg = (port: number) => ({ port, protocol: "TCP", tags: { Environment: "dev" } });
    const impact = impactOf(
      renderReview(
        "dev",
        [
          step("replace", "aws:lb/targetGroup:TargetGroup", "edge-dev-https", tg(8445), tg(8446)),
          step(
            "update",
            "aws:lb/listener:Listener",
            "edge-dev-https",
            {
              port: 443,
              protocol: "TCP",
              defaultActions: [{ targetGroupArn: "arn:old" }],
              tags: { Environment: "dev" },
            },
            {
              port: 443,
              protocol: "TCP",
              defaultActions: [{ targetGroupArn: "arn:new" }],
              tags: { Environment: "dev" },
            },
          ),
          step(
            "replace",
            "aws:lb/targetGroupAttachment:TargetGroupAttachment",
            "edge-dev-https-node-1",
            { port: 8445 },
            { port: 8446 },
          ),
          step(
            "create",
            "aws:lb/targetGroupAttachment:TargetGroupAttachment",
            "edge-dev-http-node-2",
            undefined,
            { port: 8082 },
          ),
          step(
            "replace",
            "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
            "edge-dev-https-to-proxy",
            { fromPort: 8445, tags: { Environment: "dev" } },
            { fromPort: 8446, tags: { Environment: "dev" } },
          ),
        ],
        ROUTED,
      ),
    );
    assert.strictEqual(
      impact.split("\n\nApplications")[0],
      [
        "#### Impact",
        "",
        "**`dev`**",
        "",
        "- NLB target group `edge-dev-https` replaced (port 8445 → 8446): the new one is created and its targets registered before the listener moves to it, and the old one goes last; it reaches the proxies once they publish 8446 (nothing orders that with Interlock's rollout).",
        "- NLB listener `edge-dev-https`: forwards to the new target group once its targets are registered, without a gap.",
        "- NLB targets: + `node-2` (http) gets traffic once its health checks pass.",
        "- Security groups and rules `edge-dev-https-to-proxy`: nothing for traffic by themselves (a new rule is in place before the old one goes).",
      ].join("\n"),
    );
  });

  it("says so in one line when the cluster could not be read, or the recording has no apps", () => {
    const steps = [interlock({ dev: section() }, { dev: section({ PublishedPort: 8083 }) })];
    const unreachable = impactOf(
      renderReview("dev", steps, {
        error: "cannot reach the Docker Engine API at tcp://ucp:443 (ECONNREFUSED)",
      }),
    );
    assert.match(
      unreachable,
      /\n_Routed applications are not listed: cannot reach the Docker Engine API at tcp:\/\/ucp:443 \(ECONNREFUSED\)\._\n/,
    );
    assert.doesNotMatch(unreachable, /Applications routed through/);
    assert.match(unreachable, /`PublishedPort` 8082 → 8083/);
    const old = impactOf(renderReview("dev", steps));
    assert.match(old, /_Routed applications were not recorded with this preview/);
  });

  it("a preview changing no cluster says so", () => {
    const app = step(
      "replace",
      `${DYNAMIC}swarm:AppStack`,
      "tlsapp",
      { secretValues: "[secret]" },
      { secretValues: "[secret]" },
    );
    assert.match(
      impactOf(renderReview("dev", [app], ROUTED)),
      /^#### Impact\n\nNo service cluster's Interlock section, ingress nodes or AWS edge changes\.$/,
    );
  });
});
