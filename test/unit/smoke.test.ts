/**
 * The smoke check's parts that need no lab: its settings' messages, the routes a stack's
 * service labels declare, and one request against local servers (a routed app, a proxy
 * answering 502, nothing listening, a TLS server reached by SNI).
 */
import * as assert from "assert";
import * as http from "http";
import * as net from "net";
import { parseSmokeSettings, parseTopology, StackConfigError } from "../../provider/config";
import { probe, smokeRoutes, type SmokeRoute } from "../../provider/swarm/smoke";

const { environments } = parseTopology({
  environments: {
    dev: { ingressNodes: ["w1"], publishedPort: 8082, publishedSSLPort: 8445 },
    prod: { ingressNodes: ["w3"], publishedPort: 8084, publishedSSLPort: 8447 },
  },
});

function problems(raw: unknown): string[] {
  try {
    parseSmokeSettings(raw, environments);
  } catch (err) {
    if (err instanceof StackConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe("smoke settings", () => {
  it("absent means no check; defaults are a warning and 5 s", () => {
    assert.strictEqual(parseSmokeSettings(undefined, environments), undefined);
    assert.deepStrictEqual(
      parseSmokeSettings({ addresses: { dev: "10.213.0.11" } }, environments),
      {
        addresses: { dev: "10.213.0.11" },
        required: false,
        timeoutSeconds: 5,
      },
    );
  });

  it("names each wrong key, with the fix", () => {
    assert.deepStrictEqual(
      problems({
        addresses: { dve: "10.0.0.1", prod: "http://lb.example.com:80" },
        required: "yes",
        timeoutSeconds: 0,
        timeout: 5,
      }),
      [
        "interlock-ingress:smoke.timeout: unknown setting; known: addresses, required, timeoutSeconds",
        "interlock-ingress:smoke.addresses.dve: not an environment of this stack; did you mean dev?",
        'interlock-ingress:smoke.addresses.prod: expected a host name or an IPv4 address (no scheme, no port: the port is the environment\'s published port), got "http://lb.example.com:80"',
        'interlock-ingress:smoke.required: expected true or false, got "yes"',
        "interlock-ingress:smoke.timeoutSeconds: expected a whole number of seconds from 1 to 60, got 0",
      ],
    );
    assert.deepStrictEqual(problems(["dev"]), [
      "interlock-ingress:smoke: expected a table, e.g. {addresses: {dev: 10.0.1.11}}",
    ]);
    assert.deepStrictEqual(problems({}), [
      "interlock-ingress:smoke.addresses: expected a table of environment -> address of its proxy (a node's address or the NLB's DNS name), e.g. {dev: 10.0.1.11}",
    ]);
  });
});

describe("smoke routes", () => {
  it("one per host of each routed service, with its environment and passthrough", () => {
    const routes = smokeRoutes("shop", {
      web: {
        labels: {
          "com.docker.lb.hosts": "shop.example.com, www.shop.example.com",
          "com.docker.lb.service_cluster": "prod",
        },
      },
      tls: {
        labels: {
          "com.docker.lb.hosts": "tls.example.com",
          "com.docker.lb.service_cluster": "dev",
          "com.docker.lb.ssl_passthrough": "true",
        },
      },
      worker: { labels: {} },
    });
    assert.deepStrictEqual(routes, [
      { app: "shop/web", host: "shop.example.com", environment: "prod", passthrough: false },
      { app: "shop/web", host: "www.shop.example.com", environment: "prod", passthrough: false },
      { app: "shop/tls", host: "tls.example.com", environment: "dev", passthrough: true },
    ]);
  });
});

describe("smoke probe", () => {
  const route: SmokeRoute = {
    app: "demodev/demo",
    host: "a.example.com",
    environment: "dev",
    passthrough: false,
  };
  let server: http.Server;
  let port: number;
  let seenHost: string | undefined;

  before(async () => {
    server = http.createServer((req, res) => {
      seenHost = req.headers.host;
      res.statusCode = req.headers.host === "down.example.com" ? 502 : 200;
      res.end("ok");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    port = (server.address() as net.AddressInfo).port;
  });
  after(() => server.close());

  it("sends the host as the Host header to the published HTTP port", async () => {
    const r = await probe(route, "127.0.0.1", { http: port, https: 1 }, 2000);
    assert.strictEqual(seenHost, "a.example.com");
    assert.strictEqual(r.status, 200);
    assert.strictEqual(r.problem, undefined);
    assert.strictEqual(r.url, `http://a.example.com:${port}/ (Host header, via 127.0.0.1)`);
  });

  it("a proxy's 502 is a problem naming its meaning", async () => {
    const r = await probe(
      { ...route, host: "down.example.com" },
      "127.0.0.1",
      { http: port, https: 1 },
      2000,
    );
    assert.strictEqual(r.status, 502);
    assert.strictEqual(r.problem, "answered 502 (the app's tasks behind the proxy do not answer)");
  });

  it("nothing listening is a problem, not an exception", async () => {
    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const free = (closed.address() as net.AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const r = await probe(route, "127.0.0.1", { http: free, https: 1 }, 2000);
    assert.strictEqual(r.status, undefined);
    assert.match(r.problem!, /ECONNREFUSED/);
  });

  it("a server that never answers times out with the bound", async () => {
    const silent = net.createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    const p = (silent.address() as net.AddressInfo).port;
    const r = await probe(route, "127.0.0.1", { http: p, https: 1 }, 300);
    silent.close();
    assert.strictEqual(r.problem, "no answer within 300 ms");
  });

  it("passthrough goes by SNI to the published TLS port", async () => {
    // Before the handshake the only place the host can be is the ClientHello's server_name.
    let hello = "";
    const tlsPeek = net.createServer((socket) => {
      socket.once("data", (chunk: Buffer) => {
        hello = chunk.toString("latin1");
        socket.destroy();
      });
    });
    await new Promise<void>((r) => tlsPeek.listen(0, "127.0.0.1", r));
    const p = (tlsPeek.address() as net.AddressInfo).port;
    const r = await probe(
      { ...route, passthrough: true },
      "127.0.0.1",
      { http: 1, https: p },
      2000,
    );
    tlsPeek.close();
    assert.ok(hello.includes("a.example.com"), "the ClientHello names the host");
    assert.ok(r.problem, "a closed TLS stream is a problem");
    assert.strictEqual(r.url, `https://a.example.com:${p}/ (SNI, via 127.0.0.1)`);
  });
});
