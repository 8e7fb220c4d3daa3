import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const prebuilt = require("../../build/prebuilt") as {
  sourceHash(root: string): string;
  buildIsFresh(root: string): boolean;
  stampPath(root: string): string;
};

describe("the ahead-of-time build's stamp (build/prebuilt.js)", () => {
  let root: string;
  const write = (file: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), text);
  };

  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "prebuilt-"));
    write("tsconfig.json", "{}");
    write("tsconfig.build.json", "{}");
    write("provider/swarm/a.ts", "export const a = 1;\n");
    write("stacks/b.ts", "export const b = 2;\n");
    write("scripts/c.ts", "export const c = 3;\n");
    write(".build/sources.sha256", `${prebuilt.sourceHash(root)}\n`);
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it("is fresh for the sources it was built from", () => {
    assert.strictEqual(prebuilt.buildIsFresh(root), true);
  });

  it("is stale after a source is edited, added, renamed or removed, or a tsconfig changes", () => {
    const edits: Array<() => void> = [
      () => write("provider/swarm/a.ts", "export const a = 10;\n"),
      () => write("stacks/new.ts", "export {};\n"),
      () => fs.renameSync(path.join(root, "stacks/b.ts"), path.join(root, "stacks/b2.ts")),
      () => fs.rmSync(path.join(root, "scripts/c.ts")),
      () => write("tsconfig.json", '{"compilerOptions":{"target":"ES2020"}}'),
    ];
    for (const [i, edit] of edits.entries()) {
      const before = prebuilt.sourceHash(root);
      edit();
      assert.strictEqual(prebuilt.buildIsFresh(root), false, `edit ${i}`);
      write(".build/sources.sha256", `${prebuilt.sourceHash(root)}\n`);
      assert.notStrictEqual(prebuilt.sourceHash(root), before, `edit ${i}`);
    }
  });

  it("ignores files the build does not compile, and is stale without a stamp", () => {
    write("README.md", "changed");
    write("stacks/notes.txt", "changed");
    assert.strictEqual(prebuilt.buildIsFresh(root), true);
    fs.rmSync(prebuilt.stampPath(root));
    assert.strictEqual(prebuilt.buildIsFresh(root), false);
  });
});
