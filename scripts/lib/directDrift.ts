/**
 * The drift check without starting the engine's refresh: the stack's state from `pulumi stack
 * export --show-secrets` (decrypted in memory only), each resource read by the provider code
 * its state holds (`__provider`, the closure the engine's dynamic provider would run for the
 * same refresh), and the read compared with the state as the engine's refresh compares it.
 *
 * A refresh through the engine starts the CLI's update machinery, the language host and a
 * provider process before the first read (about 2 s on the lab); this reads in well under
 * one. Only Pulumi's Node.js dynamic resources can be read this way: a stack holding any
 * other resource (the AWS edge) is left to the engine (undefined).
 */
import { execFile } from "child_process";
import type { DockerConnection } from "../../provider/docker/connection";
import { engineBinDir, engineEnv, REPO } from "./workspace";
import { SECRET_SIG, Step, visible } from "./steps";

const DYNAMIC = "pulumi-nodejs:dynamic/";
/** Resources a refresh reads nothing for. */
const SILENT = new Set(["pulumi:pulumi:Stack", "pulumi:providers:pulumi-nodejs"]);

interface StateResource {
  urn: string;
  type: string;
  id?: string;
  outputs?: Record<string, unknown>;
}

interface Provider {
  read?(id: string, props: Record<string, unknown>): Promise<{ id?: string; props?: unknown }>;
}

/** What the state says, and what `pulumi stack export` printed when it could not tell. */
export type ExportResult =
  { ok: true; resources: StateResource[] } | { ok: false; noSuchStack: boolean; stderr: string };

export function exportState(stackName: string): Promise<ExportResult> {
  return new Promise((resolve) => {
    execFile(
      `${engineBinDir()}/pulumi`,
      ["stack", "export", "--stack", stackName, "--show-secrets", "--non-interactive"],
      {
        cwd: REPO,
        env: { ...process.env, ...engineEnv(stackName) },
        maxBuffer: 256 * 1024 * 1024,
      },
      (err, stdout, stderr) => {
        if (err) {
          resolve({ ok: false, noSuchStack: /no stack named/i.test(stderr), stderr });
          return;
        }
        const state = JSON.parse(stdout) as { deployment?: { resources?: StateResource[] } };
        resolve({ ok: true, resources: state.deployment?.resources ?? [] });
      },
    );
  });
}

/** The value with secrets decrypted, as the engine hands state to a provider's read. */
function plain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === "object") {
    const v = value as Record<string, unknown>;
    if (SECRET_SIG in v) return typeof v.plaintext === "string" ? JSON.parse(v.plaintext) : v;
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  }
  return value;
}

/**
 * `after` with every value secret in `before` (at the same path) still marked secret, as
 * refresh keeps it: the read value stands behind `before`'s marker, which the report masks.
 */
function keepSecret(before: unknown, after: unknown): unknown {
  if (before && typeof before === "object" && SECRET_SIG in (before as object))
    return after === undefined ? undefined : before;
  if (Array.isArray(before) && Array.isArray(after))
    return after.map((x, i) => keepSecret(before[i], x));
  if (before && after && typeof before === "object" && typeof after === "object") {
    const b = before as Record<string, unknown>;
    return Object.fromEntries(
      Object.entries(after as Record<string, unknown>).map(([k, x]) => [k, keepSecret(b[k], x)]),
    );
  }
  return after;
}

/** The connection the state's resources were deployed with (drift without a stack-file one). */
export function connectionsOf(resources: StateResource[]): Array<DockerConnection | undefined> {
  return resources.map((r) => plain(r.outputs?.connection) as DockerConnection | undefined);
}

/** The state's resources this path can read, or undefined when one needs the engine. */
export function readable(resources: StateResource[]): StateResource[] | undefined {
  const other = resources.filter((r) => !SILENT.has(r.type) && !r.type.startsWith(DYNAMIC));
  if (other.length) return undefined;
  return resources.filter((r) => r.type.startsWith(DYNAMIC));
}

/**
 * Reads each resource with the provider closure in its state and returns one step per
 * resource, as `stepsOf(events, "outputs")` does for a refresh.
 */
export async function readSteps(
  resources: StateResource[],
  progress: (line: string) => void,
): Promise<Step[]> {
  const requireFromString = require("require-from-string") as (
    code: string,
    filename?: string,
  ) => { handler(): Provider };
  const providers = new Map<string, Provider>();
  const providerOf = (text: string): Provider => {
    let p = providers.get(text);
    if (!p) {
      // Resolved from the project, as the engine's dynamic provider (started there) resolves it.
      p = requireFromString(text, `${REPO}/__provider.js`).handler();
      providers.set(text, p);
    }
    return p;
  };
  return Promise.all(
    resources.map(async (r): Promise<Step> => {
      const type = r.type.slice(DYNAMIC.length);
      const name = r.urn.split("::").pop() ?? r.urn;
      progress(`checking ${type} ${name}`);
      const olds = (plain(r.outputs ?? {}) ?? {}) as Record<string, unknown>;
      const provider = providerOf(String(olds.__provider));
      const read = provider.read
        ? await provider.read(r.id ?? "", olds)
        : { id: r.id, props: olds };
      const after = read.id
        ? (keepSecret(r.outputs, read.props ?? {}) as Record<string, unknown>)
        : undefined;
      return {
        op: read.id ? "same" : "delete",
        urn: r.urn,
        type: r.type,
        name,
        before: visible(r.outputs),
        after: visible(after),
        diffs: [],
        replaces: [],
      };
    }),
  );
}
