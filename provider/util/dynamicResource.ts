/**
 * A dynamic resource whose provider may come serialized by the build.
 *
 * `pulumi.dynamic.Resource` serializes its provider's closure on every program run, and Pulumi
 * parses each function of it with the TypeScript compiler: with loading the compiler, about
 * 0.4 s of every preview and, twice, of every up. The provider code is the same on every run
 * of one build, so `build/build.js` serializes, once and with the same
 * `runtime.serializeFunction` call, each provider exported by a module that defines a subclass
 * of this class, into `.build/closures/` with a manifest of them. A resource of the built
 * program whose provider object is one of those exports sends that text; any other (the program
 * running from sources through ts-node, a test) serializes as `pulumi.dynamic.Resource` does.
 * The engine receives the same `__provider` either way.
 */
import * as fs from "fs";
import * as path from "path";
import type * as pulumi from "@pulumi/pulumi";
// Pulumi's modules one by one: its index loads the closure serializer and the TypeScript
// compiler, which only a resource without a saved closure needs.
import { CustomResource } from "@pulumi/pulumi/resource";
import { output, secret } from "@pulumi/pulumi/output";

/** Where the build keeps the serialized provider exported as `name` by `module`. */
export function closureFile(buildDir: string, module: string, name: string): string {
  return path.join(buildDir, "closures", `${module}.${name}.js`);
}

/** A provider object: what `pulumi.dynamic.Resource` accepts. */
export function isDynamicProvider(value: unknown): value is pulumi.dynamic.ResourceProvider {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as pulumi.dynamic.ResourceProvider).create === "function"
  );
}

/** The build's manifest: each module defining a resource, and its providers with a saved closure. */
export function manifestFile(buildDir: string): string {
  return path.join(buildDir, "closures", "index.json");
}

/** What the build in `buildDir` saved, by module; nothing when it saved no manifest. */
export function savedProviders(buildDir: string): Record<string, string[]> {
  try {
    return JSON.parse(fs.readFileSync(manifestFile(buildDir), "utf8")) as Record<string, string[]>;
  } catch {
    return {};
  }
}

/** The build this module runs from (`.build/provider/util/`); none when run from its source. */
const BUILD_ROOT = __filename.endsWith(".js") ? path.resolve(__dirname, "../..") : undefined;
let saved: Record<string, string[]> | undefined;

/** The build's serialization of `provider`, found by the built module that exports it. */
function savedClosure(provider: pulumi.dynamic.ResourceProvider): string | undefined {
  if (!BUILD_ROOT) return undefined;
  saved ??= savedProviders(BUILD_ROOT);
  for (const [module, names] of Object.entries(saved)) {
    // Only a module already loaded can have handed over `provider`: none is loaded to look.
    const exports = require.cache[path.join(BUILD_ROOT, `${module}.js`)]?.exports;
    const name = names.find((n) => exports?.[n] === provider);
    if (name === undefined) continue;
    try {
      return fs.readFileSync(closureFile(BUILD_ROOT, module, name), "utf8");
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** What `pulumi.dynamic.Resource` sends: the closure's text, secret if it captured one. */
function serialized(provider: pulumi.dynamic.ResourceProvider): pulumi.Output<string> {
  const closure = require("@pulumi/pulumi/runtime/closure/serializeClosure") as {
    serializeFunction: typeof pulumi.runtime.serializeFunction;
  };
  return output(closure.serializeFunction(() => provider, { allowSecrets: true })).apply(
    (sf): pulumi.Output<string> => (sf.containsSecrets ? secret(sf.text) : output(sf.text)),
  );
}

/** `pulumi.dynamic.Resource`, with the provider's closure from the build when there is one. */
export abstract class DynamicResource extends CustomResource {
  constructor(
    provider: pulumi.dynamic.ResourceProvider,
    name: string,
    props: pulumi.Inputs,
    opts: pulumi.CustomResourceOptions | undefined,
    module: string,
    type: string,
  ) {
    if ("__provider" in props) throw new Error("a dynamic resource must not define __provider");
    super(
      `pulumi-nodejs:dynamic/${module}:${type}`,
      name,
      { ...props, __provider: savedClosure(provider) ?? serialized(provider) },
      opts,
    );
  }
}
