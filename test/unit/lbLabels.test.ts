/**
 * The com.docker.lb.* label checks, one case per documented rule, each asserting the exact
 * messages: a label's type, the rules between labels, unknown labels, and the warnings.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { parseCompose } from "../../provider/swarm/compose";
import {
  LB_LABELS,
  LB_LABELS_DOC,
  routingWarnings,
  validateRouting,
} from "../../provider/swarm/lbLabels";

const fixture = (f: string) => fs.readFileSync(path.join(__dirname, "../fixtures", f), "utf8");
const ctx = { clusters: ["dev", "test", "prod"], collection: "/dev" };
const STACK = "tlsapp";
const at = (label: string, svc = "web") => `services.${svc}.deploy.labels.com.docker.lb.${label}`;

type Labels = Record<string, string | undefined>;
const BASE: Labels = {
  "com.docker.lb.hosts": "app.example.org",
  "com.docker.lb.port": "8080",
  "com.docker.lb.network": "ingress_dev",
  "com.docker.lb.service_cluster": "dev",
};

/** A one-service Compose file (`web`, on ingress_dev, secrets cert and key), parsed as a user's. */
function compose(labels: Labels, service: Record<string, unknown> = {}, top = {}) {
  return parseCompose(
    JSON.stringify({
      version: "3.7",
      services: {
        web: {
          image: "lab/docker-demo:lab",
          deploy: { labels: { ...BASE, ...labels } },
          networks: ["ingress_dev"],
          secrets: ["app.example.org.cert", "app.example.org.key"],
          ...service,
        },
      },
      networks: { ingress_dev: { external: true } },
      secrets: {
        "app.example.org.cert": { file: "./app.example.org.cert" },
        "app.example.org.key": { file: "./app.example.org.key" },
        "app.example.org.ca": { file: "./ca.pem" },
        "shared.cert": { external: true, name: "wildcard.example.org.cert" },
      },
      ...top,
    }),
  );
}

const TLS: Labels = {
  "com.docker.lb.ssl_cert": "tlsapp_app.example.org.cert",
  "com.docker.lb.ssl_key": "tlsapp_app.example.org.key",
};

describe("lbLabels: documented files pass", () => {
  it("passes the blog's and the TLS app's Compose files", () => {
    assert.deepStrictEqual(
      validateRouting(parseCompose(fixture("docker-compose.yml")), "demodev", ctx),
      [],
    );
    assert.deepStrictEqual(validateRouting(parseCompose(fixture("tls-app.yml")), STACK, ctx), []);
    assert.deepStrictEqual(routingWarnings(parseCompose(fixture("tls-app.yml"))), []);
  });

  it("types every documented label and names its page", () => {
    for (const [label, spec] of Object.entries(LB_LABELS)) {
      assert.ok(label.startsWith("com.docker.lb."), label);
      assert.match(spec.doc, /^https:\/\/docs\.(mirantis|docker)\.com\//, label);
    }
    assert.strictEqual(LB_LABELS["com.docker.lb.max_fails"].type, "count");
    assert.strictEqual(LB_LABELS["com.docker.lb.fail_timeout"].since, "MKE 3.8.16, 3.9.6");
  });
});

describe("lbLabels: validateRouting", () => {
  const cases: Array<[string, Labels, string[], Record<string, unknown>?]> = [
    // Types of single labels.
    [
      "a backend mode in the wrong case",
      { "com.docker.lb.backend_mode": "Task" },
      [
        `${at("backend_mode")}: "Task" is not a backend mode; set it to "task" (the default) or "vip"`,
      ],
    ],
    [
      "task backend mode with sticky sessions",
      {
        "com.docker.lb.backend_mode": "task",
        "com.docker.lb.sticky_session_cookie": "app_session",
      },
      [],
    ],
    [
      "ssl_passthrough as yes",
      { "com.docker.lb.ssl_passthrough": "yes" },
      [`${at("ssl_passthrough")}: "yes" is not a boolean; set it to "true" or "false"`],
    ],
    [
      "ip_hash as 1",
      { "com.docker.lb.ip_hash": "1" },
      [`${at("ip_hash")}: "1" is not a boolean; set it to "true" or "false"`],
    ],
    [
      "default_backend as on",
      { "com.docker.lb.default_backend": "on" },
      [`${at("default_backend")}: "on" is not a boolean; set it to "true" or "false"`],
    ],
    [
      "a context root without /",
      { "com.docker.lb.context_root": "app" },
      [`${at("context_root")}: "app" is not a path; start it with /, e.g. /app`],
    ],
    [
      "a websocket endpoint without /",
      { "com.docker.lb.websocket_endpoints": "ws,/foo" },
      [
        `${at("websocket_endpoints")}: "ws" is not a path; list paths that start with /, e.g. /ws,/foo`,
      ],
    ],
    [
      "a cookie name NGINX cannot read",
      { "com.docker.lb.sticky_session_cookie": "app-session" },
      [
        `${at("sticky_session_cookie")}: "app-session" is not a cookie name NGINX can read as $cookie_<name>; use letters, digits and _ only, e.g. app_session`,
      ],
    ],
    [
      "max_fails 0 and fail_timeout 30s",
      { "com.docker.lb.max_fails": "0", "com.docker.lb.fail_timeout": "30s" },
      [],
    ],
    ["fail_timeout with two units", { "com.docker.lb.fail_timeout": "1m30s" }, []],
    ["fail_timeout in milliseconds", { "com.docker.lb.fail_timeout": "500ms" }, []],
    ["fail_timeout as seconds without a unit", { "com.docker.lb.fail_timeout": "30" }, []],
    [
      "a negative max_fails",
      { "com.docker.lb.max_fails": "-1" },
      [
        `${at("max_fails")}: "-1" is not a non-negative integer; set a number of failures, e.g. 3 (0 turns the check off)`,
      ],
    ],
    [
      "max_fails in words",
      { "com.docker.lb.max_fails": "three" },
      [
        `${at("max_fails")}: "three" is not a non-negative integer; set a number of failures, e.g. 3 (0 turns the check off)`,
      ],
    ],
    [
      "fail_timeout with a space",
      { "com.docker.lb.fail_timeout": "10 s" },
      [
        `${at("fail_timeout")}: "10 s" is not an NGINX time; write a number with a unit and no spaces, e.g. 10s, 1m30s or 500ms`,
      ],
    ],
    [
      "fail_timeout with units out of order",
      { "com.docker.lb.fail_timeout": "30s1m" },
      [
        `${at("fail_timeout")}: "30s1m" is not an NGINX time; write a number with a unit and no spaces, e.g. 10s, 1m30s or 500ms`,
      ],
    ],
    [
      "fail_timeout as 10sec",
      { "com.docker.lb.fail_timeout": "10sec" },
      [
        `${at("fail_timeout")}: "10sec" is not an NGINX time; write a number with a unit and no spaces, e.g. 10s, 1m30s or 500ms`,
      ],
    ],
    [
      "an empty context root",
      { "com.docker.lb.context_root": "" },
      [`${at("context_root")}: empty; set it (e.g. /app) or remove the label`],
    ],
    [
      "a legacy label, typed",
      { "com.docker.lb.ssl_backend": "on" },
      [`${at("ssl_backend")}: "on" is not a boolean; set it to "true" or "false"`],
    ],

    // VIP mode.
    [
      "VIP mode with sticky sessions, IP hash and websockets",
      {
        "com.docker.lb.backend_mode": "vip",
        "com.docker.lb.sticky_session_cookie": "app_session",
        "com.docker.lb.ip_hash": "true",
        "com.docker.lb.websocket_endpoints": "/ws",
      },
      [
        `${at("sticky_session_cookie")}: sticky sessions are not supported with com.docker.lb.backend_mode "vip"; remove this label or set backend_mode to "task"`,
        `${at("ip_hash")}: IP-hash persistent sessions are not supported with com.docker.lb.backend_mode "vip"; remove this label or set backend_mode to "task"`,
        `${at("websocket_endpoints")}: websockets are not supported with com.docker.lb.backend_mode "vip"; remove this label or set backend_mode to "task"`,
      ],
    ],
    [
      "VIP mode with ip_hash false and TLS",
      { "com.docker.lb.backend_mode": "vip", "com.docker.lb.ip_hash": "false", ...TLS },
      [],
    ],

    // Redirects.
    [
      "a redirect whose source is among the hosts",
      {
        "com.docker.lb.hosts": "old.example.org,app.example.org",
        "com.docker.lb.redirects": "http://old.example.org,http://app.example.org",
      },
      [],
    ],
    [
      "two redirects, spaced, with a trailing ;",
      {
        "com.docker.lb.hosts": "old.example.org, older.example.org",
        "com.docker.lb.redirects":
          "http://old.example.org, https://app.example.org; https://older.example.org,https://app.example.org/;",
      },
      [],
    ],
    [
      "a redirect from a host a wildcard serves",
      {
        "com.docker.lb.hosts": "*.example.org",
        "com.docker.lb.redirects": "http://old.example.org,http://app.example.org",
      },
      [],
    ],
    [
      "a redirect from a host not among the hosts",
      { "com.docker.lb.redirects": "http://old.example.org,http://app.example.org" },
      [
        `${at("redirects")}: source host "old.example.org" is not in com.docker.lb.hosts (app.example.org); add it there, or the proxy never sees its requests`,
      ],
    ],
    [
      "a redirect without its target",
      { "com.docker.lb.redirects": "http://app.example.org" },
      [
        `${at("redirects")}: "http://app.example.org" is not a <source>,<target> pair; separate redirects with ";" and each source from its target with ",", e.g. http://old.example.com,http://new.example.com`,
      ],
    ],
    [
      "redirects separated by commas only",
      {
        "com.docker.lb.redirects":
          "http://a.example.org,http://app.example.org,http://b.example.org,http://app.example.org",
      },
      [
        `${at("redirects")}: "http://a.example.org,http://app.example.org,http://b.example.org,http://app.example.org" is not a <source>,<target> pair; separate redirects with ";" and each source from its target with ",", e.g. http://old.example.com,http://new.example.com`,
      ],
    ],
    [
      "a redirect between bare host names",
      { "com.docker.lb.redirects": "app.example.org,new.example.org" },
      [
        `${at("redirects")}: source "app.example.org" is not an http(s) URL; write it with its scheme, e.g. http://old.example.com`,
        `${at("redirects")}: target "new.example.org" is not an http(s) URL; write it with its scheme, e.g. http://new.example.com`,
      ],
    ],
    [
      "redirects with TLS passthrough",
      {
        "com.docker.lb.hosts": "old.example.org,app.example.org",
        "com.docker.lb.redirects": "http://old.example.org,https://app.example.org",
        "com.docker.lb.ssl_passthrough": "true",
      },
      [
        `${at("redirects")}: redirects do not work with com.docker.lb.ssl_passthrough; remove the redirects, or terminate TLS at the proxy (ssl_cert and ssl_key) instead of passing it through`,
      ],
    ],
    [
      "redirects with ssl_passthrough false",
      {
        "com.docker.lb.hosts": "old.example.org,app.example.org",
        "com.docker.lb.redirects": "http://old.example.org,https://app.example.org",
        "com.docker.lb.ssl_passthrough": "false",
      },
      [],
    ],

    // TLS secrets.
    ["a certificate and key the service is given", TLS, []],
    [
      "an external secret by its name",
      { ...TLS, "com.docker.lb.ssl_cert": "wildcard.example.org.cert" },
      [],
      { secrets: ["shared.cert", "app.example.org.key"] },
    ],
    [
      "a certificate without its key",
      { "com.docker.lb.ssl_cert": "tlsapp_app.example.org.cert" },
      [
        `${at("ssl_key")}: missing, and com.docker.lb.ssl_cert is set; the proxy needs both, so name the key's secret too`,
      ],
    ],
    [
      "a key without its certificate",
      { "com.docker.lb.ssl_key": "tlsapp_app.example.org.key" },
      [
        `${at("ssl_cert")}: missing, and com.docker.lb.ssl_key is set; the proxy needs both, so name the certificate's secret too`,
      ],
    ],
    [
      "the Compose key instead of the Swarm name",
      { ...TLS, "com.docker.lb.ssl_cert": "app.example.org.cert" },
      [
        `${at("ssl_cert")}: "app.example.org.cert" is the Compose key, and Interlock looks the secret up by its Swarm name; set it to "tlsapp_app.example.org.cert"`,
      ],
    ],
    [
      "a secret of the file the service is not given",
      TLS,
      [
        `${at("ssl_key")}: "tlsapp_app.example.org.key" (secrets.app.example.org.key) is not given to the service; add app.example.org.key to services.web.secrets`,
      ],
      { secrets: ["app.example.org.cert"] },
    ],
    [
      "a secret nobody defines",
      { ...TLS, "com.docker.lb.ssl_cert": "tlsapp_other.cert" },
      [
        `${at("ssl_cert")}: "tlsapp_other.cert" is not a secret of the service (tlsapp_app.example.org.cert, tlsapp_app.example.org.key); define it under secrets and add it to services.web.secrets`,
      ],
    ],
    [
      "a certificate on a service without secrets",
      TLS,
      [
        `${at("ssl_cert")}: "tlsapp_app.example.org.cert" (secrets.app.example.org.cert) is not given to the service; add app.example.org.cert to services.web.secrets`,
        `${at("ssl_key")}: "tlsapp_app.example.org.key" (secrets.app.example.org.key) is not given to the service; add app.example.org.key to services.web.secrets`,
      ],
      { secrets: undefined },
    ],
    [
      "an empty certificate",
      { ...TLS, "com.docker.lb.ssl_cert": "" },
      [`${at("ssl_cert")}: empty; set it (e.g. example.com.cert) or remove the label`],
    ],
    [
      "a client CA with the certificate and key",
      { ...TLS, "com.docker.lb.client_ca_cert": "tlsapp_app.example.org.ca" },
      [],
      { secrets: ["app.example.org.cert", "app.example.org.key", "app.example.org.ca"] },
    ],
    [
      "a client CA without TLS at the proxy",
      { "com.docker.lb.client_ca_cert": "tlsapp_app.example.org.ca" },
      [
        `${at("client_ca_cert")}: mutual TLS needs TLS ended at the proxy; set com.docker.lb.ssl_cert and com.docker.lb.ssl_key too`,
      ],
      { secrets: ["app.example.org.ca"] },
    ],

    // Context root.
    [
      "a context root with its rewrite",
      { "com.docker.lb.context_root": "/app", "com.docker.lb.context_root_rewrite": "true" },
      [],
    ],
    [
      "a rewrite without a context root",
      { "com.docker.lb.context_root_rewrite": "true" },
      [
        `${at("context_root_rewrite")}: set without com.docker.lb.context_root, so there is nothing to rewrite; set context_root (e.g. /app) or remove this label`,
      ],
    ],
    [
      "a rewrite written as yes",
      { "com.docker.lb.context_root": "/app", "com.docker.lb.context_root_rewrite": "yes" },
      [`${at("context_root_rewrite")}: "yes" is not a boolean; set it to "true" or "false"`],
    ],

    // Labels Interlock does not know.
    [
      "a misspelled label",
      { "com.docker.lb.host": "app.example.org" },
      [`${at("host")}: not an Interlock label; did you mean com.docker.lb.hosts?`],
    ],
    [
      "a label in the wrong case",
      { "com.docker.lb.Backend_Mode": "vip" },
      [`${at("Backend_Mode")}: not an Interlock label; did you mean com.docker.lb.backend_mode?`],
    ],
    [
      "default_host",
      { "com.docker.lb.default_host": "true" },
      [
        `${at("default_host")}: not an Interlock label; did you mean com.docker.lb.default_backend?`,
      ],
    ],
    [
      "ssl_cacert",
      { "com.docker.lb.ssl_cacert": "tlsapp_app.example.org.ca" },
      [`${at("ssl_cacert")}: not an Interlock label; did you mean com.docker.lb.client_ca_cert?`],
    ],
    [
      "a timeout label",
      { "com.docker.lb.timeout": "30s" },
      [`${at("timeout")}: not an Interlock label; use one from the table at ${LB_LABELS_DOC}`],
    ],

    // The checks compose.ts had, unchanged.
    [
      "a missing port",
      { "com.docker.lb.port": undefined },
      [`${at("port")}: missing; set the container port the proxy should reach, e.g. 8080`],
    ],
    [
      "a port out of range",
      { "com.docker.lb.port": "70000" },
      [`${at("port")}: "70000" is not a port number (1-65535)`],
    ],
    [
      "missing hosts",
      { "com.docker.lb.hosts": undefined },
      [
        `${at("hosts")}: missing; a routed service needs the host names it serves, e.g. app.example.com`,
      ],
    ],
    [
      "the catch-all service without hosts",
      { "com.docker.lb.hosts": undefined, "com.docker.lb.default_backend": "true" },
      [],
    ],
    [
      "another environment's collection",
      { "com.docker.ucp.access.label": "/prod" },
      [
        `services.web.deploy.labels.com.docker.ucp.access.label: "/prod" is not this environment's collection; set it to "/dev"`,
      ],
    ],
  ];
  for (const [name, labels, expected, service] of cases) {
    it(`${expected.length ? "reports" : "accepts"} ${name}`, () => {
      assert.deepStrictEqual(validateRouting(compose(labels, service), STACK, ctx), expected);
    });
  }

  it("reads labels written as a list", () => {
    const c = compose(
      {},
      {
        deploy: {
          labels: [
            "com.docker.lb.hosts=app.example.org",
            "com.docker.lb.port=8080",
            "com.docker.lb.network=ingress_dev",
            "com.docker.lb.backend_mode=VIP",
          ],
        },
      },
    );
    assert.deepStrictEqual(validateRouting(c, STACK, ctx), [
      `${at("backend_mode")}: "VIP" is not a backend mode; set it to "task" (the default) or "vip"`,
    ]);
  });

  it("reads YAML booleans and numbers as Interlock sees them", () => {
    const yaml = fixture("tls-app.yml").replace(
      "com.docker.lb.port: 8080",
      "com.docker.lb.port: 8080\n        com.docker.lb.ssl_passthrough: true\n        com.docker.lb.max_fails: 3",
    );
    assert.deepStrictEqual(validateRouting(parseCompose(yaml), STACK, ctx), []);
  });
});

describe("lbLabels: routingWarnings", () => {
  const two = (web: Labels, canary: Labels) =>
    parseCompose(
      JSON.stringify({
        services: {
          web: { image: "demo:1", deploy: { labels: { ...BASE, ...web } } },
          canary: { image: "demo:2", deploy: { labels: { ...BASE, ...canary } } },
        },
      }),
    );
  const cases: Array<[string, () => ReturnType<typeof compose>, string[]]> = [
    ["labels only on the service", () => compose(TLS), []],
    [
      "a routing label on the container only",
      () => compose({}, { labels: { "com.docker.lb.context_root": "/app" } }),
      [
        "services.web.labels.com.docker.lb.context_root: a container label, which Interlock ignores (it reads service labels); move it under services.web.deploy.labels",
      ],
    ],
    [
      "a routing label on both, alike",
      () => compose({}, { labels: ["com.docker.lb.port=8080"] }),
      [
        "services.web.labels.com.docker.lb.port: a container label, which Interlock ignores (it reads service labels), and services.web.deploy.labels sets it too; remove this copy",
      ],
    ],
    [
      "a routing label on both, different",
      () => compose({}, { labels: { "com.docker.lb.port": "80" } }),
      [
        'services.web.labels.com.docker.lb.port: a container label, which Interlock ignores (it reads service labels); services.web.deploy.labels sets it to "8080", which applies; remove this copy',
      ],
    ],
    ["other container labels", () => compose({}, { labels: { "org.example.team": "web" } }), []],
    [
      "a label from the Docker-era tables",
      () => compose({ "com.docker.lb.ssl_only": "true" }),
      [
        "services.web.deploy.labels.com.docker.lb.ssl_only: listed only in the Docker-era label tables, not in MKE 3.7-3.9's, so Interlock may ignore it; check it on your MKE version or remove it",
      ],
    ],
    [
      "a VIP-mode canary on the same host",
      () => two({}, { "com.docker.lb.backend_mode": "vip" }),
      [
        'services.canary.deploy.labels.com.docker.lb.backend_mode: "vip", and services.web serves the same route (app.example.org); in VIP mode traffic splits per service, not per task, so a canary gets half of it; use task mode on both for a split by task count',
      ],
    ],
    [
      "two services on one host, by context root",
      () =>
        two(
          { "com.docker.lb.context_root": "/a", "com.docker.lb.backend_mode": "vip" },
          { "com.docker.lb.context_root": "/b" },
        ),
      [],
    ],
    ["a task-mode canary", () => two({}, {}), []],
  ];
  for (const [name, make, expected] of cases) {
    it(`${expected.length ? "warns about" : "is quiet about"} ${name}`, () => {
      assert.deepStrictEqual(routingWarnings(make()), expected);
    });
  }
});
