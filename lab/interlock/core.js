// The lab's stand-in for the Interlock core (`ucp-interlock`). Like the real core it decodes
// /config.toml at start (in Go, with BurntSushi/toml, as Interlock does: ./decoder) and refuses
// to run on a config it cannot use, so Swarm's update-failure rollback is real; while running
// it reconciles one extension service and one proxy service per [Extensions.<name>] section.
// Each extension (./extension.js) routes its service cluster's applications through its proxies.
"use strict";
const { execFileSync } = require("child_process");
const crypto = require("crypto");
const fs = require("fs");
const Docker = require("dockerode");
const { validateCoreConfig } = require("./validate");
const { renderNginx, proxyConfigName, proxyConfigLabels } = require("./nginx");

const args = process.argv.slice(2);
const configPath = args.includes("-c") ? args[args.indexOf("-c") + 1] : "/config.toml";
const log = (msg) => console.log(`${new Date().toISOString()} interlock: ${msg}`);

function fail(msg) {
  console.error(`interlock: fatal: ${msg}`);
  process.exit(1);
}

let config;
try {
  const decoded = execFileSync("/usr/bin/interlock-decode", [configPath], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
  config = JSON.parse(decoded);
} catch (err) {
  fail(`cannot decode ${configPath}: ${String(err.stderr || err.message).trim()}`);
}
const problems = validateCoreConfig(config);
if (problems.length) fail(`invalid config ${configPath}: ${problems.join("; ")}`);

const docker = new Docker({ socketPath: "/var/run/docker.sock" });
const hostPublishOnly = process.env.LAB_HOST_PUBLISH_ONLY !== "false";

function hash(obj) {
  return crypto.createHash("sha256").update(JSON.stringify(obj)).digest("hex").slice(0, 16);
}

const codeVersion = crypto
  .createHash("sha256")
  .update(["extension.js", "nginx.js"].map((f) => fs.readFileSync(`${__dirname}/${f}`)).join("\n"))
  .digest("hex")
  .slice(0, 12);

// The extension reaches the Engine API through the socket the core itself has mounted.
let managerSocket;
async function findManagerSocket() {
  if (managerSocket) return managerSocket;
  const self = await docker.getService("ucp-interlock").inspect();
  const mount = (self.Spec.TaskTemplate.ContainerSpec.Mounts || []).find(
    (m) => m.Target === "/var/run/docker.sock",
  );
  if (!mount) throw new Error("ucp-interlock has no /var/run/docker.sock mount to share");
  managerSocket = mount.Source;
  return managerSocket;
}

function extensionSpec(name, ext, socket) {
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
        Command: ["/usr/bin/node", "/app/extension.js"],
        Env: [
          `INTERLOCK_EXTENSION=${name}`,
          `SERVICE_CLUSTER=${ext.ServiceCluster || ""}`,
          `PROXY_SERVICE_NAME=${ext.ProxyServiceName}`,
          `PROXY_CONFIG_PATH=${ext.ProxyConfigPath || "/etc/nginx/nginx.conf"}`,
          `TARGET_PORT=${ext.TargetPort || 80}`,
          `TARGET_SSL_PORT=${ext.TargetSSLPort || 443}`,
          `POLL_INTERVAL=${config.PollInterval || "3s"}`,
          // A rebuilt lab image restarts the extensions with the new code.
          `LAB_CODE=${codeVersion}`,
        ],
        Labels: ext.ContainerLabels || {},
        Mounts: [{ Type: "bind", Source: socket, Target: "/var/run/docker.sock" }],
        StopGracePeriod: 1e9,
      },
      Placement: { Constraints: ext.Constraints || [] },
      Networks: [{ Target: "ucp-interlock" }],
    },
    Mode: { Replicated: { Replicas: 1 } },
  };
}

function proxySpec(name, ext) {
  const mode = hostPublishOnly ? "host" : ext.PublishMode || "ingress";
  const configPath = ext.ProxyConfigPath || "/etc/nginx/nginx.conf";
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
        Command: ["/usr/sbin/nginx", "-c", configPath, "-g", "daemon off;"],
        Labels: ext.ProxyContainerLabels || {},
        StopGracePeriod: 1e9,
      },
      Placement: { Constraints: ext.ProxyConstraints || [] },
      Networks: [{ Target: "ucp-interlock" }],
    },
    Mode: { Replicated: { Replicas: ext.ProxyReplicas } },
    // Swarm's default 5 s update monitor, per replica, only makes every route change wait in
    // the lab; what the product waits for (Swarm's verdict on the update) is the same at 2 s.
    UpdateConfig: { Parallelism: 1, Monitor: 2e9, FailureAction: "pause" },
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

/**
 * A new proxy starts with the configuration its extension renders for no routes, so that the
 * extension has nothing to roll out until an application comes (no restart right after start).
 */
async function withEmptyRoutes(spec) {
  const ports = spec.EndpointSpec.Ports;
  const text = renderNginx([], { http: ports[0].TargetPort, https: ports[1].TargetPort });
  const name = proxyConfigName(spec.Name, text);
  let config = (await docker.listConfigs({ filters: { name: [name] } })).find(
    (c) => c.Spec.Name === name,
  );
  if (!config) {
    const created = await docker.createConfig({
      Name: name,
      Labels: proxyConfigLabels(spec.Name),
      Data: Buffer.from(text).toString("base64"),
    });
    config = { ID: created.id };
  }
  const container = spec.TaskTemplate.ContainerSpec;
  container.Configs = [
    {
      ConfigID: config.ID,
      ConfigName: name,
      File: { Name: container.Command[2], UID: "0", GID: "0", Mode: 0o444 },
    },
  ];
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
    if (labelled.Labels.type === "com.docker.interlock.core.proxy") await withEmptyRoutes(labelled);
    await docker.createService(labelled);
    return;
  }
  if ((existing.Spec.Labels || {})["com.docker.interlock.spec-hash"] === specHash) return;
  log(`updating service ${spec.Name}`);
  if (labelled.Labels.type === "com.docker.interlock.core.proxy") {
    // The extension owns the proxy's routes: its configuration and the application networks.
    const routed = existing.Spec.TaskTemplate;
    labelled.TaskTemplate = {
      ...labelled.TaskTemplate,
      Networks: routed.Networks || labelled.TaskTemplate.Networks,
      ContainerSpec: {
        ...labelled.TaskTemplate.ContainerSpec,
        Configs: routed.ContainerSpec.Configs,
      },
    };
  }
  await docker.getService(existing.ID).update({ ...labelled, version: existing.Version.Index });
}

async function reconcile() {
  let socket;
  try {
    socket = await findManagerSocket();
  } catch (err) {
    log(`cannot start extensions: ${err.message}`);
    return;
  }
  for (const [name, ext] of Object.entries(config.Extensions)) {
    for (const spec of [extensionSpec(name, ext, socket), proxySpec(name, ext)]) {
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
