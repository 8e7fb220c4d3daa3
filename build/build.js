/**
 * Compiles provider/, stacks/ and scripts/ into .build/ (JavaScript with source maps), saves
 * the serialized closure of every dynamic provider (provider/util/dynamicResource.ts), compiles
 * the Compose schema's validator into its cache (provider/swarm/composeSchema.ts), and
 * stamps the build with the hash of the sources compiled; see build/prebuilt.js. Type
 * checking is the test command's `tsc --noEmit`, so this only transpiles.
 *
 *   node build/build.js [--if-stale]
 */
"use strict";
const { execFileSync } = require("child_process");
const fs = require("fs");
const path = require("path");
const { REPO, BUILD_DIR, stampPath, sourceHash, buildIsFresh } = require("./prebuilt");

if (process.argv.includes("--if-stale") && buildIsFresh()) process.exit(0);
// Hashed before compiling: an edit made while tsc runs leaves the stamp stale, not wrong.
const hash = sourceHash();
fs.rmSync(path.join(REPO, BUILD_DIR), { recursive: true, force: true });
execFileSync(
  process.execPath,
  [require.resolve("typescript/bin/tsc"), "-p", path.join(REPO, "tsconfig.build.json")],
  { cwd: REPO, stdio: "inherit" },
);

/**
 * The built modules of provider/ that export a subclass of `DynamicResource`, found rather than
 * listed. Only a module that requires the base can extend it: the others are not loaded (the
 * AWS edge's would load @pulumi/aws, seconds).
 */
function resourceModules(buildDir, DynamicResource) {
  return fs
    .readdirSync(path.join(buildDir, "provider"), { recursive: true })
    .filter((f) => f.endsWith(".js"))
    .map((f) => `provider/${f.slice(0, -".js".length).split(path.sep).join("/")}`)
    .sort()
    .filter((module) => {
      const file = path.join(buildDir, `${module}.js`);
      if (!/require\("[^"]*\/dynamicResource"\)/.test(fs.readFileSync(file, "utf8"))) return false;
      return Object.values(require(file)).some(
        (v) => typeof v === "function" && v.prototype instanceof DynamicResource,
      );
    });
}

/** Each provider those modules export, serialized as pulumi.dynamic.Resource would. */
async function saveClosures() {
  const buildDir = path.join(REPO, BUILD_DIR);
  const { DynamicResource, closureFile, isDynamicProvider, manifestFile } = require(
    path.join(buildDir, "provider/util/dynamicResource.js"),
  );
  const { serializeFunction } = require("@pulumi/pulumi/runtime/closure/serializeClosure");
  const saved = {};
  for (const module of resourceModules(buildDir, DynamicResource)) {
    saved[module] = [];
    for (const [name, provider] of Object.entries(require(path.join(buildDir, `${module}.js`)))) {
      if (!isDynamicProvider(provider)) continue;
      const closure = await serializeFunction(() => provider, { allowSecrets: true });
      // A closure holding a secret is never written to disk: such a resource serializes per run.
      if (closure.containsSecrets) continue;
      const file = closureFile(buildDir, module, name);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, closure.text);
      saved[module].push(name);
    }
  }
  fs.mkdirSync(path.dirname(manifestFile(buildDir)), { recursive: true });
  fs.writeFileSync(manifestFile(buildDir), `${JSON.stringify(saved, null, 2)}\n`);
}

// The Compose schema's validator, compiled now into its cache (provider/swarm/composeSchema.ts)
// so that no preview pays for it.
function warmComposeValidator() {
  require(path.join(REPO, BUILD_DIR, "provider/swarm/composeSchema.js")).composeValidator();
}

saveClosures().then(
  () => {
    warmComposeValidator();
    fs.writeFileSync(stampPath(), `${hash}\n`);
  },
  (err) => {
    console.error(`build: serializing the dynamic providers failed: ${err.stack ?? err}`);
    process.exit(1);
  },
);
