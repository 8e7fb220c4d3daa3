/**
 * AppRoutes: the wait for Interlock to route an app stack's services, as a resource of its own
 * that depends on both the AppStack and the InterlockConfig. The app's services then start
 * while Interlock rolls out its config (they need the network, not the proxies), and only this
 * wait needs the rollout to be over: by then every proxy the config declares exists, so a
 * proxy not there is one no section asks for, not one still coming. A failed rollout fails
 * the `up` at once: the engine skips what depends on it.
 *
 * - diff:   the stack's route labels (com.docker.lb.hosts, port, network, ssl_passthrough,
 *           service_cluster per service) and the Interlock config's name; nothing else of the
 *           app reroutes it.
 * - create, update: waits (bounded) until each routed service's proxy is on its network and
 *           has rolled out; Interlock not getting there is a warning, as in AppStack.
 * - read:   nothing live of its own: the routes are the AppStack's services, whose drift
 *           AppStack reports.
 * - delete: nothing: AppStack's delete waits for the routes to go.
 */
import type * as pulumi from "@pulumi/pulumi";
import { output } from "@pulumi/pulumi/output";
import { DynamicResource } from "../util/dynamicResource";
import {
  configureConnection,
  connect,
  connectionChanged,
  DockerConnection,
} from "../docker/connection";
import { reaching } from "../docker/swarm";
import { deepEqual } from "../util/canonical";
import { awaitRouting, routeLabels } from "./routing";
import type { ServiceSummary } from "./appStack";

export interface AppRoutesArgs {
  /** The AppStack's stack namespace, e.g. demodev. */
  stack: pulumi.Input<string>;
  /** The AppStack's `services`: this resource waits for it, and diffs its route labels. */
  services: pulumi.Input<Record<string, ServiceSummary>>;
  /** The InterlockConfig's `configName`: this resource waits for the rollout. */
  interlockConfig: pulumi.Input<string>;
  timeoutSeconds?: pulumi.Input<number>;
  connection?: pulumi.Input<DockerConnection>;
}

export interface AppRoutesInputs {
  stack: string;
  /** Per routed service, its route labels only. */
  routes: Record<string, Record<string, string>>;
  interlockConfig: string;
  timeoutSeconds?: number;
  connection?: DockerConnection;
  providerVersion?: string;
}

export type AppRoutesOutputs = AppRoutesInputs;

/** Bumped when the provider's behaviour changes; its diff compares it. */
export const APP_ROUTES_PROVIDER_VERSION = "1";

/** As AppStack's converge bound. */
const DEFAULT_TIMEOUT_S = 120;

async function awaitRoutes(inputs: AppRoutesInputs): Promise<AppRoutesOutputs> {
  if (Object.keys(inputs.routes).length) {
    await reaching(inputs.connection, () =>
      awaitRouting(
        connect(inputs.connection),
        inputs.stack,
        (inputs.timeoutSeconds ?? DEFAULT_TIMEOUT_S) * 1000,
      ),
    );
  }
  return inputs;
}

export const appRoutesProvider: pulumi.dynamic.ResourceProvider<AppRoutesInputs, AppRoutesOutputs> =
  {
    configure: configureConnection,

    async diff(_id, olds, news) {
      const changes =
        olds.stack !== news.stack ||
        !deepEqual(olds.routes ?? {}, news.routes ?? {}) ||
        olds.interlockConfig !== news.interlockConfig ||
        connectionChanged(olds.connection, news.connection) ||
        olds.providerVersion !== news.providerVersion;
      return { changes };
    },

    async create(inputs) {
      return { id: inputs.stack, outs: await awaitRoutes(inputs) };
    },

    async update(_id, _olds, news) {
      return { outs: await awaitRoutes(news) };
    },

    async read(id, props) {
      return { id, props: props as AppRoutesOutputs };
    },
  };

/** Waits, after the AppStack and the Interlock rollout, until Interlock routes the stack. */
export class AppRoutes extends DynamicResource {
  declare public readonly routes: pulumi.Output<Record<string, Record<string, string>>>;

  constructor(name: string, args: AppRoutesArgs, opts?: pulumi.CustomResourceOptions) {
    const { services, ...rest } = args;
    const routes = output(services).apply(routeLabels);
    super(
      appRoutesProvider,
      name,
      { ...rest, routes, providerVersion: APP_ROUTES_PROVIDER_VERSION },
      { ...opts, additionalSecretOutputs: ["connection"] },
      "swarm",
      "AppRoutes",
    );
  }
}
