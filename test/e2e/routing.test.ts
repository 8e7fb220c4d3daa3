/**
 * The end state the product exists for, through the real engine and UCP's client bundle:
 * the blog's demo answers at its host name through the dev cluster's proxy only, an HTTPS
 * application is passed through by SNI with its own certificate, a destroyed application is
 * routed no more; the Engine API is reached over mutual TLS both from the bundle's `env.sh`
 * and from the secret stack config, strangers are refused, and the key is never written out.
 */
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as https from "https";
import * as os from "os";
import * as path from "path";
import * as tls from "tls";
import type { Stack } from "@pulumi/pulumi/automation";
import { openStack, REPO } from "../../scripts/lib/workspace";
import { baseline, docker, withoutStackConnection } from "../support/lab";

const DEMO_HOST = "ingress-demo.lab.capstonec.net";
const SECURE_HOST = "secure.lab.capstonec.net";
const PROXIES = {
  dev: { addr: "10.213.0.11", http: 8082, https: 8445 },
  test: { addr: "10.213.0.12", http: 8081, https: 8444 },
  prod: { addr: "10.213.0.13", http: 8080, https: 8443 },
};
const TLS_API = { host: "10.213.0.10", port: 2376 };
const BUNDLE = execFileSync("bash", [path.join(REPO, "lab/lab"), "bundle"], {
  encoding: "utf8",
}).trim();
const STACK = "e2e-route";

/** The variables UCP's `env.sh` sets, read by sourcing it from the bundle directory. */
function bundleEnv(): Record<string, string> {
  const out = execFileSync("bash", ["-c", 'cd "$1" && . ./env.sh && env', "-", BUNDLE], {
    encoding: "utf8",
  });
  const env = Object.fromEntries(
    out
      .split("\n")
      .filter((l) => /^(DOCKER_|COMPOSE_)/.test(l))
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );
  return env;
}

function openssl(dir: string, ...args: string[]): void {
  execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
}

/** A self-signed certificate and key for `cn` (the application's own, or a stranger CA's). */
function selfSigned(dir: string, cn: string): { cert: string; key: string } {
  openssl(
    dir,
    "req",
    "-x509",
    "-nodes",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-days",
    "2",
    "-subj",
    `/CN=${cn}`,
    "-addext",
    `subjectAltName=DNS:${cn}`,
    "-keyout",
    "key.pem",
    "-out",
    "cert.pem",
  );
  return {
    cert: fs.readFileSync(path.join(dir, "cert.pem"), "utf8"),
    key: fs.readFileSync(path.join(dir, "key.pem"), "utf8"),
  };
}

interface Answer {
  status: number;
  body: string;
}

function get(addr: string, port: number, host: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: addr, port, path: "/", headers: { Host: host }, timeout: 5000 });
    req.on("response", (res) => {
      let body = "";
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.on("timeout", () => req.destroy(new Error(`timeout: ${addr}:${port}`)));
  });
}

/** An HTTPS request by SNI; resolves with the certificate the far end presented. */
function getBySni(
  addr: string,
  port: number,
  servername: string,
  ca: string,
): Promise<Answer & { subject: string }> {
  return new Promise((resolve, reject) => {
    const req = https.get({
      host: addr,
      port,
      path: "/",
      servername,
      ca,
      headers: { Host: servername },
      timeout: 5000,
      agent: false,
    });
    req.on("response", (res) => {
      const subject = String((res.socket as tls.TLSSocket).getPeerCertificate().subject?.CN ?? "");
      let body = "";
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body, subject }));
    });
    req.on("error", reject);
    req.on("timeout", () => req.destroy(new Error(`timeout: ${addr}:${port}`)));
  });
}

/** The Engine API's /version over TLS with the given client credentials. */
function engineVersion(opts: { ca: string; cert?: string; key?: string }): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = https.get({ ...TLS_API, path: "/version", agent: false, timeout: 5000, ...opts });
    req.on("response", (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
    req.on("timeout", () => req.destroy(new Error("timeout")));
  });
}

/** Every file under `dir`, for a search of its text. */
function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath ?? e.path, e.name));
}

describe("routing, isolation and the client bundle through the real engine", function () {
  this.timeout(900_000);
  const stackFile = path.join(REPO, `Pulumi.${STACK}.yaml`);
  const backend = fs.mkdtempSync(path.join(os.tmpdir(), "ingress-route-"));
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "ingress-certs-"));
  const saved = { ...process.env };
  const output: string[] = [];
  const onOutput = (s: string) => output.push(s);
  let stack: Stack;
  let app: { cert: string; key: string };
  const clientKey = fs.readFileSync(path.join(BUNDLE, "key.pem"), "utf8");

  before(async () => {
    baseline();
    // Reached through the client bundle's env.sh, as on a real UCP cluster.
    const lab = withoutStackConnection("Pulumi.lab.yaml").replace(/^encryptionsalt:.*\n?/m, "");
    fs.writeFileSync(
      stackFile,
      lab +
        "  interlock-ingress:apps:\n" +
        "    secureweb:\n" +
        "      environment: dev\n" +
        "      composeFile: test/fixtures/passthrough-app/docker-compose.yml\n" +
        "      secrets: {site.cert: siteCert, site.key: siteKey}\n",
    );
    fs.mkdirSync(path.join(work, "app"));
    app = selfSigned(path.join(work, "app"), SECURE_HOST);
    process.env.PULUMI_BACKEND_URL = `file://${backend}`;
    process.env.PULUMI_CONFIG_PASSPHRASE = "e2e-route";
    // The client bundle's env.sh, as a user loads it: no unix socket anywhere.
    Object.assign(process.env, bundleEnv());
    stack = await openStack(STACK);
    await stack.setConfig("interlock-ingress:siteCert", { value: app.cert, secret: true });
    await stack.setConfig("interlock-ingress:siteKey", { value: app.key, secret: true });
  });

  after(async () => {
    try {
      Object.assign(process.env, bundleEnv());
      await stack?.destroy({ onOutput });
    } finally {
      fs.rmSync(stackFile, { force: true });
      for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
      Object.assign(process.env, saved);
      baseline();
    }
  });

  it("the bundle's env.sh points at the manager's TLS endpoint", () => {
    const env = bundleEnv();
    assert.deepStrictEqual(
      { host: env.DOCKER_HOST, verify: env.DOCKER_TLS_VERIFY, certs: env.DOCKER_CERT_PATH },
      { host: `tcp://${TLS_API.host}:${TLS_API.port}`, verify: "1", certs: BUNDLE },
    );
    for (const f of ["ca.pem", "cert.pem", "key.pem"])
      assert.ok(fs.existsSync(path.join(BUNDLE, f)), f);
  });

  it("up through the client bundle's env.sh", async () => {
    const result = await stack.up({ onOutput });
    assert.strictEqual(result.summary.result, "succeeded", output.join(""));
  });

  it("up's smoke check asked each routed host through its proxy: the demo by Host header, the passthrough app by SNI", async () => {
    const smoke = (await stack.outputs()).smoke.value as Record<string, Record<string, unknown>>;
    assert.deepStrictEqual(Object.keys(smoke).sort(), [DEMO_HOST, SECURE_HOST].sort());
    assert.deepStrictEqual(
      { app: smoke[DEMO_HOST].app, url: smoke[DEMO_HOST].url, status: smoke[DEMO_HOST].status },
      {
        app: "demodev/demo",
        url: `http://${DEMO_HOST}:${PROXIES.dev.http}/ (Host header, via ${PROXIES.dev.addr})`,
        status: 200,
      },
    );
    assert.deepStrictEqual(
      {
        app: smoke[SECURE_HOST].app,
        url: smoke[SECURE_HOST].url,
        status: smoke[SECURE_HOST].status,
      },
      {
        app: "secureweb/web",
        url: `https://${SECURE_HOST}:${PROXIES.dev.https}/ (SNI, via ${PROXIES.dev.addr})`,
        status: 200,
      },
    );
  });

  it("the demo answers at its host name through dev's proxy, and test's and prod's do not reach it", async () => {
    // up returns once Interlock routes the demo: no waiting here.
    const dev = await get(PROXIES.dev.addr, PROXIES.dev.http, DEMO_HOST);
    assert.strictEqual(dev.status, 200);
    assert.match(dev.body, /interlock-ingress lab demo/);
    for (const env of ["test", "prod"] as const) {
      const p = PROXIES[env];
      const answer = await get(p.addr, p.http, DEMO_HOST);
      assert.strictEqual(answer.status, 503, `${env} proxy must not route ${DEMO_HOST}`);
      assert.doesNotMatch(answer.body, /interlock-ingress lab demo/);
    }
    // The proxy joined the demo's network (the route goes through it), test's did not.
    const networks = (svc: string) =>
      docker(
        "service",
        "inspect",
        svc,
        "--format",
        "{{range .Spec.TaskTemplate.Networks}}{{.Target}} {{end}}",
      );
    const ingressDev = docker("network", "inspect", "ingress_dev", "--format", "{{.Id}}");
    assert.ok(networks("ucp-interlock-proxy-dev").includes(ingressDev));
    assert.ok(!networks("ucp-interlock-proxy-test").includes(ingressDev));
  });

  it("an ssl_passthrough app answers through dev's SSL port by SNI, with its own certificate", async () => {
    const answer = await getBySni(PROXIES.dev.addr, PROXIES.dev.https, SECURE_HOST, app.cert);
    assert.strictEqual(answer.status, 200);
    assert.strictEqual(answer.subject, SECURE_HOST);
    assert.strictEqual(answer.body, "secure app\n");
    await assert.rejects(
      getBySni(PROXIES.test.addr, PROXIES.test.https, SECURE_HOST, app.cert),
      "test's proxy must not pass dev's application through",
    );
  });

  it("up through the secret stack config interlock-ingress:docker only updates; then, with no DOCKER_* variable, a refreshed preview changes nothing", async () => {
    const read = (f: string) => fs.readFileSync(path.join(BUNDLE, f), "utf8");
    // The whole object is one secret value in the stack file.
    await stack.setAllConfig({
      "interlock-ingress:docker": {
        value: JSON.stringify({
          host: `tcp://${TLS_API.host}:${TLS_API.port}`,
          ca: read("ca.pem"),
          cert: read("cert.pem"),
          key: read("key.pem"),
        }),
        secret: true,
      },
    });
    // Reads and deletes use the connection stored in state: up (whose refresh still reads
    // through env.sh, as the README says to keep it loaded) stores the new one, as updates.
    const up = await stack.up({ onOutput });
    const changes = Object.keys(up.summary.resourceChanges ?? {}).sort();
    assert.ok(
      changes.every((c) => c === "same" || c === "update"),
      `${changes.join(", ")}\n${output.join("")}`,
    );
    for (const k of Object.keys(bundleEnv())) delete process.env[k];
    stack = await openStack(STACK);
    const preview = await stack.preview({ onOutput, refresh: true });
    assert.deepStrictEqual(Object.keys(preview.changeSummary), ["same"], output.join(""));
    assert.doesNotMatch(fs.readFileSync(stackFile, "utf8"), /BEGIN|PRIVATE KEY/);
  });

  it("the Engine API refuses a client without a certificate, or with one from another CA", async () => {
    const ca = fs.readFileSync(path.join(BUNDLE, "ca.pem"), "utf8");
    assert.strictEqual(
      await engineVersion({
        ca,
        cert: fs.readFileSync(path.join(BUNDLE, "cert.pem"), "utf8"),
        key: clientKey,
      }),
      200,
    );
    await assert.rejects(engineVersion({ ca }), /certificate|handshake|socket hang up|ECONNRESET/i);
    fs.mkdirSync(path.join(work, "stranger"));
    const stranger = selfSigned(path.join(work, "stranger"), "admin");
    await assert.rejects(
      engineVersion({ ca, ...stranger }),
      /certificate|handshake|socket hang up|ECONNRESET/i,
    );
  });

  it("removing the demo removes its route: up returns once Interlock has detached dev's proxy", async () => {
    await stack.removeConfig("interlock-ingress:demo");
    const result = await stack.up({ onOutput });
    assert.strictEqual(result.summary.result, "succeeded", output.join(""));
    // The demo's network goes last, and only once the proxy no longer uses it.
    assert.throws(() => docker("network", "inspect", "ingress_dev"), /No such network|not found/i);
    const answer = await get(PROXIES.dev.addr, PROXIES.dev.http, DEMO_HOST);
    assert.strictEqual(answer.status, 503);
  });

  it("the client key's text appears nowhere in state, engine output or stack outputs", async () => {
    const body = clientKey
      .split("\n")
      .filter((l) => l && !l.startsWith("-----"))
      .join("");
    const probes = [body.slice(0, 40), body.slice(-40)];
    const outputs = JSON.stringify(await stack.outputs());
    const texts: Array<[string, string]> = [
      ["engine output", output.join("")],
      ["stack outputs", outputs],
      ...filesUnder(backend).map((f): [string, string] => [f, fs.readFileSync(f, "utf8")]),
    ];
    assert.ok(texts.length > 3, "the backend holds the stack's state");
    for (const [where, text] of texts) {
      for (const p of probes) assert.ok(!text.includes(p), `key text in ${where}`);
    }
  });
});
