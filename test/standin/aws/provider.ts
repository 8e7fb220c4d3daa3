/**
 * The AWS stand-in: a Pulumi resource provider that the engine loads as `aws` at @pulumi/aws's
 * version and that implements the project's resource and invoke tokens over moto.
 *
 * Environment (set by the test that runs `pulumi`):
 *   INTERLOCK_STANDIN_ENDPOINT  moto's URL (required; the provider's own config is ignored)
 *   INTERLOCK_STANDIN_TIMELINE  the JSON-lines file to append every change to (optional)
 *
 * Changes are serialised: one create, update or delete runs at a time, and each is appended
 * to the timeline with the state of moto after it (test/standin/timeline.ts).
 */
import * as fs from "fs";
import { awsClients, AwsClients } from "../moto";
import { snapshot, TIMELINE_ENV, TimelineEntry } from "../timeline";
import { invoke } from "./invokes";
import * as resources from "./resources";
import * as rules from "./rules";
import { Props } from "./values";

/** The environment variable with moto's endpoint. */
export const ENDPOINT_ENV = "INTERLOCK_STANDIN_ENDPOINT";

/** @pulumi/aws's version in package.json: the engine asks for exactly this plugin version. */
export const VERSION: string = require("../../../package.json").dependencies["@pulumi/aws"];

/** Outputs as protobuf's Struct takes them: no undefined anywhere. */
function json<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

function typeOf(urn: string): string {
  // urn:pulumi:stack::project::parent$type::name
  return urn.split("::")[2].split("$").pop()!;
}

/** The provider's operations, usable directly by tests (without gRPC). */
export class StandIn {
  private queue: Promise<unknown> = Promise.resolve();
  private seq = 0;

  constructor(
    public readonly aws: AwsClients,
    private readonly timeline?: string,
  ) {}

  /** Runs one change after the previous one and records it (an error too, then rethrows). */
  private change<T>(operation: string, run: (ctx: resources.Context) => Promise<T>): Promise<T> {
    const next = this.queue.then(async () => {
      if (this.timeline && this.seq === 0) await this.record("initial state", [], undefined);
      const ctx: resources.Context = { aws: this.aws, calls: [] };
      try {
        const result = await run(ctx);
        await this.record(operation, ctx.calls, undefined);
        return result;
      } catch (err) {
        const e = err as Error;
        await this.record(operation, ctx.calls, { code: e.name, message: e.message });
        throw err;
      }
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async record(operation: string, calls: string[], error: TimelineEntry["error"]) {
    if (!this.timeline) return;
    const entry: TimelineEntry = {
      seq: this.seq++,
      time: new Date().toISOString(),
      operation,
      calls,
      ...(error ? { error } : {}),
      snapshot: await snapshot(this.aws),
    };
    fs.appendFileSync(this.timeline, `${JSON.stringify(entry)}\n`);
  }

  private label(verb: string, urn: string, props: Props) {
    return `${verb} ${typeOf(urn)} ${rules.urnName(urn)}${props.name && typeOf(urn) !== rules.RECORD ? ` (${props.name})` : ""}`;
  }

  async check(urn: string, olds: Props, news: Props) {
    return rules.check(typeOf(urn), urn, olds ?? {}, news);
  }

  async diff(_id: string, urn: string, olds: Props, news: Props) {
    const d = rules.diff(typeOf(urn), olds, news);
    return { changes: d.changes, replaces: d.replaces, deleteBeforeReplace: d.deleteBeforeReplace };
  }

  async create(urn: string, inputs: Props) {
    return this.change(this.label("create", urn, inputs), (ctx) =>
      resources.create(ctx, typeOf(urn), inputs).then(json),
    );
  }

  async update(id: string, urn: string, olds: Props, news: Props) {
    return this.change(this.label("update", urn, olds), (ctx) =>
      resources.update(ctx, typeOf(urn), id, olds, news).then(json),
    );
  }

  async delete(id: string, urn: string, props: Props) {
    await this.change(this.label("delete", urn, props), (ctx) =>
      resources.remove(ctx, typeOf(urn), id, props),
    );
  }

  async read(id: string, urn: string, props: Props) {
    const ctx: resources.Context = { aws: this.aws, calls: [] };
    const live = await resources.read(ctx, typeOf(urn), id, props ?? {});
    return live ? { id, props: json(live) } : { id: "", props: {} };
  }

  async invoke(token: string, args: Props) {
    return { outputs: json(await invoke(this.aws, token, args)) };
  }
}

/** Serves the stand-in on gRPC as the engine's `aws` provider plugin. */
export function serve(args: string[]): Promise<void> {
  const endpoint = process.env[ENDPOINT_ENV];
  if (!endpoint) {
    console.error(`the AWS stand-in needs ${ENDPOINT_ENV} (moto's URL)`);
    process.exit(1);
  }
  const standIn = new StandIn(awsClients(endpoint), process.env[TIMELINE_ENV] || undefined);
  const provider = {
    version: VERSION,
    check: standIn.check.bind(standIn),
    diff: standIn.diff.bind(standIn),
    create: standIn.create.bind(standIn),
    update: standIn.update.bind(standIn),
    delete: standIn.delete.bind(standIn),
    read: standIn.read.bind(standIn),
    invoke: standIn.invoke.bind(standIn),
  };
  const { main } = require("@pulumi/pulumi/provider") as typeof import("@pulumi/pulumi/provider");
  return main(provider, args);
}
