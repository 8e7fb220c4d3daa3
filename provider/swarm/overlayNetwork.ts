/**
 * OverlayNetwork: an application network such as the blog's `ingress_dev`
 * (`docker network create ingress_dev --label com.docker.ucp.access.label=/dev --driver overlay`).
 *
 * - Networks cannot change in place: a change of name, driver, options, labels or
 *   attachable replaces it (deleted first: the name is unique).
 * - adoption: a network of that name made outside this stack (the blog's
 *   `docker network create`) is taken over with its ID when its driver, the declared options
 *   and labels match (labels UCP or a person added beside them are left alone); one that
 *   differs fails at preview, since replacing it would cut off the services using it.
 * - read: by name; gone when deleted by hand, and a new `networkId` when recreated by hand.
 * - delete: waits (bounded) for Interlock to detach its proxies, then names the services and
 *   containers still using the network instead of returning a raw API error.
 */
import type * as pulumi from "@pulumi/pulumi";
import { DynamicResource } from "../util/dynamicResource";
import type Dockerode from "dockerode";
import {
  configureConnection,
  connect,
  connectionChanged,
  DockerConnection,
} from "../docker/connection";
import { engineMessage } from "../docker/errors";
import {
  createObject,
  findByName,
  inspectObject,
  listObjects,
  removeObject,
} from "../docker/objects";
import { reaching } from "../docker/swarm";
import type { SwarmNetwork } from "../docker/types";
import { deepEqual } from "../util/canonical";
import { engineInfo } from "../util/engineLog";
import { pollUntil } from "../util/poll";

/** An application network such as `ingress_dev`. */
export interface OverlayNetworkArgs {
  name: pulumi.Input<string>;
  driver?: pulumi.Input<string>;
  attachable?: pulumi.Input<boolean>;
  labels?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  options?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Bound on waiting for users (Interlock proxies) to detach on delete. */
  detachTimeoutSeconds?: pulumi.Input<number>;
  connection?: pulumi.Input<DockerConnection>;
}

/** The resource's inputs as the provider receives them. */
export interface OverlayNetworkInputs {
  name: string;
  driver?: string;
  attachable?: boolean;
  labels?: Record<string, string>;
  options?: Record<string, string>;
  detachTimeoutSeconds?: number;
  connection?: DockerConnection;
  /** Bumped when the provider's behaviour changes, so stored state runs the new code. */
  providerVersion?: string;
  /** `attachable` of a network adopted without the stack saying: what later runs declare. */
  adoptedAttachable?: boolean;
}

/** Bumped when the provider's behaviour changes; its diff compares it. */
export const OVERLAY_NETWORK_PROVIDER_VERSION = "2";

/** How long `delete` waits for the network's users (Interlock's proxies) to detach. */
const DEFAULT_DETACH_TIMEOUT_S = 60;
/** Interlock detaches a proxy from an app network at its next poll (~3 s). */
const DETACH_POLL_MS = 2000;
/** How often `delete` looks whether the removed network's name is free again. */
const NAME_FREED_POLL_MS = 250;

/** The inputs plus the network's ID (a new one when recreated by hand). */
export interface OverlayNetworkOutputs extends OverlayNetworkInputs {
  networkId: string;
}

const REPLACING = ["name", "driver", "attachable", "labels", "options"] as const;

/** The network of that name as inspected (with its containers), if there is one. */
async function inspectByName(docker: Dockerode, name: string): Promise<SwarmNetwork | undefined> {
  const hit = await findByName(docker, "network", name);
  if (!hit) return undefined;
  return inspectObject(docker, "network", hit.Id);
}

/** Services and containers attached to a network, for a message a person can act on. */
export async function networkUsers(docker: Dockerode, net: SwarmNetwork): Promise<string[]> {
  const services = await listObjects(docker, "service");
  const users = services
    .filter((s) =>
      (s.Spec.TaskTemplate?.Networks ?? []).some(
        (n) => n.Target === net.Id || n.Target === net.Name,
      ),
    )
    .map((s) => `service ${s.Spec.Name}`);
  const containers = Object.values(net.Containers ?? {})
    .map((c) => `container ${c.Name}`)
    .filter((c) => !c.endsWith("-endpoint"));
  return [...users, ...containers];
}

/** Only the declared keys of a live map: others were added beside them (UCP adds owners). */
function declaredOnly(
  live: Record<string, string> | undefined,
  declared: Record<string, string> | undefined,
): Record<string, string> {
  return Object.fromEntries(
    Object.keys(declared ?? {})
      .filter((k) => live?.[k] !== undefined)
      .map((k) => [k, live![k]]),
  );
}

/** Why a live network of the same name cannot be taken over, if it cannot. */
export function adoptionConflicts(net: SwarmNetwork, inputs: OverlayNetworkInputs): string[] {
  const out: string[] = [];
  const driver = inputs.driver ?? "overlay";
  if (net.Driver !== driver) out.push(`driver ${net.Driver}, the stack declares ${driver}`);
  if (inputs.attachable !== undefined && Boolean(net.Attachable) !== inputs.attachable)
    out.push(`attachable ${Boolean(net.Attachable)}, the stack declares ${inputs.attachable}`);
  for (const kind of ["labels", "options"] as const) {
    const live = kind === "labels" ? net.Labels : net.Options;
    for (const [k, v] of Object.entries(inputs[kind] ?? {})) {
      if (live?.[k] !== v)
        out.push(
          `${kind === "labels" ? "label" : "option"} ${k}=${live?.[k] === undefined ? "(absent)" : live[k]}, the stack declares ${v}`,
        );
    }
  }
  return out;
}

/** The OverlayNetwork provider. */
export const overlayNetworkProvider: pulumi.dynamic.ResourceProvider<
  OverlayNetworkInputs,
  OverlayNetworkOutputs
> = {
  configure: configureConnection,
  async check(olds, news) {
    const failures: pulumi.dynamic.CheckFailure[] = [];
    if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(news.name ?? "")) {
      failures.push({
        property: "",
        reason: `network name ${JSON.stringify(news.name)} is not valid; use letters, digits, _ . -`,
      });
      return { inputs: news, failures };
    }
    const inputs: OverlayNetworkInputs = { driver: "overlay", labels: {}, options: {}, ...news };
    // A network this stack does not manage yet may have been made by hand: adopt it or say why not.
    const live =
      !olds?.name && typeof news.name === "string"
        ? await reaching(news.connection, () => inspectByName(connect(news.connection), news.name))
        : undefined;
    if (live) {
      // The blog's network is not attachable; a stack that does not say keeps what is there.
      if (news.attachable === undefined) {
        inputs.attachable = Boolean(live.Attachable);
        inputs.adoptedAttachable = inputs.attachable;
      }
      const conflicts = adoptionConflicts(live, inputs);
      if (conflicts.length) {
        const users = await networkUsers(connect(news.connection), live);
        failures.push({
          property: "",
          reason:
            `network ${news.name} (${live.Id.slice(0, 12)}) already exists, made outside this stack, and cannot be adopted: it has ${conflicts.join("; ")}. ` +
            `Replacing it would cut off ${users.length ? users.join(", ") : "whatever uses it"}; ` +
            `either make the stack declare what the network has, or move its users off and remove it (docker network rm ${news.name}) so that up creates it`,
        });
      } else {
        await engineInfo(
          `network ${news.name} (${live.Id.slice(0, 12)}) exists, made outside this stack: up adopts it as it is (same ID)`,
        );
      }
    }
    // Unsaid, attachable is what the network had when adopted, else true. Not the refreshed
    // value: a network recreated by hand with another one is replaced.
    if (news.attachable === undefined && olds?.adoptedAttachable !== undefined)
      inputs.adoptedAttachable = olds.adoptedAttachable;
    inputs.attachable = inputs.attachable ?? inputs.adoptedAttachable ?? true;
    return { inputs, failures };
  },

  async diff(_id, olds, news) {
    const replaces = REPLACING.filter(
      (k) => !deepEqual(olds[k] ?? (k === "labels" || k === "options" ? {} : undefined), news[k]),
    );
    return {
      changes:
        replaces.length > 0 ||
        olds.detachTimeoutSeconds !== news.detachTimeoutSeconds ||
        connectionChanged(olds.connection, news.connection) ||
        olds.providerVersion !== news.providerVersion,
      replaces: [...replaces],
      deleteBeforeReplace: true,
    };
  },

  async create(inputs) {
    const docker = connect(inputs.connection);
    const existing = await inspectByName(docker, inputs.name);
    if (existing) {
      const conflicts = adoptionConflicts(existing, inputs);
      if (conflicts.length)
        throw new Error(
          `network ${inputs.name} appeared since the preview and cannot be adopted: it has ${conflicts.join("; ")}`,
        );
      return { id: inputs.name, outs: { ...inputs, networkId: existing.Id } };
    }
    const networkId = await createObject(docker, "network", {
      Name: inputs.name,
      Driver: inputs.driver ?? "overlay",
      Attachable: inputs.attachable ?? true,
      Labels: inputs.labels ?? {},
      Options: inputs.options ?? {},
      CheckDuplicate: true,
    });
    return { id: inputs.name, outs: { ...inputs, networkId } };
  },

  async update(_id, _olds, news) {
    const docker = connect(news.connection);
    const net = await inspectByName(docker, news.name);
    return { outs: { ...news, networkId: net?.Id ?? "" } };
  },

  async read(id, props) {
    return reaching(props?.connection, async () => {
      const docker = connect(props?.connection);
      const net = await inspectByName(docker, props?.name ?? id);
      if (!net) return {};
      const outs: OverlayNetworkOutputs = {
        ...(props as OverlayNetworkOutputs),
        name: net.Name,
        driver: net.Driver,
        attachable: Boolean(net.Attachable),
        // Labels UCP or a person added beside the declared ones are not this stack's.
        labels: declaredOnly(net.Labels, props?.labels),
        // The driver adds options of its own (the VXLAN ID); only declared ones are compared.
        options: Object.fromEntries(
          Object.keys(props?.options ?? {}).map((k) => [k, net.Options?.[k] ?? ""]),
        ),
        networkId: net.Id,
      };
      const { networkId: _n, ...inputs } = outs;
      return { id, props: outs, inputs: inputs as OverlayNetworkOutputs };
    });
  },

  async delete(_id, props) {
    const docker = connect(props.connection);
    const detachS = props.detachTimeoutSeconds ?? DEFAULT_DETACH_TIMEOUT_S;
    // One bound for both: the network's users detaching, then its name being freed.
    const deadline = Date.now() + detachS * 1000;
    await pollUntil(
      {
        timeoutMs: deadline - Date.now(),
        pauseMs: DETACH_POLL_MS,
        pending: (inUse) => (inUse ? "its users to detach" : ""),
        describe: () =>
          console.error(`network ${props.name}: still in use, waiting for its users to detach`),
        everyPause: true,
        onTimeout: async (inUse) => {
          const { net, err } = inUse!; // a poll that leaves something pending found it in use
          const users = await networkUsers(docker, net);
          throw new Error(
            `network ${props.name} is still in use after ${detachS} s` +
              (users.length ? ` by ${users.join(", ")}` : "") +
              `; remove those (or the routing labels that make Interlock attach its proxy) first. Engine: ${engineMessage(err)}`,
            { cause: err },
          );
        },
      },
      async () => {
        const net = await inspectByName(docker, props.name);
        if (!net) return undefined;
        try {
          await removeObject(docker, "network", net.Id);
        } catch (err) {
          return { net, err };
        }
        await nameFreed(docker, props.name, deadline - Date.now());
        return undefined;
      },
    );
  },
};

/**
 * Waits until no network of that name is listed any more: the manager's local copy of an
 * overlay network can outlive the swarm object by a moment, and a replacement that creates
 * the same name right away would collide with it.
 */
async function nameFreed(docker: Dockerode, name: string, timeoutMs: number): Promise<void> {
  await pollUntil(
    {
      timeoutMs,
      pauseMs: NAME_FREED_POLL_MS,
      pending: (listed) => (listed ? `${name} to be unlisted` : ""),
      onTimeout: () => {
        throw new Error(
          `network ${name} was removed but is still listed; check docker network ls on the managers`,
        );
      },
    },
    async () => (await findByName(docker, "network", name)) !== undefined,
  );
}

/** An overlay network for applications behind the ingress. */
export class OverlayNetwork extends DynamicResource {
  declare public readonly networkId: pulumi.Output<string>;
  declare public readonly name: pulumi.Output<string>;

  constructor(name: string, args: OverlayNetworkArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      overlayNetworkProvider,
      name,
      { networkId: undefined, providerVersion: OVERLAY_NETWORK_PROVIDER_VERSION, ...args },
      { ...opts, additionalSecretOutputs: ["connection"] },
      "swarm",
      "OverlayNetwork",
    );
  }
}
