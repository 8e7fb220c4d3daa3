/**
 * Records the preview fixtures of the review renderer's golden tests from real lab runs:
 *   test/fixtures/preview-update.json   a changed port: InterlockConfig update
 *   test/fixtures/preview-replace.json  a rotated TLS key: an app stack replaced, secrets masked
 * Run on a lab at baseline: npx ts-node --transpile-only scripts/record-review-fixtures.ts
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { recordable } from "./lib/steps";
import { LAB_DOCKER_HOST, openStack, REPO } from "./lib/workspace";

async function main() {
  process.env.PULUMI_BACKEND_URL = `file://${fs.mkdtempSync(path.join(os.tmpdir(), "record-"))}`;
  process.env.PULUMI_CONFIG_PASSPHRASE = "record";
  process.env.DOCKER_HOST = LAB_DOCKER_HOST;
  const file = path.join(REPO, "Pulumi.review.yaml");
  const lab = fs
    .readFileSync(path.join(REPO, "Pulumi.lab.yaml"), "utf8")
    .replace(/^encryptionsalt:.*\n?/m, "");
  const withApp = (yaml: string) =>
    yaml.replace(
      "config:\n",
      "config:\n  interlock-ingress:apps:\n    tlsapp:\n      environment: dev\n      composeFile: test/fixtures/tls-app.yml\n      secrets:\n        app.example.org.cert: tlsCert\n        app.example.org.key: tlsKey\n",
    );
  fs.writeFileSync(file, withApp(lab));
  try {
    const stack = await openStack("review");
    await stack.setConfig("tlsCert", {
      value: "-----BEGIN CERTIFICATE-----\nMIIBlab\n-----END CERTIFICATE-----",
      secret: true,
    });
    await stack.setConfig("tlsKey", {
      value: "-----BEGIN PRIVATE KEY-----\nlab-key-one\n-----END PRIVATE KEY-----",
      secret: true,
    });
    await stack.up({ onOutput: (s) => process.stderr.write(s) });

    const record = async (name: string) => {
      const events: EngineEvent[] = [];
      await stack.preview({ onEvent: (e) => events.push(e) });
      const kept = recordable(events);
      fs.writeFileSync(
        path.join(REPO, "test/fixtures", name),
        JSON.stringify({ stack: "review", events: kept }, null, 1) + "\n",
      );
    };
    const yaml = fs.readFileSync(file, "utf8");
    fs.writeFileSync(file, yaml.replace("publishedSSLPort: 8445", "publishedSSLPort: 8446"));
    await record("preview-update.json");
    fs.writeFileSync(file, yaml);
    await stack.setConfig("tlsKey", {
      value: "-----BEGIN PRIVATE KEY-----\nlab-key-two\n-----END PRIVATE KEY-----",
      secret: true,
    });
    await record("preview-replace.json");
    await stack.destroy({ onOutput: (s) => process.stderr.write(s) });
  } finally {
    fs.rmSync(file, { force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
