/**
 * A client bundle that expires, and its rotation on a deployed stack, through the `pulumi` CLI
 * and `npm run drift`: the lab's CA issues a bundle valid for a minute, the stack keeps it as
 * secret config and deploys with it; once expired, preview and drift name it; a second bundle
 * from the same CA (nothing else revoked) set into the stack makes up, drift and destroy work.
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
import { LAB_PASSPHRASE, scratchStack } from "../support/scratchStack";

const TLS = "/var/lib/interlock-lab/tls";

/** `openssl ca`'s date format. */
const stamp = (d: Date) => `${d.toISOString().replace(/[-:T]/g, "").slice(0, 14)}Z`;

/** A client certificate and key from the lab's CA, valid from now until `end`. */
function issueBundle(dir: string, name: string, end: Date): { cert: string; key: string } {
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
      stamp(new Date(Date.now() - 60_000)),
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
    env: { ...process.env, PULUMI_CONFIG_PASSPHRASE: LAB_PASSPHRASE },
  });
  return { code: r.status ?? -1, out: r.stdout + r.stderr };
}

describe("a client bundle that expires, rotated on a deployed stack", function () {
  this.timeout(900_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bundle-rotation-"));
  // The lab stack file without its socket: the stack reaches the manager's TLS endpoint.
  const stack = scratchStack("rot-dev", "lab-dev", (text) =>
    text.replace("host: unix:///run/interlock-lab/m0.sock", "host: tcp://10.213.0.10:2376"),
  );
  let expires: Date;
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
    expires = new Date(Date.now() + 60_000);
    setBundle(issueBundle(dir, "first", expires));
  });
  after(() => {
    stack.remove();
    fs.rmSync(dir, { recursive: true, force: true });
    baseline();
  });

  it("preview warns that the bundle expires soon, and up deploys with it", () => {
    const preview = pulumi("preview");
    assert.strictEqual(preview.code, 0, preview.out);
    assert.match(
      preview.out,
      /the client bundle's certificate \(interlock-ingress:docker\.cert\) expires in less than a day/,
    );
    const up = pulumi("up", "--yes");
    assert.strictEqual(up.code, 0, up.out);
  });

  it("once expired, preview and drift say so, naming the key to renew", async () => {
    await new Promise((r) => setTimeout(r, Math.max(0, expires.getTime() - Date.now() + 2000)));
    const preview = pulumi("preview");
    assert.strictEqual(preview.code, 1, preview.out);
    assert.match(
      preview.out,
      /credentials expired: the client bundle's certificate \(interlock-ingress:docker\.cert, CN=first\) expired on/,
    );
    assert.doesNotMatch(preview.out, /\bat .*:\d+:\d+\)/);
    const d = drift(stack.name);
    assert.strictEqual(d.code, 2, d.out);
    assert.match(d.out, /credentials expired: .*interlock-ingress:docker\.cert/);
  });

  it("with a new bundle from the same CA set into the stack: drift at once, then up, refresh and destroy", () => {
    setBundle(issueBundle(dir, "second", new Date(Date.now() + 30 * 86_400_000)));
    // npm run drift reads with the stack's connection as configured now.
    const d = drift(stack.name);
    assert.strictEqual(d.code, 0, d.out);
    // The engine refreshes with the provider config of the last up (the expired bundle): the
    // one up after rotating skips that refresh, as the README says.
    const refreshing = pulumi("up", "--yes");
    assert.strictEqual(refreshing.code, 1);
    assert.match(refreshing.out, /credentials expired: .*CN=first/);
    const up = pulumi("up", "--yes", "--refresh=false");
    assert.strictEqual(up.code, 0, up.out);
    assert.doesNotMatch(up.out, /expires in/);
    for (const args of [
      ["preview", "--expect-no-changes"],
      ["refresh", "--yes"],
      ["destroy", "--yes"],
    ]) {
      const r = pulumi(...args);
      assert.strictEqual(r.code, 0, `${args.join(" ")}: ${r.out}`);
      assert.doesNotMatch(r.out, /CN=first/);
    }
  });
});
