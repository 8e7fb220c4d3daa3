/**
 * Compiles provider/, stacks/ and scripts/ into .build/ (JavaScript with source maps) and
 * stamps it with the hash of the sources compiled; see scripts/prebuilt.js. Type checking is
 * the test command's `tsc --noEmit`, so this only transpiles.
 *
 *   node scripts/build.js [--if-stale]
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
fs.writeFileSync(stampPath(), `${hash}\n`);
