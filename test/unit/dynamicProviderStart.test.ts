/**
 * The project's dynamic-provider plugin (build/dynamicProvider.js) serves the engine as the SDK's
 * does, without having loaded the SDK's runtime index (and the TypeScript compiler with it).
 */
import * as assert from "assert";
import { spawn } from "child_process";
import * as path from "path";
import { REPO } from "../../scripts/lib/workspace";

// The engine's side of the call, with the SDK's own gRPC modules (not dependencies of ours).
const sdk = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
const fromSdk = (m: string) => require(require.resolve(m, { paths: [sdk] }));
const grpc = fromSdk("@grpc/grpc-js");
const provrpc = fromSdk("@pulumi/pulumi/proto/provider_grpc_pb");
const emptyproto = fromSdk("google-protobuf/google/protobuf/empty_pb");

/** Starts the plugin as the engine does; resolves with its port and what it had loaded then. */
function startPlugin(): Promise<{
  port: number;
  script: string;
  loaded: string[];
  stop: () => void;
}> {
  // `node -e` has no script in argv: the dummy keeps the engine address at argv[2].
  const probe = `
    process.argv.splice(1, 0, "plugin");
    const log = console.log;
    console.log = (line) => {
      log(line);
      process.stderr.write(JSON.stringify([process.argv[1], ...Object.keys(require.cache)]) + "\\n");
    };
    require(${JSON.stringify(path.join(REPO, "build/dynamicProvider.js"))});`;
  const child = spawn(process.execPath, ["-e", probe, "127.0.0.1:1"], { cwd: REPO });
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => {
      err += d;
      const line = err.split("\n").find((l) => l.startsWith("["));
      if (out.trim() && line) {
        const [script, ...loaded] = JSON.parse(line) as string[];
        resolve({ port: Number(out.trim()), script, loaded, stop: () => child.kill() });
      }
    });
    child.on("exit", (code) => reject(new Error(`plugin exited ${code}: ${err}`)));
  });
}

describe("the dynamic-provider plugin's start", function () {
  this.timeout(30_000);

  it("answers the engine's GetPluginInfo with the SDK's version, the runtime index unloaded", async () => {
    const plugin = await startPlugin();
    try {
      const client = new provrpc.ResourceProviderClient(
        `127.0.0.1:${plugin.port}`,
        grpc.credentials.createInsecure(),
      );
      const version = await new Promise<string>((resolve, reject) =>
        client.getPluginInfo(new emptyproto.Empty(), (e: Error | null, r: any) =>
          e ? reject(e) : resolve(r.getVersion()),
        ),
      );
      client.close();
      assert.strictEqual(version, require("@pulumi/pulumi/package.json").version);
      // As the SDK's launcher starts it: what tells a provider process apart (engineLog.ts).
      assert.strictEqual(plugin.script, path.join(sdk, "cmd", "dynamic-provider", "index.js"));
      const sdkIndex = require.resolve("@pulumi/pulumi");
      assert.ok(!plugin.loaded.includes(sdkIndex), "the SDK's index is not loaded");
      assert.deepStrictEqual(
        plugin.loaded.filter((f) => /node_modules\/(typescript|@npmcli)\//.test(f)),
        [],
      );
    } finally {
      plugin.stop();
    }
  });
});
