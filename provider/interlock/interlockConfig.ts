/**
 * InterlockConfig: the service-cluster sections this stack owns in Interlock's core config,
 * rolled out as UCP requires (blog steps 4-8).
 *
 * - check:  reads the live config, renders the owned sections from the stack config over the
 *           template section, and validates the whole merged config (names, ports, placement,
 *           constraints, ownership) before anything changes; the rendered sections become the
 *           resource's inputs, so previews diff them key by key.
 * - create/update: merges into whatever is live (never dropping a section it does not own),
 *           writes conf-<N+1> and swaps it onto ucp-interlock with rollback (rollout.ts), then
 *           removes stale services, verifies every owned cluster and prunes old versions.
 *           Nothing is written when the merged config equals the live one.
 * - read:   the owned sections as they are live, so refresh shows drift.
 * - delete: a new version without the owned sections (UCP's template section is put back
 *           when nothing else would be left).
 */
import * as pulumi from "@pulumi/pulumi";
import { DockerConnection } from "../docker/connection";
import * as swarm from "../docker/swarm";
import { isUnreachable } from "../docker/errors";
import { deepEqual } from "../util/canonical";
import { EnvironmentSpec, InterlockSettings, CONFIG_NAMESPACE } from "../topology";
import { readLiveConfig, toNodeView, LiveConfig } from "./live";
import { mergeConfig, pickSections } from "./render";
import { planConfig, sectionsToRemove } from "./plan";
import { pruneConfigs, rollout, Reporter } from "./rollout";
import { CoreConfig, ExtensionSection, LABEL_OWNERS } from "./schema";
import { ClusterStatus, removeStaleServices, verifyClusters } from "./verify";

export const INTERLOCK_CONFIG_PROVIDER_VERSION = "1";

export interface InterlockConfigArgs {
  /** Owner recorded on the config objects: the Pulumi stack. */
  stack: pulumi.Input<string>;
  environments: pulumi.Input<EnvironmentSpec[]>;
  settings: pulumi.Input<InterlockSettings>;
  connection?: pulumi.Input<DockerConnection>;
}

export interface InterlockConfigInputs {
  stack: string;
  environments: EnvironmentSpec[];
  settings: InterlockSettings;
  connection?: DockerConnection;
  providerVersion?: string;
  /** Rendered by check: the exact `[Extensions.<env>]` tables that will be written. */
  sections?: Record<string, ExtensionSection>;
  /** Copy of the template section, kept for when the live one is gone. */
  templateSection?: ExtensionSection;
}

export interface InterlockConfigOutputs extends InterlockConfigInputs {
  configName: string;
  configVersion: number;
  clusters: Record<string, ClusterStatus>;
}

/** Progress on long waits: stderr of the provider process is shown by the engine. */
const report: Reporter = (message) => console.error(`interlock: ${message}`);

function owners(live: LiveConfig): Record<string, string[]> {
  try {
    return JSON.parse(live.labels[LABEL_OWNERS] ?? "{}") as Record<string, string[]>;
  } catch {
    return {};
  }
}

function withOwner(current: Record<string, string[]>, stack: string, sections: string[]): Record<string, string[]> {
  const out = { ...current };
  if (sections.length) out[stack] = [...sections].sort();
  else delete out[stack];
  return out;
}

async function apply(
  news: InterlockConfigInputs,
  previous: Record<string, ExtensionSection> | undefined,
): Promise<InterlockConfigOutputs> {
  const docker = swarm.connect(news.connection);
  const sections = news.sections ?? {};
  const remove = sectionsToRemove(Object.keys(sections), news.settings, previous);
  let gone: ExtensionSection[] = [];
  const timeoutMs = news.settings.verifyTimeoutSeconds * 1000;
  const result = await rollout(docker, {
    merge: (live) => {
      gone = remove.map((name) => live.config.Extensions?.[name]).filter((s): s is ExtensionSection => Boolean(s));
      return mergeConfig(live.config, sections, remove);
    },
    owners: (live) => withOwner(owners(live), news.stack, Object.keys(sections)),
    stack: news.stack,
    timeoutMs,
    report,
  });
  if (news.settings.removeStaleServices) await removeStaleServices(docker, gone, result.config, report);
  const clusters = await verifyClusters(docker, result.config, Object.keys(sections), timeoutMs, report);
  await pruneConfigs(docker, news.settings.keepVersions, report);
  return { ...news, configName: result.configName, configVersion: result.version, clusters };
}

export const interlockConfigProvider: pulumi.dynamic.ResourceProvider<InterlockConfigInputs, InterlockConfigOutputs> = {
  async check(olds, news) {
    const fail = (reason: string) => ({ inputs: news, failures: [{ property: "", reason }] });
    if (!Array.isArray(news.environments) || !news.settings) return { inputs: news };
    const docker = swarm.connect(news.connection);
    let live: LiveConfig;
    let nodes;
    try {
      live = await readLiveConfig(docker);
      nodes = (await swarm.listNodes(docker, news.connection)).map(toNodeView);
    } catch (err) {
      return fail(isUnreachable(err) ? swarm.unreachableMessage(err, news.connection) : (err as Error).message);
    }
    const plan = planConfig({
      live: live.config,
      environments: news.environments,
      settings: news.settings,
      previousSections: olds?.sections,
      previousTemplate: olds?.templateSection,
      liveName: live.ref.ConfigName,
      nodes,
    });
    const inputs: InterlockConfigInputs = { ...news, sections: plan.sections, templateSection: plan.template };
    const failures: pulumi.dynamic.CheckFailure[] = plan.problems.map((reason) => ({ property: "", reason }));
    for (const [stack, owned] of Object.entries(owners(live))) {
      if (stack === news.stack) continue;
      for (const name of owned.filter((s) => s in plan.sections)) {
        failures.push({
          property: "",
          reason:
            `${CONFIG_NAMESPACE}:environments.${name}: section [Extensions.${name}] is owned by stack "${stack}" ` +
            `(label on ${live.ref.ConfigName}); remove ${name} from this stack or from "${stack}"`,
        });
      }
    }
    return { inputs, failures };
  },

  async diff(_id, olds, news) {
    const changes =
      !deepEqual(olds.sections, news.sections) ||
      !deepEqual(olds.settings, news.settings) ||
      olds.stack !== news.stack ||
      olds.providerVersion !== news.providerVersion;
    return { changes, replaces: [], deleteBeforeReplace: false };
  },

  async create(inputs) {
    const outs = await apply(inputs, undefined);
    return { id: `ucp-interlock/${inputs.stack}`, outs };
  },

  async update(_id, olds, news) {
    return { outs: await apply(news, olds.sections) };
  },

  async read(id, props) {
    return swarm.reaching(props?.connection, async () => {
      if (!props) return { id };
      const docker = swarm.connect(props.connection);
      const live = await readLiveConfig(docker);
      const sections = pickSections(live.config, Object.keys(props.sections ?? {}));
      const outs: InterlockConfigOutputs = {
        ...props,
        sections,
        configName: live.ref.ConfigName,
        configVersion: live.version,
      };
      const { configName: _c, configVersion: _v, clusters: _s, ...inputs } = outs;
      return { id, props: outs, inputs: inputs as InterlockConfigOutputs };
    });
  },

  async delete(_id, props) {
    const docker = swarm.connect(props.connection);
    const mine = Object.keys(props.sections ?? {});
    if (!mine.length) return;
    let gone: ExtensionSection[] = [];
    const result = await rollout(docker, {
      merge: (live) => {
        gone = mine.map((n) => live.config.Extensions?.[n]).filter((s): s is ExtensionSection => Boolean(s));
        const without: CoreConfig = mergeConfig(live.config, {}, mine);
        if (!Object.keys(without.Extensions ?? {}).length && props.templateSection) {
          // Interlock needs one extension: leave the cluster as UCP had it before this stack.
          return mergeConfig(without, { [props.settings.template]: props.templateSection });
        }
        return without;
      },
      owners: (live) => withOwner(owners(live), props.stack, []),
      stack: props.stack,
      timeoutMs: props.settings.verifyTimeoutSeconds * 1000,
      report,
    });
    if (props.settings.removeStaleServices) await removeStaleServices(docker, gone, result.config, report);
    await pruneConfigs(docker, props.settings.keepVersions, report);
  },
};

/** The service-cluster sections of the Interlock config that one stack owns. */
export class InterlockConfig extends pulumi.dynamic.Resource {
  declare public readonly sections: pulumi.Output<Record<string, ExtensionSection>>;
  declare public readonly configName: pulumi.Output<string>;
  declare public readonly configVersion: pulumi.Output<number>;
  declare public readonly clusters: pulumi.Output<Record<string, ClusterStatus>>;

  constructor(name: string, args: InterlockConfigArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      interlockConfigProvider,
      name,
      {
        sections: undefined,
        templateSection: undefined,
        configName: undefined,
        configVersion: undefined,
        clusters: undefined,
        providerVersion: INTERLOCK_CONFIG_PROVIDER_VERSION,
        ...args,
      },
      { ...opts, additionalSecretOutputs: ["connection"] },
      "interlock",
      "InterlockConfig",
    );
  }
}

