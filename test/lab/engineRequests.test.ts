/**
 * The product's writes to the Engine API carry their specs in the request body only (dockerode
 * would also copy them into the query string): checked on the lab manager itself, and through a
 * recording proxy in front of it, as a UCP front end or corporate proxy would see the requests.
 */
import * as assert from "assert";
import * as crypto from "crypto";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { connect } from "../../provider/docker/connection";
import { ensureData } from "../../provider/docker/objects";
import { LAB, labDocker } from "../support/lab";

const NAME = "lab-test-engine-requests";

/** Forwards to the lab manager and records each request line; the real daemon answers. */
function recordingProxy(socket: string, seen: string[]): Promise<http.Server> {
  const upstream = LAB.host.replace(/^unix:\/\//, "");
  const server = http.createServer({ maxHeaderSize: 4 << 20 }, (req, res) => {
    seen.push(`${req.method} ${req.url}`);
    const out = http.request(
      { socketPath: upstream, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.rawHeaders);
        answer.pipe(res);
      },
    );
    out.on("error", (err) => res.destroy(err));
    req.pipe(out);
  });
  return new Promise((resolve) => server.listen(socket, () => resolve(server)));
}

async function removeAll(): Promise<void> {
  const docker = labDocker();
  for (const s of await docker.listSecrets({ filters: { name: [NAME] } }))
    await docker.getSecret(s.ID).remove();
  for (const c of await docker.listConfigs({ filters: { name: [NAME] } }))
    await docker.getConfig(c.ID).remove();
}

describe("writes to the Engine API on the lab swarm", () => {
  before(removeAll);
  after(removeAll);

  it("a config of 800 KB is created: in the request line its data would pass the Engine's 1 MiB header limit", async () => {
    const data = crypto.randomBytes(600_000).toString("base64").slice(0, 800_000);
    const id = await ensureData(labDocker(), "config", `${NAME}-big`, {}, data);
    const stored = (await labDocker().getConfig(id).inspect()) as { Spec: { Data: string } };
    assert.strictEqual(Buffer.from(stored.Spec.Data, "base64").toString(), data);
  });

  it("a secret's value never travels in a request line", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "engine-requests-"));
    const socket = path.join(dir, "engine.sock");
    const seen: string[] = [];
    const server = await recordingProxy(socket, seen);
    try {
      const value = `s3cret-${crypto.randomBytes(8).toString("hex")}`;
      await ensureData(
        connect({ host: `unix://${socket}` }),
        "secret",
        `${NAME}-secret`,
        {},
        value,
      );
      const encoded = Buffer.from(value).toString("base64");
      const create = seen.filter((l) => l.startsWith("POST") && l.includes("/secrets/create"));
      assert.strictEqual(create.length, 1, seen.join("\n"));
      for (const line of seen) {
        assert.ok(!line.includes(encodeURIComponent(encoded)) && !line.includes(encoded), line);
      }
    } finally {
      await new Promise((resolve) => server.close(resolve));
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
