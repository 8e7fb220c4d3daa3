/**
 * One contract for the five dynamic providers: each declares a provider version that its diff
 * compares, so a change of behaviour reaches stacks whose inputs did not change (the engine
 * keeps running stored provider code otherwise, pulumi/pulumi#16826).
 */
import * as assert from "assert";
import { appStackProvider, APP_STACK_PROVIDER_VERSION } from "../../provider/swarm/appStack";
import { appRoutesProvider, APP_ROUTES_PROVIDER_VERSION } from "../../provider/swarm/appRoutes";
import {
  interlockConfigProvider,
  INTERLOCK_CONFIG_PROVIDER_VERSION,
} from "../../provider/interlock/interlockConfig";
import { nodeLabelsProvider, NODE_LABELS_PROVIDER_VERSION } from "../../provider/swarm/nodeLabels";
import {
  overlayNetworkProvider,
  OVERLAY_NETWORK_PROVIDER_VERSION,
} from "../../provider/swarm/overlayNetwork";
import { DEFAULT_INTERLOCK } from "../../provider/config";

const COMPOSE = "version: '3.8'\nservices:\n  web:\n    image: lab/busybox:lab\n";

const cases: Array<
  [
    string,
    string,
    (olds: any, news: any) => Promise<{ changes?: boolean }>,
    Record<string, unknown>,
  ]
> = [
  [
    "NodeLabels",
    NODE_LABELS_PROVIDER_VERSION,
    (o, n) => nodeLabelsProvider.diff!("id", o, n),
    { node: "w1", labels: { a: "b" } },
  ],
  [
    "OverlayNetwork",
    OVERLAY_NETWORK_PROVIDER_VERSION,
    (o, n) => overlayNetworkProvider.diff!("id", o, n),
    { name: "ingress_dev", driver: "overlay", attachable: true, labels: {}, options: {} },
  ],
  [
    "AppStack",
    APP_STACK_PROVIDER_VERSION,
    (o, n) => appStackProvider.diff!("id", o, n),
    {
      stack: "demo",
      compose: COMPOSE,
      clusters: ["dev"],
      services: { web: { image: "lab/busybox:lab", replicas: 1, labels: {} } },
    },
  ],
  [
    "AppRoutes",
    APP_ROUTES_PROVIDER_VERSION,
    (o, n) => appRoutesProvider.diff!("id", o, n),
    {
      stack: "demo",
      routes: { web: { "com.docker.lb.hosts": "demo.example.com" } },
      interlockConfig: "com.docker.ucp.interlock.conf-2",
    },
  ],
  [
    "InterlockConfig",
    INTERLOCK_CONFIG_PROVIDER_VERSION,
    (o, n) => interlockConfigProvider.diff!("id", o, n),
    {
      stack: "lab",
      environments: [],
      settings: DEFAULT_INTERLOCK,
      sections: { dev: { ServiceName: "x" } },
      clusters: {
        dev: {
          extensionService: "x",
          proxyService: "y",
          proxyNodes: [],
          publishMode: "host",
          httpPort: 1,
          httpsPort: 2,
        },
      },
    },
  ],
];

describe("the dynamic providers' contract", () => {
  for (const [name, version, diff, state] of cases) {
    it(`${name}: no change with the same inputs and version, a change when only the version moves`, async () => {
      const olds = { ...state, providerVersion: version };
      assert.strictEqual((await diff(olds, { ...olds })).changes, false);
      assert.strictEqual(
        (await diff({ ...olds, providerVersion: "0" }, { ...olds })).changes,
        true,
      );
    });

    it(`${name}: a new way to reach the Engine API is an update, never a replacement`, async () => {
      const olds = { ...state, providerVersion: version };
      const bundle = { host: "tcp://10.213.0.10:2376", ca: "ca", cert: "cert", key: "key" };
      const moved = (await diff(olds, { ...olds, connection: bundle })) as {
        changes?: boolean;
        replaces?: string[];
      };
      assert.strictEqual(moved.changes, true);
      assert.deepStrictEqual(moved.replaces ?? [], []);
      const rotated = { ...olds, connection: bundle };
      assert.strictEqual(
        (await diff(rotated, { ...rotated, connection: { ...bundle, key: "new" } })).changes,
        true,
      );
      assert.strictEqual((await diff(rotated, { ...rotated })).changes, false);
    });
  }
});
