/**
 * The client bundle's certificate (provider/docker/bundle.ts), against real TLS on 127.0.0.1:
 * a CA, server and client certificates made with the openssl CLI (one expired, one not yet
 * valid, one from another CA), and requests made as the project makes them (`connect`).
 *
 * The servers that verify client certificates are `openssl s_server`, not node's: node checks a
 * client certificate after the handshake and drops the socket without a TLS alert (the client
 * sees ECONNRESET, "socket hang up"), whereas OpenSSL, like Go's crypto/tls that MKE and dockerd
 * use, sends "certificate expired", "unknown ca", "bad certificate" or "certificate required".
 * Node's https server stands in where only the server's own certificate or HTTP status matters.
 */
import * as assert from "assert";
import { ChildProcess, execFileSync, spawn } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as https from "https";
import * as os from "os";
import * as path from "path";
import {
  bundleExpiry,
  bundleProblems,
  clientCertificate,
  credentialsProblem,
  DEFAULT_EXPIRY_WARN_DAYS,
} from "../../provider/docker/bundle";
import { connect, DockerConnection } from "../../provider/docker/connection";
import { reaching } from "../../provider/docker/swarm";

const DAY = 24 * 60 * 60 * 1000;

interface Pki {
  dir: string;
  ca: string;
  server: { cert: string; key: string };
  /** Signed by the test CA, valid for a year from now. */
  client: { cert: string; key: string };
  /** The same key, certified for 2020-01-01..02 only. */
  expired: string;
  /** The same key, certified for 2099-01-01..02. */
  future: string;
  /** The same key, certified by another CA. */
  foreign: string;
  otherCa: { cert: string; key: string };
  expiredServer: string;
  /** The test CA's server certificate for a name other than 127.0.0.1. */
  misnamedServer: string;
}

function haveOpenssl(): boolean {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

function makePki(): Pki {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bundle-test-"));
  const file = (name: string) => path.join(dir, name);
  const read = (name: string) => fs.readFileSync(file(name), "utf8");
  // Every file name is relative to `dir`, so a command line splits on spaces.
  const openssl = (args: string) =>
    execFileSync("openssl", args.split(" "), { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
  // Keys from node (faster than openssl genpkey); certificates from the CLI.
  const key = (name: string) => {
    const { privateKey } = crypto.generateKeyPairSync("ec", { namedCurve: "P-256" });
    fs.writeFileSync(file(name), privateKey.export({ type: "pkcs8", format: "pem" }));
  };
  const selfSigned = (name: string, cn: string) => {
    key(`${name}.key`);
    openssl(`req -x509 -new -key ${name}.key -subj /CN=${cn} -days 30 -out ${name}.pem`);
  };
  const csr = (name: string, cn: string) => {
    key(`${name}.key`);
    openssl(`req -new -key ${name}.key -subj /CN=${cn} -out ${name}.csr`);
  };
  let serial = 1000;
  const extfile = (ext?: string) => (ext ? ` -extfile ${ext}` : "");
  const sign = (csrName: string, ca: string, out: string, ext?: string) =>
    openssl(
      `x509 -req -in ${csrName}.csr -CA ${ca}.pem -CAkey ${ca}.key -set_serial ${serial++}` +
        ` -days 365 -out ${out}${extfile(ext)}`,
    );
  // `openssl x509 -req` (3.0) cannot backdate; `openssl ca` takes explicit dates.
  const signDated = (csrName: string, start: string, end: string, out: string, ext?: string) =>
    openssl(
      `ca -batch -config ca.cnf -cert ca.pem -keyfile ca.key -in ${csrName}.csr` +
        ` -startdate ${start} -enddate ${end} -notext -out ${out}${extfile(ext)}`,
    );

  selfSigned("ca", "test-ca");
  selfSigned("other", "other-ca");
  fs.writeFileSync(file("san.ext"), "subjectAltName=IP:127.0.0.1\n");
  fs.writeFileSync(file("misnamed.ext"), "subjectAltName=DNS:ucp.example.com\n");
  fs.mkdirSync(file("db"));
  fs.writeFileSync(file("db/index"), "");
  fs.writeFileSync(file("db/serial"), "01\n");
  fs.writeFileSync(
    file("ca.cnf"),
    "[ca]\ndefault_ca=d\n[d]\ndatabase=db/index\nserial=db/serial\nnew_certs_dir=db\n" +
      "default_md=sha256\npolicy=p\nunique_subject=no\n[p]\ncommonName=supplied\n",
  );
  csr("server", "127.0.0.1");
  sign("server", "ca", "server.pem", "san.ext");
  sign("server", "ca", "misnamed.pem", "misnamed.ext");
  signDated("server", "20200101000000Z", "20200102000000Z", "server-expired.pem", "san.ext");
  csr("client", "ucp-user");
  sign("client", "ca", "client.pem");
  sign("client", "other", "foreign.pem");
  signDated("client", "20200101000000Z", "20200102000000Z", "expired.pem");
  signDated("client", "20990101000000Z", "20990102000000Z", "future.pem");
  return {
    dir,
    ca: read("ca.pem"),
    server: { cert: read("server.pem"), key: read("server.key") },
    client: { cert: read("client.pem"), key: read("client.key") },
    expired: read("expired.pem"),
    future: read("future.pem"),
    foreign: read("foreign.pem"),
    otherCa: { cert: read("other.pem"), key: read("other.key") },
    expiredServer: read("server-expired.pem"),
    misnamedServer: read("misnamed.pem"),
  };
}

/** An OpenSSL server demanding a client certificate from the test CA, on a free port. */
function sServer(
  dir: string,
  version: "-tls1_2" | "-tls1_3",
): Promise<{ p: ChildProcess; port: number }> {
  const args =
    "s_server -accept 127.0.0.1:0 -cert server.pem -key server.key -CAfile ca.pem" +
    ` -Verify 1 -verify_return_error -www ${version}`;
  const p = spawn("openssl", args.split(" "), { cwd: dir, stdio: ["ignore", "pipe", "ignore"] });
  return new Promise((resolve, reject) => {
    let out = "";
    p.stdout!.on("data", (chunk) => {
      out += chunk;
      const port = /ACCEPT 127\.0\.0\.1:(\d+)/.exec(out)?.[1];
      if (port) resolve({ p, port: Number(port) });
    });
    p.on("error", reject);
    p.on("exit", (code) => reject(new Error(`openssl s_server exited (${code})`)));
  });
}

async function nodeServer(
  opts: https.ServerOptions,
  handler: (res: import("http").ServerResponse) => void = (res) => res.end("OK"),
): Promise<{ server: https.Server; port: number }> {
  const server = https.createServer(opts, (_req, res) => handler(res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, port: (server.address() as import("net").AddressInfo).port };
}

/** Pings as the stack would and returns the error it fails with. */
async function failure(conn: DockerConnection): Promise<Error & { code?: string }> {
  try {
    await connect(conn).ping();
  } catch (err) {
    return err as Error & { code?: string };
  }
  throw new Error(`ping to ${conn.host} unexpectedly succeeded`);
}

function assertOneLine(message: string | undefined): asserts message is string {
  assert.ok(message, "expected a credentials problem");
  assert.ok(!/\n|deps\/openssl|rec_layer|:error:/.test(message), message);
}

describe("the client bundle's certificate", function () {
  let pki: Pki;
  const servers: https.Server[] = [];
  const processes: ChildProcess[] = [];

  before(function () {
    if (!haveOpenssl()) this.skip();
    pki = makePki();
  });

  after(() => {
    for (const p of processes) p.kill();
    for (const s of servers) s.close();
    if (pki) fs.rmSync(pki.dir, { recursive: true, force: true });
  });

  describe("clientCertificate", () => {
    const tcp = "tcp://ucp.example.com:443";

    it("is the stack's docker.cert when docker.host is a TCP endpoint", () => {
      const found = clientCertificate({ host: tcp, cert: pki.client.cert }, {});
      assert.deepStrictEqual(found, {
        pem: pki.client.cert,
        source: "interlock-ingress:docker.cert",
      });
    });

    it("is none for a socket host, or a TCP host without cert, whatever the environment says", () => {
      const env = { DOCKER_HOST: tcp, DOCKER_CERT_PATH: pki.dir };
      assert.strictEqual(
        clientCertificate({ host: "unix:///var/run/docker.sock", cert: pki.client.cert }, env),
        undefined,
      );
      assert.strictEqual(clientCertificate({ host: tcp }, env), undefined);
    });

    it("is $DOCKER_CERT_PATH/cert.pem when the connection falls to a TLS DOCKER_HOST", () => {
      const bundle = path.join(pki.dir, "bundle");
      fs.mkdirSync(bundle, { recursive: true });
      fs.writeFileSync(path.join(bundle, "cert.pem"), pki.client.cert);
      const env = { DOCKER_HOST: tcp, DOCKER_TLS_VERIFY: "1", DOCKER_CERT_PATH: bundle };
      const found = clientCertificate({ cert: "ignored without a host" }, env);
      assert.deepStrictEqual(found, {
        pem: pki.client.cert,
        source: `$DOCKER_CERT_PATH/cert.pem (${path.join(bundle, "cert.pem")})`,
      });
    });

    it("defaults to ~/.docker/cert.pem with DOCKER_TLS_VERIFY alone", () => {
      const home = path.join(pki.dir, "home");
      fs.mkdirSync(path.join(home, ".docker"), { recursive: true });
      fs.writeFileSync(path.join(home, ".docker", "cert.pem"), pki.client.cert);
      const found = clientCertificate(undefined, {
        DOCKER_HOST: tcp,
        DOCKER_TLS_VERIFY: "1",
        HOME: home,
      });
      assert.strictEqual(found?.source, `$DOCKER_CERT_PATH/cert.pem (${home}/.docker/cert.pem)`);
    });

    it("is none for sockets, plain TCP, ssh, or a bundle directory without cert.pem", () => {
      const none = [
        {},
        { DOCKER_HOST: "unix:///run/docker.sock", DOCKER_TLS_VERIFY: "1" },
        { DOCKER_HOST: tcp },
        { DOCKER_HOST: "ssh://root@ucp", DOCKER_CERT_PATH: pki.dir },
        { DOCKER_HOST: tcp, DOCKER_CERT_PATH: path.join(pki.dir, "no-such-dir") },
      ];
      for (const env of none) assert.strictEqual(clientCertificate(undefined, env), undefined);
    });
  });

  describe("bundleExpiry", () => {
    it("reads NotAfter, whole days left and the subject of the first certificate in a chain", () => {
      const expiry = bundleExpiry(pki.expired + pki.ca, new Date("2019-12-30T12:00:00Z"));
      assert.deepStrictEqual(expiry, {
        notAfter: new Date("2020-01-02T00:00:00Z"),
        daysLeft: 2,
        subject: "CN=ucp-user",
      });
      assert.strictEqual(bundleExpiry(pki.expired, new Date("2020-01-03T00:00:00Z")).daysLeft, -1);
    });

    it("throws on text that holds no certificate", () => {
      assert.throws(() => bundleExpiry(pki.client.key), /no -----BEGIN CERTIFICATE----- block/);
    });
  });

  describe("bundleProblems", () => {
    const host = "tcp://ucp.example.com:443";
    const notAfter = () => bundleExpiry(pki.client.cert).notAfter.getTime();

    it(`warns ${DEFAULT_EXPIRY_WARN_DAYS} days ahead: at 13 days left, not at 15`, () => {
      const conn = { host, cert: pki.client.cert };
      const at13 = bundleProblems(conn, { now: new Date(notAfter() - 13 * DAY - 60_000) });
      assert.strictEqual(at13.length, 1);
      assert.strictEqual(at13[0].severity, "warning");
      assert.match(
        at13[0].message,
        /^the client bundle's certificate \(interlock-ingress:docker\.cert\) expires in 13 days, on \d{4}-\d\d-\d\dT/,
      );
      assert.match(at13[0].message, /Rotating the client bundle/);
      assert.deepStrictEqual(bundleProblems(conn, { now: new Date(notAfter() - 15 * DAY) }), []);
      assert.strictEqual(
        bundleProblems(conn, { now: new Date(notAfter() - 15 * DAY), warnDays: 30 })[0].severity,
        "warning",
      );
      assert.match(
        bundleProblems(conn, { now: new Date(notAfter() - 3600_000) })[0].message,
        /expires in less than a day/,
      );
    });

    it("is an error naming the source, subject, date and the way to renew once expired", () => {
      const problems = bundleProblems({ host, cert: pki.expired }, {});
      assert.deepStrictEqual(problems, [
        {
          severity: "error",
          message:
            "credentials expired: the client bundle's certificate (interlock-ingress:docker.cert, " +
            "CN=ucp-user) expired on 2020-01-02T00:00:00.000Z; download a new client bundle from " +
            "MKE (user profile → client bundles) and set it with pulumi config set --secret " +
            "--path 'interlock-ingress:docker.cert' < cert.pem (and docker.key, docker.ca), or " +
            'load its env.sh; see docs/day-two.md, "Rotating the client bundle"',
        },
      ]);
    });

    it("is an error for a certificate not yet valid, and for one that cannot be parsed", () => {
      const [early] = bundleProblems({ host, cert: pki.future }, {});
      assert.strictEqual(early.severity, "error");
      assert.match(early.message, /is not valid before 2099-01-01T00:00:00\.000Z/);
      const [broken] = bundleProblems({ host, cert: "not a certificate" }, {});
      assert.strictEqual(broken.severity, "error");
      assert.match(broken.message, /^credentials rejected: .*interlock-ingress:docker\.cert/);
    });

    it("finds nothing to say without a client certificate", () => {
      assert.deepStrictEqual(bundleProblems({ host: "unix:///var/run/docker.sock" }, {}), []);
      assert.deepStrictEqual(bundleProblems(undefined, { env: {} }), []);
    });
  });

  describe("credentialsProblem on real TLS failures", () => {
    for (const version of ["-tls1_3", "-tls1_2"] as const) {
      describe(`a server verifying client certificates (OpenSSL, ${version.slice(1)})`, () => {
        let host: string;
        const conn = (cert?: string): DockerConnection => ({
          host,
          ca: pki.ca,
          cert,
          key: cert && pki.client.key,
        });

        before(async () => {
          const { p, port } = await sServer(pki.dir, version);
          processes.push(p);
          host = `tcp://127.0.0.1:${port}`;
        });

        it("answers a valid bundle (the setup itself is sound)", async () => {
          await connect(conn(pki.client.cert)).ping();
        });

        it('says "credentials expired" for an expired client certificate', async () => {
          const err = await failure(conn(pki.expired));
          // TLS 1.3 puts the alert in the code; TLS 1.2 gives EPROTO with it in the message.
          assert.strictEqual(
            err.code,
            version === "-tls1_3" ? "ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED" : "EPROTO",
          );
          assert.match(err.message, /sslv3 alert certificate expired:.*SSL alert number 45/);
          const problem = credentialsProblem(err, conn(pki.expired));
          assertOneLine(problem);
          assert.strictEqual(
            problem.split(";")[0],
            `credentials expired: the Docker Engine API at ${host} refused the client ` +
              `certificate as expired (TLS alert "certificate expired")`,
          );
          assert.match(problem, /download a new client bundle from MKE/);
        });

        it('says "credentials rejected" for a client certificate from another CA', async () => {
          const err = await failure(conn(pki.foreign));
          assert.strictEqual(
            err.code,
            version === "-tls1_3" ? "ERR_SSL_TLSV1_ALERT_UNKNOWN_CA" : "EPROTO",
          );
          const problem = credentialsProblem(err, conn(pki.foreign));
          assertOneLine(problem);
          assert.match(
            problem,
            new RegExp(
              `^credentials rejected: the Docker Engine API at ${host} does not know the CA`,
            ),
          );
          assert.match(problem, /\(TLS alert "unknown ca"\)/);
        });

        it('says "credentials rejected" for a client certificate not yet valid', async () => {
          const err = await failure(conn(pki.future));
          assert.strictEqual(
            err.code,
            version === "-tls1_3" ? "ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE" : "EPROTO",
          );
          const problem = credentialsProblem(err, conn(pki.future));
          assertOneLine(problem);
          assert.match(problem, /^credentials rejected: .*\(TLS alert "bad certificate"\)/);
        });

        it('says "credentials rejected" when no client certificate is sent', async () => {
          const err = await failure(conn());
          const alert = version === "-tls1_3" ? "certificate required" : "handshake failure";
          assert.strictEqual(
            err.code,
            version === "-tls1_3" ? "ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED" : "EPROTO",
          );
          const problem = credentialsProblem(err, conn());
          assertOneLine(problem);
          assert.match(problem, /^credentials rejected: .*none was sent/);
          assert.ok(problem.includes(`(TLS alert "${alert}")`), problem);
        });

        it("classifies the error `reaching` wraps, through its cause", async () => {
          const err = await reaching(conn(pki.expired), () =>
            connect(conn(pki.expired)).ping(),
          ).then(
            () => assert.fail("ping succeeded"),
            (e: Error) => e,
          );
          // The bundle's own dates say expired, ahead of the server's alert.
          assert.match(
            err.message,
            /^credentials expired: the client bundle's certificate \(interlock-ingress:docker\.cert, /,
          );
          assert.ok(!err.stack?.includes("    at "), err.stack);
          assert.match(credentialsProblem(err) ?? "", /^credentials expired: /);
        });
      });
    }

    describe("the server's own certificate, checked by this client (node's https server)", () => {
      const cases: Array<[string, () => https.ServerOptions, () => string, string]> = [
        [
          "expired",
          () => ({ cert: pki.expiredServer, key: pki.server.key }),
          () => pki.ca,
          "CERT_HAS_EXPIRED",
        ],
        [
          "from another CA",
          () => pki.server,
          () => pki.otherCa.cert,
          "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
        ],
        ["self-signed", () => pki.otherCa, () => pki.ca, "DEPTH_ZERO_SELF_SIGNED_CERT"],
        [
          "for another name",
          () => ({ cert: pki.misnamedServer, key: pki.server.key }),
          () => pki.ca,
          "ERR_TLS_CERT_ALTNAME_INVALID",
        ],
      ];
      for (const [what, serverOpts, ca, code] of cases) {
        it(`rejects a server certificate ${what} (${code})`, async () => {
          const { server, port } = await nodeServer(serverOpts());
          servers.push(server);
          const conn = { host: `tcp://127.0.0.1:${port}`, ca: ca(), ...pki.client };
          const err = await failure(conn);
          assert.strictEqual(err.code, code);
          const problem = credentialsProblem(err, conn);
          assertOneLine(problem);
          assert.ok(
            problem.startsWith(
              `credentials rejected: the server certificate of the Docker Engine API at ${conn.host} `,
            ),
            problem,
          );
          assert.ok(problem.includes(`(${code}: `), problem);
        });
      }
    });

    it("makes no claim when a server drops the connection without a TLS alert", async () => {
      // Node's own server does this for a client certificate it refuses.
      const { server, port } = await nodeServer({
        ...pki.server,
        ca: pki.ca,
        requestCert: true,
        rejectUnauthorized: true,
      });
      servers.push(server);
      const err = await failure({
        host: `tcp://127.0.0.1:${port}`,
        ca: pki.ca,
        cert: pki.expired,
        key: pki.client.key,
      });
      assert.strictEqual(err.code, "ECONNRESET");
      assert.strictEqual(credentialsProblem(err), undefined);
    });

    it("names a cert and key that are not a pair before anything is sent", async () => {
      const conn = {
        host: "tcp://127.0.0.1:9",
        ca: pki.ca,
        cert: pki.client.cert,
        key: pki.otherCa.key,
      };
      const err = await failure(conn);
      assert.strictEqual(err.code, "ERR_OSSL_X509_KEY_VALUES_MISMATCH");
      assert.match(credentialsProblem(err, conn) ?? "", /^credentials rejected: .*not a pair/);
    });

    for (const [status, said, verdict] of [
      [401, "unauthorized", "rejected"],
      [403, "access denied", "rejected"],
      [401, "x509: certificate has expired or is not yet valid", "expired"],
    ] as const) {
      it(`says "credentials ${verdict}" for HTTP ${status} "${said}"`, async () => {
        const { server, port } = await nodeServer(pki.server, (res) => {
          res.statusCode = status;
          res.setHeader("content-type", "application/json");
          res.end(JSON.stringify({ message: said }));
        });
        servers.push(server);
        const conn = { host: `tcp://127.0.0.1:${port}`, ca: pki.ca, ...pki.client };
        const err = await failure(conn);
        const problem = credentialsProblem(err, conn);
        assertOneLine(problem);
        assert.ok(
          problem.startsWith(
            `credentials ${verdict}: the Docker Engine API at ${conn.host} answered ${status} (${said})`,
          ),
          problem,
        );
      });
    }

    it("leaves errors that are not about credentials alone", async () => {
      const closed = await nodeServer(pki.server);
      closed.server.close();
      const refused = await failure({
        host: `tcp://127.0.0.1:${closed.port}`,
        ca: pki.ca,
        ...pki.client,
      });
      assert.strictEqual(refused.code, "ECONNREFUSED");
      assert.strictEqual(credentialsProblem(refused), undefined);
      assert.strictEqual(
        credentialsProblem({ statusCode: 404, message: "no such service" }),
        undefined,
      );
      assert.strictEqual(credentialsProblem(new Error("update out of sequence")), undefined);
      assert.strictEqual(credentialsProblem(undefined), undefined);
    });
  });
});
