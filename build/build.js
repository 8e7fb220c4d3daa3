/**
 * Compiles provider/, stacks/ and scripts/ into .build/ (JavaScript with source maps), saves
 * the serialized closure of every dynamic provider (provider/util/dynamicResource.ts), and
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

/** Each provider exported by PROVIDER_MODULES, serialized as pulumi.dynamic.Resource would. */
async function saveClosures() {
  const buildDir = path.join(REPO, BUILD_DIR);
  const { PROVIDER_MODULES, closureFile, isDynamicProvider } = require(
    path.join(buildDir, "provider/util/dynamicResource.js"),
  );
  const { serializeFunction } = require("@pulumi/pulumi/runtime/closure/serializeClosure");
  for (const module of PROVIDER_MODULES) {
    for (const [name, provider] of Object.entries(require(path.join(buildDir, `${module}.js`)))) {
      if (!isDynamicProvider(provider)) continue;
      const closure = await serializeFunction(() => provider, { allowSecrets: true });
      // A closure holding a secret is never written to disk: such a resource serializes per run.
      if (closure.containsSecrets) continue;
      const file = closureFile(buildDir, module, name);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, closure.text);
    }
  }
}

saveClosures().then(
  () => fs.writeFileSync(stampPath(), `${hash}\n`),
  (err) => {
    console.error(`build: serializing the dynamic providers failed: ${err.stack ?? err}`);
    process.exit(1);
  },
);
