// The NGINX configuration a lab proxy runs: HTTP routed by Host header, TLS passed through by
// SNI (the stream module's ssl_preread), everything else answered 503 / closed, as Interlock's
// proxy answers a host it does not know. Upstreams are resolved per request through Docker's
// embedded DNS, so a proxy starts even while an application has no task yet.
"use strict";
const crypto = require("crypto");

const DNS = "resolver 127.0.0.11 valid=2s ipv6=off;";

/** routes: [{host, upstream: "tasks.<service>:<port>", passthrough}], ports: {http, https}. */
function renderNginx(routes, ports) {
  const sorted = [...routes].sort((a, b) => a.host.localeCompare(b.host));
  const http = sorted.filter((r) => !r.passthrough);
  const sni = sorted.filter((r) => r.passthrough);
  const lines = [
    "# Written by the lab's Interlock extension stand-in.",
    "load_module /usr/lib/nginx/modules/ngx_stream_module.so;",
    "worker_processes 1;",
    "pid /tmp/nginx.pid;",
    "error_log stderr warn;",
    "events { worker_connections 1024; }",
    "http {",
    "  access_log off;",
    `  ${DNS}`,
    "  server {",
    `    listen ${ports.http} default_server;`,
    "    return 503;",
    "  }",
  ];
  for (const r of http) {
    lines.push(
      "  server {",
      `    listen ${ports.http};`,
      `    server_name ${r.host};`,
      "    location / {",
      `      set $interlock_upstream ${r.upstream};`,
      "      proxy_pass http://$interlock_upstream;",
      "      proxy_set_header Host $host;",
      "      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
      "    }",
      "  }",
    );
  }
  lines.push("}", "stream {", `  ${DNS}`, "  map $ssl_preread_server_name $interlock_sni {");
  for (const r of sni) lines.push(`    ${r.host} ${r.upstream};`);
  lines.push(
    // No route: a closed port, so the client's handshake fails at once.
    "    default 127.0.0.1:1;",
    "  }",
    "  server {",
    `    listen ${ports.https};`,
    "    ssl_preread on;",
    "    proxy_pass $interlock_sni;",
    "  }",
    "}",
    "",
  );
  return lines.join("\n");
}

/** The Docker config holding `text` for `proxy`: the same content always has the same name. */
function proxyConfigName(proxy, text) {
  const digest = crypto.createHash("sha256").update(`${proxy}\n${text}`).digest("hex");
  return `interlock-proxy-${digest.slice(0, 24)}`;
}

/** Labels that mark a Docker config as the NGINX configuration of `proxy`. */
function proxyConfigLabels(proxy) {
  return { "com.docker.interlock.proxy.service": proxy };
}

module.exports = { renderNginx, proxyConfigName, proxyConfigLabels };
