/**
 * The smoke check after `up`: what the blog's reader does by hand with `curl`, once per routed
 * host of the stack's apps, through the environment's proxy as a client reaches it. HTTP goes
 * by `Host` header to the published HTTP port; an `ssl_passthrough` service is reached by SNI
 * on the published TLS port, since its proxy only forwards the TLS stream.
 */
import * as http from "http";
import * as https from "https";
import { routeLabelsOf } from "./routedServices";

/** One routed host of one app service, and where its environment's proxy answers. */
export interface SmokeRoute {
  /** `<stack>/<service>` as the program names it. */
  app: string;
  host: string;
  environment: string;
  passthrough: boolean;
}

export interface SmokeResult {
  app: string;
  url: string;
  /** The HTTP status; absent when no response came. */
  status?: number;
  ms: number;
  /** Why there is no usable answer: a connection error, a timeout, or a 5xx from the proxy. */
  problem?: string;
}

/** The routes the labels of a stack's services declare (`com.docker.lb.hosts`). */
export function smokeRoutes(
  stack: string,
  services: Record<string, { labels: Record<string, string> }>,
): SmokeRoute[] {
  const routes: SmokeRoute[] = [];
  for (const [name, summary] of Object.entries(services)) {
    const { cluster, hosts, sslPassthrough } = routeLabelsOf(summary.labels ?? {});
    if (!cluster) continue;
    for (const host of hosts)
      routes.push({
        app: `${stack}/${name}`,
        host,
        environment: cluster,
        passthrough: sslPassthrough,
      });
  }
  return routes;
}

/** The request a route gets, as `curl` would be given it. */
export function smokeUrl(
  route: SmokeRoute,
  address: string,
  ports: { http: number; https: number },
): string {
  return route.passthrough
    ? `https://${route.host}:${ports.https}/ (SNI, via ${address})`
    : `http://${route.host}:${ports.http}/ (Host header, via ${address})`;
}

/** One request through the proxy; never throws: every failure is a result with its problem. */
export function probe(
  route: SmokeRoute,
  address: string,
  ports: { http: number; https: number },
  timeoutMs: number,
): Promise<SmokeResult> {
  const started = Date.now();
  const url = smokeUrl(route, address, ports);
  const done = (r: Omit<SmokeResult, "app" | "url" | "ms">): SmokeResult => ({
    app: route.app,
    url,
    ...r,
    ms: Date.now() - started,
  });
  return new Promise((resolve) => {
    const options = {
      host: address,
      port: route.passthrough ? ports.https : ports.http,
      path: "/",
      method: "GET",
      headers: { Host: route.host, "User-Agent": "interlock-ingress-smoke" },
      timeout: timeoutMs,
      // A connection of its own, closed after the answer: a pooled keep-alive socket would hold
      // the program's event loop open after a failed up.
      agent: false,
      // The check is that the app answers through its proxy, not whom its certificate names:
      // the SNI alone picks the route.
      ...(route.passthrough ? { servername: route.host, rejectUnauthorized: false } : {}),
    };
    const req = (route.passthrough ? https : http).request(options, (res) => {
      res.resume();
      const status = res.statusCode ?? 0;
      resolve(
        done(
          status >= 500
            ? {
                status,
                problem: `answered ${status} (${status === 503 ? "the proxy has no route for this host" : "the app's tasks behind the proxy do not answer"})`,
              }
            : { status },
        ),
      );
    });
    req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on("error", (err) => resolve(done({ problem: err.message })));
    req.end();
  });
}
