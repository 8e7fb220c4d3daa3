// The lab's stand-in for the Interlock core (`ucp-interlock`). Like the real core it reads
// /config.toml at start and refuses to run on a config it cannot use, so Swarm's
// update-failure rollback is real; while running it reconciles one extension service and one
// proxy service per [Extensions.<name>] section. It routes no traffic: the proxies it starts
// are busybox httpd answering on the target ports.
"use strict";
const fs = require("fs");
const crypto = require("crypto");
// The same TOML 1.0 reader as the product: CRLF line endings and comments are read as Interlock reads them.
const TOML = require("@decimalturn/toml-patch");
const Docker = require("dockerode");
const { validateCoreConfig } = require("./validate");

const args = process.argv.slice(2);
const configPath = args.includes("-c") ? args[args.indexOf("-c") + 1] : "/config.toml";
const log = (msg) => console.log(`${new Date().toISOString()} interlock: ${msg}`);

function fail(msg) {
  console.error(`interlock: fatal: ${msg}`);
  process.exit(1);
}

let config;
try {
  config = TOML.parse(fs.readFileSync(configPath, "utf8"));
} catch (err) {
  fail(`cannot parse ${configPath}: ${err.message.split("\n")[0]}`);
}
const problems = validateCoreConfig(config);
if (problems.length) fail(`invalid config ${configPath}: ${problems.join("; ")}`);

const docker = new Docker({ socketPath: "/var/run/docker.sock" });
const hostPublishOnly = process.env.LAB_HOST_PUBLISH_ONLY !== "false";

function hash(obj) {
  return crypto.createHash("sha256").update(JSON.stringify(obj)).digest("hex").slice(0, 16);
}

function extensionSpec(name, ext) {
  return {
    Name: ext.ServiceName,
    Labels: {
      ...(ext.Labels || {}),
      type: "com.docker.interlock.core.extension",
      "com.docker.interlock.extension.name": name,
      "com.docker.interlock.service.cluster": ext.ServiceCluster || "",
    },
    TaskTemplate: {
      ContainerSpec: {
        Image: ext.Image,
        Command: ["/bin/sh", "-c", "exec sleep 2147483647"],
        Labels: ext.ContainerLabels || {},
      },
      Placement: { Constraints: ext.Constraints || [] },
      Networks: [{ Target: "ucp-interlock" }],
    },
    Mode: { Replicated: { Replicas: 1 } },
  };
}

function proxySpec(name, ext) {
  const mode = hostPublishOnly ? "host" : ext.PublishMode || "ingress";
  return {
    Name: ext.ProxyServiceName,
    Labels: {
      ...(ext.ProxyLabels || {}),
      type: "com.docker.interlock.core.proxy",
      "com.docker.interlock.extension.name": name,
      "com.docker.interlock.service.cluster": ext.ServiceCluster || "",
    },
    TaskTemplate: {
      ContainerSpec: {
        Image: ext.ProxyImage,
        Command: [
          "/bin/sh",
          "-c",
          `httpd -p ${ext.TargetPort || 80} -h /www; exec httpd -f -p ${ext.TargetSSLPort || 443} -h /www`,
        ],
        Labels: ext.ProxyContainerLabels || {},
        StopGracePeriod: 1e9,
      },
      Placement: { Constraints: ext.ProxyConstraints || [] },
      Networks: [{ Target: "ucp-interlock" }],
    },
    Mode: { Replicated: { Replicas: ext.ProxyReplicas } },
    EndpointSpec: {
      Ports: [
        {
          Protocol: "tcp",
          TargetPort: ext.TargetPort || 80,
          PublishedPort: ext.PublishedPort,
          PublishMode: mode,
        },
        {
          Protocol: "tcp",
          TargetPort: ext.TargetSSLPort || 443,
          PublishedPort: ext.PublishedSSLPort,
          PublishMode: mode,
        },
      ],
    },
  };
}

async function ensureService(spec) {
  const specHash = hash(spec);
  const labelled = {
    ...spec,
    Labels: { ...spec.Labels, "com.docker.interlock.spec-hash": specHash },
  };
  const existing = (await docker.listServices({ filters: { name: [spec.Name] } })).find(
    (s) => s.Spec.Name === spec.Name,
  );
  if (!existing) {
    log(`creating service ${spec.Name}`);
    await docker.createService(labelled);
    return;
  }
  if ((existing.Spec.Labels || {})["com.docker.interlock.spec-hash"] === specHash) return;
  log(`updating service ${spec.Name}`);
  await docker.getService(existing.ID).update({ ...labelled, version: existing.Version.Index });
}

async function reconcile() {
  for (const [name, ext] of Object.entries(config.Extensions)) {
    for (const spec of [extensionSpec(name, ext), proxySpec(name, ext)]) {
      try {
        await ensureService(spec);
      } catch (err) {
        log(`service ${spec.Name}: ${err.message}`);
      }
    }
  }
}

const pollMs = (() => {
  const m = /^(\d+)(ms|s|m)$/.exec(config.PollInterval || "3s");
  return m ? Number(m[1]) * { ms: 1, s: 1000, m: 60000 }[m[2]] : 3000;
})();

log(`running with ${configPath}: extensions ${Object.keys(config.Extensions).join(", ")}`);
(async function loop() {
  await reconcile();
  setTimeout(loop, pollMs);
})();
process.on("SIGTERM", () => process.exit(0));
