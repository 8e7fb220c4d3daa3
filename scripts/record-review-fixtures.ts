/**
 * Records the preview fixtures of the review renderer's golden tests from real lab runs, each
 * with the routed applications read from the lab and the comment it renders (.md):
 *   test/fixtures/preview-update.json   a changed port: InterlockConfig update
 *   test/fixtures/preview-replace.json  a rotated TLS key: an app stack replaced, secrets masked
 * Beside the stack's apps, a service made by hand (no stack, TLS passed through) is routed
 * through dev, as the review must list those too.
 * Run on a lab at baseline: npx ts-node --transpile-only scripts/record-review-fixtures.ts
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { connect } from "../provider/docker/connection";
import { renderRecording } from "./lib/recording";
import { readRouted } from "./lib/routed";
import { recordable } from "./lib/steps";
import { LAB_DOCKER_HOST, openStack, REPO } from "./lib/workspace";

/** Routed through dev, deployed by no stack: `docker service create` with Interlock's labels. */
const HAND_MADE = {
  Name: "handmade-passthrough",
  Labels: {
    "com.docker.lb.hosts": "handmade.lab.capstonec.net",
    "com.docker.lb.network": "ingress_dev",
    "com.docker.lb.port": "8080",
    "com.docker.lb.service_cluster": "dev",
    "com.docker.lb.ssl_passthrough": "true",
    "com.docker.ucp.access.label": "/dev",
  },
  TaskTemplate: {
    ContainerSpec: {
      Image: "lab/docker-demo:lab",
      Command: ["httpd", "-f", "-p", "8080", "-h", "/www"],
    },
    Placement: { Constraints: ["node.labels.com.docker.ucp.access.label==/dev"] },
    Networks: [{ Target: "ingress_dev" }],
  },
  Mode: { Replicated: { Replicas: 1 } },
};

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
    const docker = connect({ host: LAB_DOCKER_HOST });
    const handMade = (await docker.createService(HAND_MADE)) as { id: string };
    try {
      const record = async (name: string) => {
        const events: EngineEvent[] = [];
        await stack.preview({ onEvent: (e) => events.push(e) });
        const recording = {
          stack: "review",
          events: recordable(events),
          routed: await readRouted(stack),
        };
        const base = path.join(REPO, "test/fixtures", name);
        fs.writeFileSync(`${base}.json`, JSON.stringify(recording, null, 1) + "\n");
        fs.writeFileSync(`${base}.md`, renderRecording(recording));
      };
      const yaml = fs.readFileSync(file, "utf8");
      fs.writeFileSync(file, yaml.replace("publishedSSLPort: 8445", "publishedSSLPort: 8446"));
      await record("preview-update");
      fs.writeFileSync(file, yaml);
      await stack.setConfig("tlsKey", {
        value: "-----BEGIN PRIVATE KEY-----\nlab-key-two\n-----END PRIVATE KEY-----",
        secret: true,
      });
      await record("preview-replace");
    } finally {
      // Before destroy: attached to ingress_dev, it would keep the network from being removed.
      await docker.getService(handMade.id).remove();
    }
    await stack.destroy({ onOutput: (s) => process.stderr.write(s) });
  } finally {
    fs.rmSync(file, { force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
