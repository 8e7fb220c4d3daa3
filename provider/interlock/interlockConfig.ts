/**
 * InterlockConfig: the service-cluster sections this stack owns in Interlock's core config,
 * rolled out as UCP requires (blog steps 4-8), with other stacks owning other sections of
 * the same config (one stack per environment on one cluster).
 *
 * - check:  reads the live config, its owners and the template (plan.ts), renders the owned
 *           sections and validates the whole merged config before anything changes. Errors are
 *           for what this stack writes and collisions with it; problems already present in
 *           sections it does not own are engine warnings. The rendered sections become the
 *           resource's inputs, so previews diff them key by key.
 * - create/update: saves the template on the cluster the first time, merges into whatever is
 *           live (never dropping a section another stack owns), writes conf-<N+1> as a patch
 *           of the live text and swaps it onto ucp-interlock with rollback (rollout.ts), then
 *           removes stale services, verifies every owned cluster and prunes old versions.
 *           Nothing is written when the merged config equals the live one.
 * - read:   the owned sections as they are live, so refresh shows drift.
 * - delete: a new version without the owned sections (the template section is put back
 *           when nothing else would be left).
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
import { isUnreachable } from "../docker/errors";
import { bundleProblems } from "../docker/bundle";
import { deepEqual, jsonSafe } from "../util/canonical";
import { engineInfo, engineWarn } from "../util/engineLog";
import type { EnvironmentSpec } from "../config/environments";
import type { InterlockSettings } from "../config/interlock";
import { listCoreConfigs, readLiveConfig, LiveConfig } from "./live";
import { PlanContext, readPlanContext } from "./planContext";
import { ownersOf, withOwner } from "./owners";
import { nodeClaimProblems } from "./nodeClaims";
import { extensionsOf, sectionOf } from "./fold";
import { removeTakenOver, takeoverServices } from "./takeover";
import { releasedOwners, releasePending, releaseProblems } from "./release";
import { mergeConfig, pickSections, Problem } from "./render";
import { ownedBy, ownerOf, Owners, planConfig, sectionsToRemove } from "./plan";
import { pruneConfigs, removeOrphans, rollout, Reporter, rolloutError } from "./rollout";
import { CoreConfig, ExtensionSection, LABEL_OWNERS, serviceNames } from "./schema";
import { readSavedTemplate, saveTemplate } from "./templateStore";
import { detectReset, Reset, resetWarning, restoredConfig } from "./reset";
import { droppedComments, stringifyCoreConfig } from "./toml";
import { configSizeProblem } from "./size";
import { validateCoreConfig } from "./validate";
import { ClusterStatus, removeStaleServices, settledSnapshot, verifyClusters } from "./verify";

/** Bumped when the provider's behaviour changes; its diff compares it. */
export const INTERLOCK_CONFIG_PROVIDER_VERSION = "3";

/** What a stack declares: its environments and how they are rolled out. */
export interface InterlockConfigArgs {
  /** Owner recorded on the config objects: the Pulumi stack. */
  stack: pulumi.Input<string>;
  environments: pulumi.Input<EnvironmentSpec[]>;
  settings: pulumi.Input<InterlockSettings>;
  connection?: pulumi.Input<DockerConnection>;
}

/** The resource's inputs as the provider receives them, after check. */
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
  /** Hand-made sections this stack adopted, as they were: each one's own base from then on. */
  adoptedBases?: Record<string, ExtensionSection>;
  /** Interlock services of hand-made sections taken over under other names: removed by up. */
  takeoverServices?: string[];
  /**
   * Read by check: the image `ucp-interlock` runs, so a policy can hold the sections to the
   * core's release (policy/rules.ts). Not compared by diff: only `sections` are written.
   */
  coreImage?: string;
}

/** The inputs plus the mounted config version and each cluster's status. */
export interface InterlockConfigOutputs extends InterlockConfigInputs {
  configName: string;
  configVersion: number;
  clusters: Record<string, ClusterStatus>;
}

/** Progress on long waits: stderr of the provider process is shown by the engine. */
const report: Reporter = (message) => console.error(`interlock: ${message}`);
/** Bound on how long `read` waits for an update Swarm is rolling out to finish. */
const SETTLE_MS = 60_000;

/** The owned sections' names as the merge sees them, with a plain origin for re-validation. */
function ownedOrigins(
  sections: Record<string, ExtensionSection>,
): Record<string, (path: string) => string> {
  return Object.fromEntries(
    Object.keys(sections).map((s) => [
      s,
      (p: string) => `[Extensions.${s}].${p} (this stack's section)`,
    ]),
  );
}

/**
 * The config to write over `live`: owned sections in, sections this stack may remove out.
 * Run again on every concurrent change, so it re-checks collisions with what others wrote.
 */
function merger(
  news: InterlockConfigInputs,
  previous: string[],
  fallbackOwners: Owners,
  reset?: Reset,
) {
  const sections = news.sections ?? {};
  const gone: ExtensionSection[] = [];
  const afterReset = (live: LiveConfig) => reset && live.ref.ConfigName === reset.liveName;
  // A version written by hand carries no owners label: then the owners read before apply hold.
  const release = news.settings.release;
  const ownersNow = (live: LiveConfig) =>
    live.labels[LABEL_OWNERS] !== undefined
      ? releasedOwners(ownersOf(live), release)
      : afterReset(live)
        ? releasedOwners(reset!.owners, release)
        : fallbackOwners;
  const merge = (mounted: LiveConfig): CoreConfig => {
    const live = afterReset(mounted)
      ? { ...mounted, config: restoredConfig(mounted.config, reset!) }
      : mounted;
    const remove = sectionsToRemove({
      live: live.config,
      stack: news.stack,
      owners: ownersNow(live),
      declared: Object.keys(sections),
      settings: news.settings,
      previous,
    });
    gone.splice(
      0,
      gone.length,
      ...remove.flatMap((n): ExtensionSection[] => {
        const s = sectionOf(live.config, n);
        return s ? [s] : [];
      }),
    );
    const merged = mergeConfig(live.config, sections, remove);
    // Only collisions with what others wrote since the preview: the sections themselves were
    // checked then, and Swarm's rollback stays the last line for anything else.
    const errorsOf = (config: CoreConfig) =>
      validateCoreConfig(config, { owned: ownedOrigins(sections) })
        .filter((p) => p.severity === "error")
        .map((p) => p.message);
    const alone = new Set(errorsOf({ Extensions: sections }));
    const errors = errorsOf(merged).filter((e) => !alone.has(e));
    if (errors.length) {
      throw rolloutError(
        `the live config ${live.ref.ConfigName} changed since the preview and now conflicts with this stack:\n  - ` +
          errors.join("\n  - "),
      );
    }
    return merged;
  };
  const owners = (live: LiveConfig) =>
    withOwner(ownersNow(live), news.stack, Object.keys(sections));
  const unrecorded = (live: LiveConfig) =>
    !deepEqual(
      [...ownedBy(ownersNow(live), news.stack)].sort(),
      ownedBy(owners(live), news.stack),
    ) ||
    (live.labels[LABEL_OWNERS] !== undefined && releasePending(ownersOf(live), release));
  return { merge, owners, unrecorded, gone };
}

async function apply(
  news: InterlockConfigInputs,
  previous: string[],
): Promise<InterlockConfigOutputs> {
  const docker = connect(news.connection);
  const timeoutMs = news.settings.verifyTimeoutSeconds * 1000;
  const live = await readLiveConfig(docker);
  const configs = await listCoreConfigs(docker);
  const fallbackOwners = releasedOwners(ownersOf(live, configs), news.settings.release);
  const reset = await detectReset(docker, live, configs, news.settings.template);
  await removeOrphans(docker, news.stack, live, configs, report);
  const template = news.settings.template;
  const liveTemplate = live.config.Extensions?.[template];
  if (
    liveTemplate &&
    !ownerOf(fallbackOwners, template, news.stack) &&
    !news.sections?.[template]
  ) {
    await saveTemplate(docker, template, liveTemplate, live.ref.ConfigName);
  }
  const m = merger(news, previous, fallbackOwners, reset);
  const result = await rollout(docker, {
    merge: m.merge,
    owners: m.owners,
    unrecorded: m.unrecorded,
    stack: news.stack,
    timeoutMs,
    report,
  });
  if (news.settings.removeStaleServices)
    await removeStaleServices(docker, m.gone, result.config, report);
  // Before the wait: in host mode a taken-over section's old proxy holds the new one's ports.
  // Never a service a section of the written config still names (a copy left unrenamed).
  const named = new Set([...extensionsOf(result.config).sections.values()].flatMap(serviceNames));
  await removeTakenOver(
    docker,
    (news.takeoverServices ?? []).filter((n) => !named.has(n)),
    report,
  );
  const clusters = await verifyClusters(
    docker,
    result.config,
    Object.keys(news.sections ?? {}),
    timeoutMs,
    report,
  );
  await pruneConfigs(docker, news.settings.keepVersions, report);
  return { ...news, configName: result.configName, configVersion: result.version, clusters };
}

/** Reports problems: errors become check failures, warnings are shown once each. */
async function failuresOf(
  problems: Problem[],
  warn: (m: string) => Promise<void>,
): Promise<pulumi.dynamic.CheckFailure[]> {
  for (const w of new Set(problems.filter((p) => p.severity === "warning").map((p) => p.message)))
    await warn(w);
  return (
    problems
      .filter((p) => p.severity === "error")
      // No `property`: the engine would print the whole input value before each message, which
      // already names the stack config key.
      .map((p) => ({ property: "", reason: p.message }))
  );
}

/**
 * The provider, with `warn` for preview warnings and `info` for what adoption does (the
 * engine's log, or a test's sink).
 */
export function makeInterlockConfigProvider(
  warn: (message: string) => Promise<void>,
  info: (message: string) => Promise<void> = warn,
): pulumi.dynamic.ResourceProvider<InterlockConfigInputs, InterlockConfigOutputs> {
  return {
    configure: configureConnection,

    async check(olds, news) {
      if (!Array.isArray(news.environments) || !news.settings) return { inputs: news };
      // An expiring bundle is said before anything is read; an expired one stops here, named.
      for (const p of bundleProblems(news.connection, {
        warnDays: news.settings.bundleExpiryWarnDays,
      })) {
        if (p.severity === "error")
          return { inputs: news, failures: [{ property: "", reason: p.message }] };
        await warn(p.message);
      }
      const docker = connect(news.connection);
      let context: PlanContext;
      let reset: Reset | undefined;
      try {
        context = await readPlanContext(docker, news.settings.template, news.connection);
        reset = await detectReset(docker, context.live, context.configs, news.settings.template);
      } catch (err) {
        const reason = isUnreachable(err)
          ? swarm.unreachableMessage(err, news.connection)
          : (err as Error).message;
        return { inputs: news, failures: [{ property: "", reason }] };
      }
      const { nodes, savedTemplate, coreImage } = context;
      const live = reset
        ? { ...context.live, config: restoredConfig(context.live.config, reset) }
        : context.live;
      const recorded = reset ? reset.owners : context.owners;
      const owners = releasedOwners(recorded, news.settings.release);
      const plan = planConfig({
        live: live.config,
        stack: news.stack,
        owners,
        environments: news.environments,
        settings: news.settings,
        previousSections: olds?.sections,
        previousTemplate: olds?.templateSection,
        previousBases: olds?.adoptedBases,
        savedTemplate,
        liveName: live.ref.ConfigName,
        nodes,
        coreImage,
      });
      const problems = [
        ...releaseProblems(recorded, news.stack, news.settings.release, live.ref.ConfigName),
        ...nodeClaimProblems({
          stack: news.stack,
          environments: news.environments,
          owners,
          live: live.config,
          nodes,
          previous: Object.keys(olds?.sections ?? {}),
        }),
        ...plan.problems,
      ];
      let taken: { services: string[]; problems: Problem[] };
      try {
        taken = await takeoverServices(docker, plan.takeovers);
      } catch (err) {
        return { inputs: news, failures: [{ property: "", reason: (err as Error).message }] };
      }
      problems.push(...taken.problems);
      if (reset) problems.push({ severity: "warning", message: resetWarning(reset) });
      const failed = problems.some((p) => p.severity === "error");
      if (!failed) for (const line of plan.adoptions) await info(line);
      if (Object.keys(plan.sections).length && !failed) {
        const written = stringifyCoreConfig(plan.merged, live.text, live.config);
        const tooBig = configSizeProblem(written, live.ref.ConfigName);
        if (tooBig) problems.push(tooBig);
        const lost = droppedComments(live.text, written);
        if (lost.length) {
          problems.push({
            severity: "warning",
            message: `${lost.length} comment line(s) of ${live.ref.ConfigName} are in sections this stack rewrites or removes and will not be kept: ${lost.slice(0, 3).join(" | ")}${lost.length > 3 ? " | ..." : ""}`,
          });
        }
      }
      const inputs: InterlockConfigInputs = { ...news, sections: jsonSafe(plan.sections) };
      // A check result must hold no undefined: the engine's struct encoding refuses it.
      if (plan.template) inputs.templateSection = jsonSafe(plan.template.section);
      else delete inputs.templateSection;
      if (Object.keys(plan.bases).length) inputs.adoptedBases = jsonSafe(plan.bases);
      else delete inputs.adoptedBases;
      if (taken.services.length) inputs.takeoverServices = taken.services;
      else delete inputs.takeoverServices;
      if (coreImage) inputs.coreImage = coreImage;
      else delete inputs.coreImage;
      return { inputs, failures: await failuresOf(problems, warn) };
    },

    async diff(_id, olds, news) {
      // A cluster read as not running as configured (a run killed mid-rollout, proxies scaled
      // by hand) is repaired by an update that rolls out nothing and waits for convergence.
      const unsettled = Object.keys(news.sections ?? {}).some(
        (s) => !olds.clusters?.[s] || olds.clusters[s].pending?.length,
      );
      const changes =
        unsettled ||
        !deepEqual(olds.sections, news.sections) ||
        !deepEqual(olds.settings, news.settings) ||
        olds.stack !== news.stack ||
        connectionChanged(olds.connection, news.connection) ||
        olds.providerVersion !== news.providerVersion;
      return { changes, replaces: [], deleteBeforeReplace: false };
    },

    async create(inputs) {
      const outs = await apply(inputs, []);
      return { id: `ucp-interlock/${inputs.stack}`, outs };
    },

    async update(_id, olds, news) {
      return { outs: await apply(news, Object.keys(olds.sections ?? {})) };
    },

    async read(id, props) {
      return swarm.reaching(props?.connection, async () => {
        if (!props) return { id };
        const docker = connect(props.connection);
        const live = await readLiveConfig(docker);
        const sections = jsonSafe(pickSections(live.config, Object.keys(props.sections ?? {})));
        const clusters = await settledSnapshot(
          docker,
          live.config,
          Object.keys(sections),
          Math.min(SETTLE_MS, props.settings.verifyTimeoutSeconds * 1000),
          report,
        );
        const outs: InterlockConfigOutputs = {
          ...props,
          sections,
          clusters,
          configName: live.ref.ConfigName,
          configVersion: live.version,
        };
        const { configName: _c, configVersion: _v, clusters: _s, ...inputs } = outs;
        return { id, props: outs, inputs: inputs as InterlockConfigOutputs };
      });
    },

    async delete(_id, props) {
      const docker = connect(props.connection);
      const mine = Object.keys(props.sections ?? {});
      if (!mine.length) return;
      const template = props.settings.template;
      const savedTemplate =
        (await readSavedTemplate(docker, template))?.section ?? props.templateSection;
      // Interlock needs one extension: put back UCP's template, or, for a stack that adopted a
      // hand-made cluster with no template left, its first hand-made section as it was.
      const [adoptedName, adoptedBase] = Object.entries(props.adoptedBases ?? {})[0] ?? [];
      const fallback: Record<string, ExtensionSection> | undefined = savedTemplate
        ? { [template]: savedTemplate }
        : adoptedBase
          ? { [adoptedName!]: adoptedBase }
          : undefined;
      const gone: ExtensionSection[] = [];
      const result = await rollout(docker, {
        merge: (live) => {
          const owners = ownersOf(live);
          const remove = mine.filter(
            (n) => live.config.Extensions?.[n] && !ownerOf(owners, n, props.stack),
          );
          gone.splice(
            0,
            gone.length,
            ...remove.flatMap((n): ExtensionSection[] => {
              const s = sectionOf(live.config, n);
              return s ? [s] : [];
            }),
          );
          const without: CoreConfig = mergeConfig(live.config, {}, remove);
          if (!Object.keys(without.Extensions ?? {}).length && fallback)
            return mergeConfig(without, fallback);
          return without;
        },
        owners: (live) => withOwner(ownersOf(live), props.stack, []),
        stack: props.stack,
        timeoutMs: props.settings.verifyTimeoutSeconds * 1000,
        report,
      });
      if (props.settings.removeStaleServices)
        await removeStaleServices(docker, gone, result.config, report);
      await pruneConfigs(docker, props.settings.keepVersions, report);
    },
  };
}

/** The provider the resource uses: warnings go to the engine. */
export const interlockConfigProvider = makeInterlockConfigProvider(engineWarn, engineInfo);

/** The service-cluster sections of the Interlock config that one stack owns. */
export class InterlockConfig extends DynamicResource {
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
        adoptedBases: undefined,
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
