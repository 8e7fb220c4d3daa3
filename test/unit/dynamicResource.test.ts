/**
 * The build serializes each dynamic provider once (build/build.js); a resource of the built
 * program sends that text as its `__provider` (provider/util/dynamicResource.ts). The engine
 * runs whatever text it receives, so the text must be exactly what Pulumi serializes from the
 * provider the resource was given.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { installMocks, resetRegistrations, settled } from "../support/mocks";
import {
  closureFile,
  DynamicResource,
  isDynamicProvider,
  savedProviders,
} from "../../provider/util/dynamicResource";

const REPO = path.join(__dirname, "../..");
const BUILD = path.join(REPO, ".build");
const built = (module: string) => require(path.join(BUILD, `${module}.js`));
/** The modules the build found defining a resource (none without a build: the last test fails). */
const BUILT_MODULES = Object.keys(savedProviders(BUILD));

async function serializedNow(provider: unknown): Promise<string> {
  const closure = require("@pulumi/pulumi/runtime/closure/serializeClosure");
  return (await closure.serializeFunction(() => provider, { allowSecrets: true })).text;
}

/** Registers one resource of `Class` under the mocks and returns the `__provider` it sent. */
async function sentClosure(Class: new (...args: any[]) => unknown): Promise<string> {
  resetRegistrations();
  new Class("r", {});
  const [registration] = (await settled()).filter((r) => r.type.startsWith("pulumi-nodejs:"));
  return registration.inputs.__provider as string;
}

describe("dynamic providers serialized by the build", function () {
  this.timeout(60000);
  before(() => installMocks({}, "dev"));

  for (const module of BUILT_MODULES) {
    it(`${module}: its resource sends the build's closure, which is Pulumi's serialization of its provider`, async () => {
      const exports = built(module);
      const { DynamicResource: Built } = built("provider/util/dynamicResource");
      const classes = Object.values(exports).filter(
        (v): v is new (...args: any[]) => unknown =>
          typeof v === "function" && v.prototype instanceof Built,
      );
      assert.strictEqual(classes.length, 1, `one resource class in ${module}`);
      const sent = await sentClosure(classes[0]);
      const providers = Object.entries(exports).filter(([, v]) => isDynamicProvider(v));
      const match = providers.find(
        ([name]) => fs.readFileSync(closureFile(BUILD, module, name), "utf8") === sent,
      );
      assert.ok(match, `the resource sent one of ${module}'s saved closures`);
      assert.strictEqual(sent, await serializedNow(match[1]));
    });
  }

  const bases: Array<[string, () => typeof DynamicResource]> = [
    ["sources", () => DynamicResource],
    ["build", () => built("provider/util/dynamicResource").DynamicResource],
  ];
  for (const [from, base] of bases) {
    it(`a provider no built module exports is serialized as pulumi.dynamic.Resource does (the base from the ${from})`, async () => {
      const provider = { create: async () => ({ id: "inline", outs: {} }) };
      class Inline extends base() {
        constructor(name: string, props: Record<string, unknown>) {
          super(provider, name, props, undefined, "test", "Inline");
        }
      }
      assert.strictEqual(await sentClosure(Inline), await serializedNow(provider));
    });
  }

  it("the build finds every module of provider/ that defines a resource class", () => {
    const sources = fs
      .readdirSync(path.join(REPO, "provider"), { recursive: true })
      .map(String)
      .filter((f) => f.endsWith(".ts"));
    const withResources = sources
      .filter((f) =>
        /extends DynamicResource\b/.test(fs.readFileSync(path.join(REPO, "provider", f), "utf8")),
      )
      .map((f) => `provider/${f.replace(/\.ts$/, "").split(path.sep).join("/")}`)
      .sort();
    assert.deepStrictEqual(withResources, [...BUILT_MODULES].sort());
  });
});
