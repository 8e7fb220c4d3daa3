/**
 * The engine's dynamic-provider plugin, started without loading the Pulumi SDK's runtime index.
 *
 * @pulumi/pulumi's `cmd/dynamic-provider` requires `../../runtime` for one value, the gRPC
 * channel options (runtime/settings.js). That index also loads the Automation API, npm's
 * arborist, sigstore and the TypeScript compiler: about 580 modules, most of the process's
 * start (measured: 0.99 s to the argument check against 0.28 s without them, with the suite
 * beside it). The engine starts the plugin twice per `preview` (refresh, then the plan) and per
 * `up`. So this entry puts a stand-in for the index in Node's module cache: it answers
 * `grpcChannelOptions` from settings.js and loads the real index on first use of anything
 * else, so an SDK that needs more from it still gets all of it, only later.
 *
 * Started by build/pulumi-resource-pulumi-nodejs (scripts/engine.sh installs it beside the CLI),
 * with the project's own SDK.
 */
"use strict";
const Module = require("module");
const path = require("path");

const sdk = path.dirname(require.resolve("@pulumi/pulumi/package.json", { paths: [__dirname] }));
const runtimeIndex = path.join(sdk, "runtime", "index.js");
const settings = require(path.join(sdk, "runtime", "settings.js"));

let real;
function runtime() {
  if (!real) {
    delete require.cache[runtimeIndex];
    real = require(runtimeIndex);
  }
  return real;
}

const standIn = new Module(runtimeIndex, module);
standIn.filename = runtimeIndex;
standIn.loaded = true;
standIn.exports = new Proxy(
  {},
  {
    get: (_, key) => (key === "grpcChannelOptions" ? settings.grpcChannelOptions : runtime()[key]),
    has: (_, key) => key in runtime(),
    ownKeys: () => Reflect.ownKeys(runtime()),
    getOwnPropertyDescriptor: (_, key) => {
      const d = Object.getOwnPropertyDescriptor(runtime(), key);
      return d && { ...d, configurable: true };
    },
  },
);
require.cache[runtimeIndex] = standIn;

// Seen from inside, the process is the SDK's entry, as the SDK's own launcher starts it (the
// providers' engine logging recognises the provider process by it, provider/util/engineLog.ts).
const entry = path.join(sdk, "cmd", "dynamic-provider", "index.js");
process.argv[1] = entry;
require(entry);
