// The lab's stand-in for an Interlock extension (`ucp-interlock-extension-<cluster>`): it
// watches the services whose `com.docker.lb.*` labels place them in its service cluster, writes
// an NGINX configuration for its proxies and rolls it out the way Interlock does, as a Docker
// config mounted at ProxyConfigPath, with the proxy service attached to the applications'
// networks. Routes go to `tasks.<service>` (DNS round robin over the tasks: the lab kernel has
// no IPVS for service VIPs).
"use strict";
const Docker = require("dockerode");
const { renderNginx, proxyConfigName, proxyConfigLabels } = require("./nginx");

const env = (name, fallback) => process.env[name] || fallback;
const cluster = env("SERVICE_CLUSTER", "");
const proxyName = env("PROXY_SERVICE_NAME");
const configPath = env("PROXY_CONFIG_PATH", "/etc/nginx/nginx.conf");
const ports = { http: Number(env("TARGET_PORT", 80)), https: Number(env("TARGET_SSL_PORT", 443)) };
const pollMs = (() => {
  const m = /^(\d+)(ms|s|m)$/.exec(env("POLL_INTERVAL", "3s"));
  return m ? Number(m[1]) * { ms: 1, s: 1000, m: 60000 }[m[2]] : 3000;
})();
const docker = new Docker({ socketPath: "/var/run/docker.sock" });
const log = (msg) =>
  console.log(`${new Date().toISOString()} extension ${cluster || "(default)"}: ${msg}`);

const LB = "com.docker.lb.";
// Host names go into the NGINX configuration as they are: nothing else may.
const HOST = /^[A-Za-z0-9*]([A-Za-z0-9.-]*[A-Za-z0-9])?$/;

/** The routes of one application service, or a reason it has none. */
function routesOf(svc, networkNames) {
  const labels = svc.Spec.Labels || {};
  const hosts = (labels[`${LB}hosts`] || "")
    .split(",")
    .map((h) => h.trim())
    .filter(Boolean);
  const port = Number(labels[`${LB}port`]);
  if (!hosts.length || !Number.isInteger(port) || port < 1) {
    return { skip: `needs ${LB}hosts and ${LB}port` };
  }
  const bad = hosts.find((h) => !HOST.test(h));
  if (bad) return { skip: `${LB}hosts has ${JSON.stringify(bad)}, which is not a host name` };
  const attached = (svc.Spec.TaskTemplate.Networks || []).map((n) => networkNames.get(n.Target));
  const network = labels[`${LB}network`] || (attached.length === 1 ? attached[0] : undefined);
  if (!network || !attached.includes(network)) {
    return { skip: `${LB}network must name one of its networks (${attached.join(", ")})` };
  }
  return {
    network,
    routes: hosts.map((host) => ({
      host,
      upstream: `tasks.${svc.Spec.Name}:${port}`,
      passthrough: labels[`${LB}ssl_passthrough`] === "true",
    })),
  };
}

const skipped = new Map();

/** What the proxies should serve and which networks they need, from the live services. */
async function desiredState() {
  const [services, networks] = await Promise.all([
    docker.listServices(),
    docker.listNetworks({ filters: { driver: ["overlay"] } }),
  ]);
  const networkNames = new Map(networks.map((n) => [n.Id, n.Name]));
  const networkIds = new Map(networks.map((n) => [n.Name, n.Id]));
  const routes = [];
  const attach = new Set(["ucp-interlock"]);
  for (const svc of services) {
    const labels = svc.Spec.Labels || {};
    if (!Object.keys(labels).some((k) => k.startsWith(LB))) continue;
    if ((labels[`${LB}service_cluster`] || "") !== cluster) continue;
    const r = routesOf(svc, networkNames);
    if (r.skip) {
      if (skipped.get(svc.Spec.Name) !== r.skip) log(`not routing ${svc.Spec.Name}: ${r.skip}`);
      skipped.set(svc.Spec.Name, r.skip);
      continue;
    }
    skipped.delete(svc.Spec.Name);
    routes.push(...r.routes);
    attach.add(r.network);
  }
  const text = renderNginx(routes, ports);
  return {
    text,
    routes,
    networks: [...attach]
      .map((n) => networkIds.get(n))
      .filter(Boolean)
      .sort(),
  };
}

async function ensureConfig(name, text) {
  try {
    await docker.getConfig(name).inspect();
  } catch {
    await docker.createConfig({
      Name: name,
      Labels: proxyConfigLabels(proxyName),
      Data: Buffer.from(text).toString("base64"),
    });
  }
}

/** Removes this proxy's older configurations; one still in use is left for the next poll. */
async function pruneConfigs(keep) {
  const configs = await docker.listConfigs({
    filters: { label: [`com.docker.interlock.proxy.service=${proxyName}`] },
  });
  for (const c of configs) {
    if (c.Spec.Name === keep) continue;
    await docker
      .getConfig(c.ID)
      .remove()
      .catch(() => undefined);
  }
}

async function reconcile() {
  const proxy = (await docker.listServices({ filters: { name: [proxyName] } })).find(
    (s) => s.Spec.Name === proxyName,
  );
  if (!proxy) return; // the core creates it
  const want = await desiredState();
  const name = proxyConfigName(proxyName, want.text);
  const spec = proxy.Spec;
  const mounted = (spec.TaskTemplate.ContainerSpec.Configs || []).map((c) => c.ConfigName);
  const have = (spec.TaskTemplate.Networks || []).map((n) => n.Target).sort();
  if (
    mounted.length === 1 &&
    mounted[0] === name &&
    JSON.stringify(have) === JSON.stringify(want.networks)
  ) {
    return;
  }
  await ensureConfig(name, want.text);
  const config = (await docker.listConfigs({ filters: { name: [name] } })).find(
    (c) => c.Spec.Name === name,
  );
  const update = {
    ...spec,
    TaskTemplate: {
      ...spec.TaskTemplate,
      ContainerSpec: {
        ...spec.TaskTemplate.ContainerSpec,
        Configs: [
          {
            ConfigID: config.ID,
            ConfigName: name,
            File: { Name: configPath, UID: "0", GID: "0", Mode: 0o444 },
          },
        ],
      },
      Networks: want.networks.map((Target) => ({ Target })),
    },
    version: proxy.Version.Index,
  };
  await docker.getService(proxy.ID).update(update);
  const hosts = want.routes.map((r) => `${r.host}${r.passthrough ? " (SNI)" : ""}`);
  log(`${proxyName} now routes ${hosts.length ? hosts.join(", ") : "nothing"} (config ${name})`);
  await pruneConfigs(name);
}

log(`watching services of service cluster "${cluster}" for ${proxyName}`);
(async function loop() {
  try {
    await reconcile();
  } catch (err) {
    log(`cannot update ${proxyName}: ${err.message}`);
  }
  setTimeout(loop, pollMs);
})();
process.on("SIGTERM", () => process.exit(0));
