/**
 * The routed applications a review lists (provider/swarm/routedServices.ts), read from a fake
 * Engine API's service list: grouped by service cluster, the default cluster for services
 * without one, services of no stack included, Interlock's own services left out.
 */
import * as assert from "assert";
import type Dockerode from "dockerode";
import { routedServices } from "../../provider/swarm/routedServices";

const service = (Name: string, Labels: Record<string, string>) => ({
  ID: Name,
  Spec: { Name, Labels },
});

function fakeDocker(services: unknown[]): Dockerode {
  return { listServices: async () => services } as unknown as Dockerode;
}

describe("routed services read from the cluster", () => {
  it("groups services by service cluster, with stack, hosts and TLS passthrough", async () => {
    const routed = await routedServices(
      fakeDocker([
        service("tlsapp_web", {
          "com.docker.stack.namespace": "tlsapp",
          "com.docker.lb.hosts": "app.example.org",
          "com.docker.lb.service_cluster": "dev",
        }),
        service("handmade", {
          "com.docker.lb.hosts": "a.example.org, b.example.org",
          "com.docker.lb.service_cluster": "dev",
          "com.docker.lb.ssl_passthrough": "TRUE",
        }),
        service("demodev_demo", {
          "com.docker.stack.namespace": "demodev",
          "com.docker.lb.hosts": "demo.example.org",
          "com.docker.lb.service_cluster": "dev",
          "com.docker.lb.ssl_passthrough": "false",
        }),
        service("prodapp_api", {
          "com.docker.stack.namespace": "prodapp",
          "com.docker.lb.hosts": "api.example.org",
          "com.docker.lb.service_cluster": "prod",
        }),
      ]),
    );
    assert.deepStrictEqual(routed, {
      dev: [
        { service: "handmade", hosts: ["a.example.org", "b.example.org"], sslPassthrough: true },
        {
          stack: "demodev",
          service: "demodev_demo",
          hosts: ["demo.example.org"],
          sslPassthrough: false,
        },
        {
          stack: "tlsapp",
          service: "tlsapp_web",
          hosts: ["app.example.org"],
          sslPassthrough: false,
        },
      ],
      prod: [
        {
          stack: "prodapp",
          service: "prodapp_api",
          hosts: ["api.example.org"],
          sslPassthrough: false,
        },
      ],
    });
  });

  it("services with hosts and no service cluster belong to the default cluster", async () => {
    const routed = await routedServices(
      fakeDocker([service("legacy", { "com.docker.lb.hosts": "legacy.example.org" })]),
    );
    assert.deepStrictEqual(routed, {
      "": [{ service: "legacy", hosts: ["legacy.example.org"], sslPassthrough: false }],
    });
  });

  it("a service naming a cluster without hosts (a default backend) is listed; unrouted services are not", async () => {
    const routed = await routedServices(
      fakeDocker([
        service("fallback", {
          "com.docker.lb.default_backend": "true",
          "com.docker.lb.service_cluster": "dev",
        }),
        service("ucp-interlock-proxy-dev", {
          "com.docker.interlock.service.cluster": "dev",
          type: "com.docker.interlock.core.proxy",
        }),
        service("worker", { "com.docker.stack.namespace": "batch" }),
        { ID: "bare", Spec: { Name: "bare" } },
      ]),
    );
    assert.deepStrictEqual(routed, {
      dev: [{ service: "fallback", hosts: [], sslPassthrough: false }],
    });
  });
});
