/**
 * A client bundle that expires, and its rotation on a deployed stack, through the `pulumi` CLI
 * and `npm run drift`: the lab's CA issues a bundle valid for a day (preview warns), one that
 * expired in 2020 (preview and drift name it, no stack trace) and a second valid one (nothing
 * else revoked), with which up, drift, preview and destroy work.
 */
import * as assert from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { REPO } from "../../scripts/lib/workspace";
import { pulumi as cli } from "../support/cli";
import { baseline } from "../support/lab";
import { driftEnv, scratchStack, withoutDemo } from "../support/scratchStack";

const TLS = "/var/lib/interlock-lab/tls";

/** `openssl ca`'s date format. */
const stamp = (d: Date) => `${d.toISOString().replace(/[-:T]/g, "").slice(0, 14)}Z`;

/** A client certificate and key from the lab's CA, valid from now until `end`. */
function issueBundle(
  dir: string,
  name: string,
  end: Date,
  start = new Date(Date.now() - 60_000),
): { cert: string; key: string } {
  const file = (f: string) => path.join(dir, f);
  const { privateKey } = crypto.generateKeyPairSync("ec", { namedCurve: "P-256" });
  fs.writeFileSync(file(`${name}.key`), privateKey.export({ type: "pkcs8", format: "pem" }));
  execFileSync("openssl", [
    "req",
    "-new",
    "-key",
    file(`${name}.key`),
    "-subj",
    `/CN=${name}`,
    "-out",
    file(`${name}.csr`),
  ]);
  execFileSync(
    "openssl",
    [
      "ca",
      "-batch",
      "-config",
      file("ca.cnf"),
      "-cert",
      path.join(TLS, "ca.pem"),
      "-keyfile",
      path.join(TLS, "ca-key.pem"),
      "-in",
      file(`${name}.csr`),
      "-startdate",
      stamp(start),
      "-enddate",
      stamp(end),
      "-notext",
      "-out",
      file(`${name}.pem`),
      "-extfile",
      file("client.ext"),
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  return {
    cert: fs.readFileSync(file(`${name}.pem`), "utf8"),
    key: fs.readFileSync(file(`${name}.key`), "utf8"),
  };
}

function drift(stack: string): { code: number; out: string } {
  const r = spawnSync("npm", ["run", "--silent", "drift", "--", "--stack", stack], {
    cwd: REPO,
    encoding: "utf8",
    env: driftEnv(),
  });
  return { code: r.status ?? -1, out: r.stdout + r.stderr };
}

describe("a client bundle that expires, rotated on a deployed stack", function () {
  this.timeout(900_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bundle-rotation-"));
  // The lab stack file without its socket: the stack reaches the manager's TLS endpoint.
  const stack = scratchStack("rot-dev", "lab-dev", (text) =>
    withoutDemo(text).replace(
      "host: unix:///run/interlock-lab/m0.sock",
      "host: tcp://10.213.0.10:2376",
    ),
  );
  /** As the README says: `pulumi config set --secret --path … < cert.pem`. */
  const setSecret = (key: string, pem: string) => {
    const r = cli(
      [
        "config",
        "set",
        "--secret",
        "--path",
        `interlock-ingress:docker.${key}`,
        "--stack",
        stack.name,
      ],
      { input: pem },
    );
    assert.strictEqual(r.code, 0, r.out);
  };
  const setBundle = (b: { cert: string; key: string }) => {
    setSecret("cert", b.cert);
    setSecret("key", b.key);
  };
  const pulumi = (...args: string[]) => stack.cli(...args);

  before(() => {
    baseline();
    fs.mkdirSync(path.join(dir, "db"));
    fs.writeFileSync(path.join(dir, "db", "index"), "");
    fs.writeFileSync(path.join(dir, "db", "serial"), "1000\n");
    fs.writeFileSync(
      path.join(dir, "ca.cnf"),
      `[ca]\ndefault_ca = lab\n[lab]\ndatabase = ${dir}/db/index\nserial = ${dir}/db/serial\nnew_certs_dir = ${dir}/db\ndefault_md = sha256\npolicy = any\nunique_subject = no\n[any]\ncommonName = supplied\n`,
    );
    fs.writeFileSync(path.join(dir, "client.ext"), "extendedKeyUsage=clientAuth\n");
    stack.init();
    setSecret("ca", fs.readFileSync(path.join(TLS, "ca.pem"), "utf8"));
    setBundle(issueBundle(dir, "first", new Date(Date.now() + 86_400_000)));
  });
  // The next file starts from a baseline of its own.
  after(() => {
    stack.remove();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("preview warns that the bundle expires soon, and up deploys with it", () => {
    const up = pulumi("up", "--yes");
    assert.strictEqual(up.code, 0, up.out);
    assert.match(
      up.out,
      /the client bundle's certificate \(interlock-ingress:docker\.cert\) expires in (less than a day|1 day)/,
    );
  });

  it("an expired bundle: preview and drift say so, naming the key to renew, without a stack trace", () => {
    setBundle(
      issueBundle(
        dir,
        "expired",
        new Date("2020-01-02T00:00:00Z"),
        new Date("2020-01-01T00:00:00Z"),
      ),
    );
    const preview = pulumi("preview");
    assert.strictEqual(preview.code, 1, preview.out);
    assert.match(
      preview.out,
      /credentials expired: the client bundle's certificate \(interlock-ingress:docker\.cert, CN=expired\) expired on 2020-01-02/,
    );
    assert.doesNotMatch(preview.out, /\bat .*:\d+:\d+\)/);
    const d = drift(stack.name);
    assert.strictEqual(d.code, 2, d.out);
    assert.match(d.out, /credentials expired: .*interlock-ingress:docker\.cert, CN=expired/);
  });

  it("a new bundle from the same CA set into the stack: drift at once, then up, preview and destroy", () => {
    setBundle(issueBundle(dir, "second", new Date(Date.now() + 30 * 86_400_000)));
    const d = drift(stack.name);
    assert.strictEqual(d.code, 0, d.out);
    const up = pulumi("up", "--yes");
    assert.strictEqual(up.code, 0, up.out);
    assert.doesNotMatch(up.out, /expires in|CN=expired/);
    for (const args of [
      ["preview", "--expect-no-changes"],
      ["destroy", "--yes"],
    ]) {
      const r = pulumi(...args);
      assert.strictEqual(r.code, 0, `${args.join(" ")}: ${r.out}`);
      assert.doesNotMatch(r.out, /CN=expired/);
    }
  });
});
