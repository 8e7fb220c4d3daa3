/**
 * The pack's entry (package.json's main): the pack's TypeScript, transpiled once per edit into
 * policy/.build/ and loaded from there.
 *
 * @pulumi/pulumi's cmd/run-policy-pack registers ts-node with type checking for the pack's
 * .ts files, which takes about 5 s of every preview and up. The type check is the project's
 * (npm run typecheck), so here the files are only transpiled, with TypeScript's
 * transpileModule, and only when their hash differs from the stamp of the last transpile: a
 * start from a current stamp loads plain JavaScript. An edit always runs as written.
 */
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");

const OUT = path.join(__dirname, ".build");
const STAMP = path.join(OUT, "sources.sha256");
const sources = fs
  .readdirSync(__dirname)
  .filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))
  .sort();

const hash = crypto.createHash("sha256");
for (const f of sources) hash.update(`${f}\0`).update(fs.readFileSync(path.join(__dirname, f)));
const digest = hash.digest("hex");

function stamped() {
  try {
    return fs.readFileSync(STAMP, "utf8").trim() === digest;
  } catch {
    return false;
  }
}

/** Writes `text` to `file` through a temporary name: a pack starting meanwhile never reads half. */
function writeAtomically(file, text) {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

if (!stamped()) {
  const ts = require("typescript");
  fs.mkdirSync(OUT, { recursive: true });
  for (const f of sources) {
    const { outputText } = ts.transpileModule(fs.readFileSync(path.join(__dirname, f), "utf8"), {
      fileName: path.join(__dirname, f),
      compilerOptions: {
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.CommonJS,
        esModuleInterop: true,
        inlineSourceMap: true,
        inlineSources: true,
      },
    });
    writeAtomically(path.join(OUT, f.replace(/\.ts$/, ".js")), outputText);
  }
  writeAtomically(STAMP, `${digest}\n`);
}

module.exports = require(path.join(OUT, "pack.js"));
