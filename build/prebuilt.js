/**
 * The project's TypeScript, run from its ahead-of-time build when that build is of the sources
 * on disk, through ts-node otherwise.
 *
 * `build/build.js` (run by set-up) compiles provider/, stacks/ and scripts/ into .build/ and
 * stamps it with a hash of the sources it compiled. Loading compiled JavaScript saves the
 * TypeScript compiler's load and transpile (about 0.8 s per program run, and `pulumi up` runs
 * the program twice). A source edited since the build makes the stamp stale, and the edit then
 * runs as written through ts-node, only slower, so a build never hides a change.
 *
 *   node build/prebuilt.js scripts/stack [args...]          runs a script as the main module
 *   require("../build/prebuilt").resolve("stacks/index")    the file to require
 *
 * The program (stacks/main.js) and the commands (scripts/) both start through it: it belongs to
 * neither.
 */
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");

const REPO = path.resolve(__dirname, "..");
const BUILD_DIR = ".build";
const STAMP = "sources.sha256";
const SOURCE_DIRS = ["provider", "stacks", "scripts"];
const CONFIGS = ["tsconfig.json", "tsconfig.build.json"];

function typeScriptFiles(root, dir) {
  return fs
    .readdirSync(path.join(root, dir), { recursive: true })
    .filter((f) => f.endsWith(".ts"))
    .map((f) => path.join(dir, f))
    .sort();
}

/** A hash of every file the build compiles, names and contents (a few ms for the project). */
function sourceHash(root = REPO) {
  const hash = crypto.createHash("sha256");
  for (const file of [...CONFIGS, ...SOURCE_DIRS.flatMap((dir) => typeScriptFiles(root, dir))]) {
    hash
      .update(`${file}\0`)
      .update(fs.readFileSync(path.join(root, file)))
      .update("\0");
  }
  return hash.digest("hex");
}

function stampPath(root = REPO) {
  return path.join(root, BUILD_DIR, STAMP);
}

function buildIsFresh(root = REPO) {
  try {
    return fs.readFileSync(stampPath(root), "utf8").trim() === sourceHash(root);
  } catch {
    return false;
  }
}

/** `entry` is a path under the repository without extension, e.g. "stacks/index". */
function resolve(entry) {
  if (buildIsFresh()) return path.join(REPO, BUILD_DIR, `${entry}.js`);
  require("ts-node").register({ transpileOnly: true, project: path.join(REPO, "tsconfig.json") });
  return path.join(REPO, `${entry}.ts`);
}

module.exports = { REPO, BUILD_DIR, stampPath, sourceHash, buildIsFresh, resolve };

if (require.main === module) {
  const [node, , entry, ...args] = process.argv;
  if (!entry) {
    console.error("usage: node build/prebuilt.js <path without extension> [args...]");
    process.exit(2);
  }
  process.argv = [node, resolve(entry.replace(/\.ts$/, "")), ...args];
  require("module").runMain();
}
