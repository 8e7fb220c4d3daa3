/**
 * Writing the merged config section by section (provider/interlock/sectionPatch.ts): the
 * result reads back as the merged config, other sections are copied byte for byte, and what
 * does not split into sections falls back to patching the whole document.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { patchBySection } from "../../provider/interlock/sectionPatch";
import type { CoreConfig, ExtensionSection } from "../../provider/interlock/schema";
import { parseCoreConfig, stringifyCoreConfig } from "../../provider/interlock/toml";
import { deepClone, deepEqual } from "../../provider/util/canonical";

const text = (name: string) => fs.readFileSync(path.join(__dirname, "../fixtures", name), "utf8");
const HAND = text("hand-written.toml");
const UCP = text("ucp-default.toml");
const toml = () => require("@decimalturn/toml-patch");

/** The blog's change: dev, test and prod from the default section, which goes. */
function blogChange(live: CoreConfig): CoreConfig {
  const merged = deepClone(live);
  const extensions = merged.Extensions!;
  for (const [env, port] of [
    ["dev", 8082],
    ["test", 8081],
    ["prod", 8080],
  ] as const) {
    extensions[env] = {
      ...deepClone(extensions.default),
      ServiceName: `ucp-interlock-extension-${env}`,
      ProxyServiceName: `ucp-interlock-proxy-${env}`,
      PublishedPort: port,
    } as ExtensionSection;
  }
  delete extensions.default;
  return merged;
}

/** patchBySection on its own: undefined when it leaves the write to the whole-document patch. */
function bySection(live: string, merged: CoreConfig): string | undefined {
  const read = (text: string) => parseCoreConfig(text, "out");
  const format = toml().TomlFormat.autoDetectFormat(live);
  return patchBySection(toml(), read, parseCoreConfig(live, "live"), live, merged, format);
}

function write(live: string, change: (c: CoreConfig) => CoreConfig) {
  const merged = change(parseCoreConfig(live, "live"));
  const out = stringifyCoreConfig(merged, live);
  assert.ok(deepEqual(parseCoreConfig(out, "out"), merged), out);
  return { out, merged };
}

describe("writing the merged config section by section", () => {
  it("UCP's default config: the three sections added, the template removed, the rest kept", () => {
    const { out } = write(UCP, blogChange);
    assert.ok(out.startsWith(UCP.slice(0, UCP.indexOf("[Extensions]"))), out);
    assert.doesNotMatch(out, /\[Extensions\.default/);
  });

  it("a section changed in place keeps its place and every line that did not change", () => {
    const live = stringifyCoreConfig(blogChange(parseCoreConfig(UCP, "live")), UCP);
    const { out } = write(live, (c) => {
      c.Extensions!.test.PublishedPort = 9081;
      return c;
    });
    const diff = live.split("\n").filter((l, i) => out.split("\n")[i] !== l);
    assert.deepStrictEqual(
      diff.map((l) => l.trim()),
      ["PublishedPort = 8081"],
    );
  });

  it("another team's section, and the comment heading it, survive removing the section above it", () => {
    const team =
      '# Team Blue\'s cluster: ask #blue before changing\n[Extensions.blue]\n  Image = "x"\n  PublishedPort = 9000\n';
    const live = UCP.replace(/\n$/, "") + "\n" + team;
    const { out } = write(live, blogChange);
    assert.ok(out.includes(team), out);
  });

  it("CRLF line endings stay CRLF, foreign sections byte for byte", () => {
    const crlf = HAND.replace(/\n/g, "\r\n");
    const { out } = write(crlf, blogChange);
    assert.ok(!/[^\r]\n/.test(out), "line endings stay CRLF");
    const legacy = crlf.slice(crlf.indexOf("  [Extensions.legacy-batch]"));
    assert.ok(out.includes(legacy), out);
  });

  it("nothing changed: the live text as it is", () => {
    assert.strictEqual(stringifyCoreConfig(parseCoreConfig(HAND, "live"), HAND), HAND);
  });

  it("falls back to patching the whole document when a changed section is dotted keys or a change is outside Extensions", () => {
    const dotted = '[Extensions]\n  dev.Image = "a"\n[Extensions.blue]\n  Image = "b"\n';
    const merged = parseCoreConfig(dotted, "live");
    merged.Extensions!.dev.Image = "c";
    assert.strictEqual(bySection(dotted, merged), undefined);
    assert.ok(deepEqual(parseCoreConfig(stringifyCoreConfig(merged, dotted), "out"), merged));

    const root = parseCoreConfig(UCP, "live");
    root.PollInterval = "5s";
    assert.strictEqual(bySection(UCP, root), undefined);
    assert.match(stringifyCoreConfig(root, UCP), /^PollInterval = "5s"$/m);
  });

  it("a header-like line inside another team's multi-line string is not taken for a section", () => {
    // The line scan splits at "[Extensions.dev]" inside blue's Notes; the result must
    // still read back as the merged config, so the write falls back rather than cut Notes.
    const live =
      '[Extensions]\n[Extensions.blue]\n  Image = "b"\n  Notes = """\n[Extensions.dev]\n"""\n' +
      '[Extensions.dev]\n  Image = "a"\n';
    const merged = parseCoreConfig(live, "live");
    merged.Extensions!.dev.Image = "c";
    assert.strictEqual(bySection(live, merged), undefined);
    const { out } = write(live, (c) => {
      c.Extensions!.dev.Image = "c";
      return c;
    });
    assert.ok(out.includes('  Notes = """\n[Extensions.dev]\n"""\n'), out);
  });

  it("a section written as an inline table is rewritten as a whole-document patch", () => {
    const live =
      '[Extensions]\n  dev = { Image = "a", PublishedPort = 8082 }\n[Extensions.blue]\n  Image = "b"\n';
    const { out } = write(live, (c) => {
      c.Extensions!.dev.PublishedPort = 9082;
      return c;
    });
    assert.ok(out.includes('[Extensions.blue]\n  Image = "b"\n'), out);
  });

  it("quoted and spaced header keys are sections like bare ones", () => {
    const live =
      '[ Extensions . "dev" ]\n  Image = "a"\n# Team Blue\n[Extensions.\'blue\']  # theirs\n  Image = "b"\n';
    const { out } = write(live, (c) => {
      c.Extensions!.dev.Image = "c";
      return c;
    });
    assert.ok(out.endsWith("# Team Blue\n[Extensions.'blue']  # theirs\n  Image = \"b\"\n"), out);
    assert.match(out, /Image = "c"/);
    const merged = parseCoreConfig(live, "live");
    merged.Extensions!.dev.Image = "c";
    assert.strictEqual(
      bySection(live, merged),
      out,
      "written section by section, not as a whole-document patch",
    );
  });
  for (const [name, blank] of [
    ["LF", "\n".repeat(5000)],
    ["CRLF", "\r\n".repeat(3)],
    ["several runs", "\n\n\n\n    # kept\n\n\n\n"],
  ] as const) {
    it(`blank lines inside the changed section are kept byte for byte (${name})`, () => {
      const nl = name === "CRLF" ? "\r\n" : "\n";
      const base = UCP.replace(/\r?\n/g, nl);
      const live = base.replace(
        `    PublishedPort = 8080${nl}`,
        `    PublishedPort = 8080${nl}${blank}`,
      );
      const { out } = write(live, (c) => {
        c.Extensions!.default.PublishedPort = 9080;
        return c;
      });
      assert.strictEqual(out, live.replace("PublishedPort = 8080", "PublishedPort = 9080"));
    });
  }

  for (const nl of ["\n", "\r\n"]) {
    it(`a changed section over 64 KB is written fresh, section by section (${JSON.stringify(nl)}): the rest byte for byte`, () => {
      const labels = Array.from({ length: 5000 }, (_, i) => `      "team.label-${i}" = "v${i}"`);
      const base = UCP.replace(/\r?\n/g, nl);
      const live =
        base.replace(/(\[Extensions\.default\.Labels\]\r?\n)/, (h) => h + labels.join(nl) + nl) +
        `${nl}  # another team's${nl}  [Extensions.blue]${nl}    ServiceName = "blue"   # kept as written${nl}`;
      const { out, merged } = write(live, (c) => {
        c.Extensions!.default.PublishedPort = 9080;
        return c;
      });
      assert.ok(live.length > 64 * 1024 && out.includes('"team.label-4999" = "v4999"'));
      assert.ok(bySection(live, merged) !== undefined, "not left to the whole-document patch");
      assert.ok(out.startsWith(live.slice(0, live.indexOf("  [Extensions.default]"))));
      assert.ok(
        out.endsWith(
          `  # another team's${nl}  [Extensions.blue]${nl}    ServiceName = "blue"   # kept as written${nl}`,
        ),
        out.slice(-300),
      );
      assert.strictEqual(
        nl === "\r\n"
          ? out.split("\n").every((l, i, a) => i === a.length - 1 || l.endsWith("\r"))
          : !out.includes("\r"),
        true,
      );
    });
  }
});
