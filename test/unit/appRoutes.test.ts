/**
 * AppRoutes reroutes (waits again) on what reroutes an app and on a new Interlock config, and
 * on nothing else: an image or replica change of the app is AppStack's update alone.
 */
import * as assert from "assert";
import { appRoutesProvider, APP_ROUTES_PROVIDER_VERSION } from "../../provider/swarm/appRoutes";
import { routeLabels } from "../../provider/swarm/routing";

const demo = {
  image: "lab/docker-demo:lab",
  replicas: 2,
  labels: {
    "com.docker.lb.hosts": "demo.dev.example.com",
    "com.docker.lb.port": "8080",
    "com.docker.lb.network": "ingress_dev",
    "com.docker.lb.service_cluster": "dev",
    "com.docker.ucp.access.label": "/dev",
  },
};

describe("AppRoutes", () => {
  it("routes are the route labels of services with hosts, and nothing else", () => {
    assert.deepStrictEqual(
      routeLabels({ demo, worker: { image: "busybox", replicas: 1, labels: { a: "b" } } }),
      {
        demo: {
          "com.docker.lb.hosts": "demo.dev.example.com",
          "com.docker.lb.port": "8080",
          "com.docker.lb.network": "ingress_dev",
          "com.docker.lb.service_cluster": "dev",
        },
      },
    );
    assert.deepStrictEqual(routeLabels({}), {});
  });

  it("an image or replica change is no change; a route label or a new config is one", async () => {
    const state = {
      stack: "demodev",
      routes: routeLabels({ demo }),
      interlockConfig: "com.docker.ucp.interlock.conf-2",
      providerVersion: APP_ROUTES_PROVIDER_VERSION,
    };
    const diff = (news: typeof state) => appRoutesProvider.diff!("demodev", state, news);
    assert.strictEqual(
      (await diff({ ...state, routes: routeLabels({ demo: { ...demo, replicas: 3 } }) })).changes,
      false,
    );
    const moved = { ...demo, labels: { ...demo.labels, "com.docker.lb.port": "8081" } };
    assert.strictEqual(
      (await diff({ ...state, routes: routeLabels({ demo: moved }) })).changes,
      true,
    );
    assert.strictEqual(
      (await diff({ ...state, interlockConfig: "com.docker.ucp.interlock.conf-3" })).changes,
      true,
    );
    assert.deepStrictEqual((await diff(state)).replaces ?? [], []);
  });

  it("a stack with no routed service waits for nothing", async () => {
    const inputs = { stack: "worker", routes: {}, interlockConfig: "conf-2" };
    // No connection is opened: a Docker call would fail here, with no Engine to answer.
    const created = await appRoutesProvider.create!({
      ...inputs,
      connection: { host: "tcp://127.0.0.1:1" },
    } as never);
    assert.strictEqual(created.id, "worker");
  });
});
