/**
 * NodeLabels: labels this stack puts on one Swarm node (blog step 3,
 * `docker node update --label-add com.docker.interlock.service.cluster=dev NODE`).
 *
 * - check:  the node exists, is a worker when `workersOnly`, and is in `expectedCollection`
 *           (`com.docker.ucp.access.label`, blog step 1); failures name the stack config field.
 * - create/update: POST /nodes/{id}/update with the node's version index, retried after a re-read.
 * - read:   the live values of the owned keys only, so a label removed by hand shows as drift.
 * - delete: removes only the owned keys that still hold the value this resource set (a key
 *           another resource or a person has set since is left alone), putting back the value
 *           a key had before this resource overwrote it; other labels untouched.
 * - replace: when `node` changes.
 * No import ID: the engine does not import dynamic-provider resources (pulumi/pulumi#16175,
 * #11279); a node labelled by hand is taken over by create, which sets the value it has.
 */
import type * as pulumi from "@pulumi/pulumi";
import { DynamicResource } from "../util/dynamicResource";
import {
  configureConnection,
  connect,
  connectionChanged,
  DockerConnection,
} from "../docker/connection";
import * as swarm from "../docker/swarm";
import { isNotFound } from "../docker/errors";
import { bundleProblems } from "../docker/bundle";
import { changedPaths, getOwn, setOwn } from "../util/canonical";

/** Bumped when the provider's behaviour changes; its diff compares it. */
export const NODE_LABELS_PROVIDER_VERSION = "2";
/** UCP's collection label on nodes. */
export const ACCESS_LABEL = "com.docker.ucp.access.label";

/** Labels to own on one node, and the checks the node must pass. */
export interface NodeLabelsArgs {
  /** Node hostname (as `docker node ls` shows it) or node ID. */
  node: pulumi.Input<string>;
  /** Labels to own on that node. */
  labels: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** UCP collection the node must be in, e.g. `/dev`. */
  expectedCollection?: pulumi.Input<string>;
  /** Refuse manager nodes (default true). */
  workersOnly?: pulumi.Input<boolean>;
  /** The stack config field the node came from, named in error messages. */
  source?: pulumi.Input<string>;
  /**
   * Values this stack sets for these keys on other nodes (its environments): one found on the
   * node is the stack's own, not given back on delete (a node moved between environments).
   */
  ownValues?: pulumi.Input<pulumi.Input<string>[]>;
  /** Engine API endpoint; defaults to DOCKER_HOST & co. */
  connection?: pulumi.Input<DockerConnection>;
}

/** The resource's inputs as the provider receives them. */
export interface NodeLabelsInputs {
  node: string;
  labels: Record<string, string>;
  expectedCollection?: string;
  workersOnly?: boolean;
  source?: string;
  ownValues?: string[];
  connection?: DockerConnection;
  providerVersion?: string;
}

/** The inputs plus the node's ID and hostname. */
export interface NodeLabelsOutputs extends NodeLabelsInputs {
  nodeId: string;
  hostname: string;
  /** Values the owned keys had before this resource set them: given back on delete. */
  replaced?: Record<string, string>;
  /**
   * What this resource last wrote: a key still holding it is this resource's to remove or give
   * back (`labels` is the live value after a refresh, possibly someone else's).
   */
  applied?: Record<string, string>;
}

/** The live values `labels` overwrites, joined to those overwritten before. */
function overwritten(
  live: Record<string, string>,
  labels: Record<string, string>,
  before: Record<string, string> = {},
  own: { values?: string[]; applied?: Record<string, string> } = {},
): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(labels)) {
    // Label keys are any text, `__proto__` included: never a prototype lookup or assignment.
    const kept = getOwn(before, key);
    const found = getOwn(live, key);
    if (kept !== undefined) setOwn(out, key, kept);
    else if (
      found !== undefined &&
      found !== value &&
      found !== getOwn(own.applied ?? {}, key) &&
      !own.values?.includes(found)
    )
      setOwn(out, key, found);
  }
  return Object.keys(out).length ? out : undefined;
}

/** Removes or gives back each owned key that still holds this resource's value. */
function giveBack(
  live: Record<string, string>,
  labels: Record<string, string>,
  replaced: Record<string, string> = {},
  keep: (key: string) => boolean = () => false,
): Record<string, string> {
  for (const [key, value] of Object.entries(labels)) {
    if (keep(key) || getOwn(live, key) !== value) continue;
    const was = getOwn(replaced, key);
    if (was !== undefined) setOwn(live, key, was);
    else delete live[key];
  }
  return live;
}

function ownedKeys(props?: Partial<NodeLabelsOutputs>): string[] {
  return Object.keys(props?.labels ?? {});
}

/** The NodeLabels provider. */
export const nodeLabelsProvider: pulumi.dynamic.ResourceProvider<
  NodeLabelsInputs,
  NodeLabelsOutputs
> = {
  configure: configureConnection,
  async check(_olds, news) {
    const failures: pulumi.dynamic.CheckFailure[] = [];
    const field = news.source ?? "node";
    // An expired bundle is named before the node is looked up (InterlockConfig warns of one
    // about to expire, once per stack).
    const expired = bundleProblems(news.connection, { warnDays: 0 }).find(
      (p) => p.severity === "error",
    );
    if (expired) return { inputs: news, failures: [{ property: "", reason: expired.message }] };
    if (typeof news.node !== "string" || !news.node) {
      failures.push({ property: "", reason: `${field}: a node hostname or ID is required` });
    }
    for (const [k, v] of Object.entries(news.labels ?? {})) {
      if (!k || /\s/.test(k))
        failures.push({
          property: "",
          reason: `label key ${JSON.stringify(k)} is not a valid label key`,
        });
      if (typeof v !== "string")
        failures.push({
          property: "",
          reason: `label ${k} must be a string, got ${typeof v}`,
        });
    }
    if (failures.length || !news.node) return { inputs: news, failures };
    let nodes;
    try {
      nodes = await swarm.listNodes(connect(news.connection), news.connection);
    } catch (err) {
      return {
        inputs: news,
        failures: [{ property: "", reason: (err as Error).message }],
      };
    }
    const node = swarm.findNode(nodes, news.node);
    if (!node) {
      const known = nodes
        .map((n) => n.Description?.Hostname)
        .filter(Boolean)
        .join(", ");
      failures.push({
        property: "",
        reason: `${field}: node "${news.node}" is not in the swarm; use one of: ${known}`,
      });
      return { inputs: news, failures };
    }
    if ((news.workersOnly ?? true) && node.Spec.Role === "manager") {
      failures.push({
        property: "",
        reason: `${field}: node "${news.node}" is a manager, but ingress nodes must be workers; pick a worker node or set workersOnly: false`,
      });
    }
    const collection = node.Spec.Labels?.[ACCESS_LABEL];
    if (news.expectedCollection && collection !== news.expectedCollection) {
      failures.push({
        property: "",
        reason:
          `${field}: node "${news.node}" is in collection ${JSON.stringify(collection ?? "(none)")} ` +
          `(${ACCESS_LABEL}), not "${news.expectedCollection}"; move the node to that collection in UCP ` +
          `or list a node of that collection`,
      });
    }
    return { inputs: news, failures };
  },

  async diff(_id, olds, news) {
    // The engine shows per-key changes from the inputs themselves (labels.<key>); the
    // provider decides whether anything changes and what forces a replacement.
    const replaces = olds.node !== news.node ? ["node"] : [];
    const changes =
      replaces.length > 0 ||
      changedPaths(olds.labels ?? {}, news.labels ?? {}).length > 0 ||
      olds.expectedCollection !== news.expectedCollection ||
      olds.workersOnly !== news.workersOnly ||
      connectionChanged(olds.connection, news.connection) ||
      olds.providerVersion !== news.providerVersion;
    return { changes, replaces, deleteBeforeReplace: false };
  },

  async create(inputs) {
    const docker = connect(inputs.connection);
    const node = swarm.findNode(await swarm.listNodes(docker, inputs.connection), inputs.node);
    if (!node) throw new Error(`NodeLabels: node "${inputs.node}" is not in the swarm`);
    let replaced: Record<string, string> | undefined;
    const updated = await swarm.updateNodeLabels(docker, node.ID, (labels) => {
      replaced = overwritten(labels, inputs.labels, {}, { values: inputs.ownValues });
      return { ...labels, ...inputs.labels };
    });
    const outs: NodeLabelsOutputs = {
      ...inputs,
      nodeId: node.ID,
      hostname: updated.Description?.Hostname ?? inputs.node,
      applied: inputs.labels,
    };
    if (replaced) outs.replaced = replaced;
    return { id: node.ID, outs };
  },

  async update(id, olds, news) {
    const docker = connect(news.connection);
    const nodeId = olds.nodeId ?? id;
    let replaced: Record<string, string> | undefined;
    const updated = await swarm.updateNodeLabels(docker, nodeId, (labels) => {
      const mine = olds.applied ?? olds.labels ?? {};
      giveBack(labels, mine, olds.replaced, (key) => Object.hasOwn(news.labels, key));
      replaced = overwritten(labels, news.labels, olds.replaced, {
        values: news.ownValues,
        applied: mine,
      });
      return { ...labels, ...news.labels };
    });
    const outs: NodeLabelsOutputs = {
      ...news,
      nodeId,
      hostname: updated.Description?.Hostname ?? olds.hostname,
      applied: news.labels,
    };
    if (replaced) outs.replaced = replaced;
    return { outs };
  },

  async delete(id, props) {
    try {
      await swarm.updateNodeLabels(connect(props.connection), props.nodeId ?? id, (labels) =>
        giveBack(labels, props.applied ?? props.labels ?? {}, props.replaced),
      );
    } catch (err) {
      if (!isNotFound(err)) throw err; // a node that left the swarm has no labels left to remove
    }
  },

  async read(id, props) {
    const ref = id;
    const nodes = await swarm.listNodes(connect(props?.connection), props?.connection);
    const node = swarm.findNode(nodes, props?.nodeId ?? ref) ?? swarm.findNode(nodes, ref);
    if (!node) return {};
    const live = node.Spec.Labels ?? {};
    const labels: Record<string, string> = {};
    for (const key of ownedKeys(props)) {
      const value = getOwn(live, key);
      if (value !== undefined) setOwn(labels, key, value);
    }
    const outs: NodeLabelsOutputs = {
      ...(props as NodeLabelsOutputs),
      node: props?.node ?? ref,
      labels,
      nodeId: node.ID,
      hostname: node.Description?.Hostname ?? ref,
    };
    // Inputs are what the program declares: what this resource recorded stays an output.
    const { nodeId: _n, hostname: _h, applied: _a, replaced: _r, ...inputs } = outs;
    return { id: node.ID, props: outs, inputs: inputs as NodeLabelsOutputs };
  },
};

/** Labels owned by this stack on one Swarm node. */
export class NodeLabels extends DynamicResource {
  declare public readonly nodeId: pulumi.Output<string>;
  declare public readonly hostname: pulumi.Output<string>;
  declare public readonly labels: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: NodeLabelsArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      nodeLabelsProvider,
      name,
      {
        nodeId: undefined,
        hostname: undefined,
        providerVersion: NODE_LABELS_PROVIDER_VERSION,
        ...args,
      },
      { ...opts, additionalSecretOutputs: ["connection"] },
      "swarm",
      "NodeLabels",
    );
  }
}
