/**
 * Image tags after an MKE upgrade: references cut into their parts (registry ports, digests),
 * the `interlock.images` setting and its messages, the sections it rewrites, and the warning
 * for sections left on the old release.
 */
import * as assert from "assert";
import {
  applyImages,
  imageDriftProblems,
  ImagesSetting,
  parseImagesSetting,
  splitImage,
} from "../../provider/interlock/images";
import { ExtensionSection } from "../../provider/interlock/schema";

const SHA = "sha256:" + "0123456789abcdef".repeat(4);
const KEY = "interlock-ingress:interlock.images";
const ENV_KEY = "interlock-ingress:environments.dev";
const at = (section: string) => `[Extensions.${section}]`;

/** UCP's default section as it is after an upgrade from 3.2.5, plus a config image. */
const oldSection = (): ExtensionSection => ({
  Image: "docker/ucp-interlock-extension:3.2.5",
  ProxyImage: "docker/ucp-interlock-proxy:3.2.5",
  ConfigImage: "docker/ucp-interlock-config:3.2.5",
  ServiceCluster: "dev",
  ProxyReplicas: 2,
  Config: { Version: "1.0", MaxConnections: 1024 },
  Labels: { "com.example.team": "web" },
});

describe("interlock images: splitImage", () => {
  const cases: Array<[string, ReturnType<typeof splitImage>]> = [
    ["docker/ucp-interlock:3.2.5", { repository: "docker/ucp-interlock", tag: "3.2.5" }],
    ["nginx", { repository: "nginx" }],
    ["mirantis/ucp-interlock-proxy", { repository: "mirantis/ucp-interlock-proxy" }],
    [
      "registry.example.com:5000/mirantis/ucp-interlock:3.8.1",
      { repository: "registry.example.com:5000/mirantis/ucp-interlock", tag: "3.8.1" },
    ],
    [
      "registry.example.com:5000/mirantis/ucp-interlock",
      { repository: "registry.example.com:5000/mirantis/ucp-interlock" },
    ],
    [
      `docker/ucp-interlock:3.2.5@${SHA}`,
      { repository: "docker/ucp-interlock", tag: "3.2.5", digest: SHA },
    ],
    [`docker/ucp-interlock@${SHA}`, { repository: "docker/ucp-interlock", digest: SHA }],
    [
      `registry.example.com:5000/mirantis/ucp-interlock@${SHA}`,
      { repository: "registry.example.com:5000/mirantis/ucp-interlock", digest: SHA },
    ],
    [
      `localhost:5000/ucp-interlock:3.8.1-rc.1@${SHA}`,
      { repository: "localhost:5000/ucp-interlock", tag: "3.8.1-rc.1", digest: SHA },
    ],
    ["[::1]:5000/ucp-interlock:3.8.1", { repository: "[::1]:5000/ucp-interlock", tag: "3.8.1" }],
  ];
  for (const [ref, expected] of cases) {
    it(ref, () => assert.deepStrictEqual(splitImage(ref), expected));
  }

  it("gives no empty tag or digest (a trailing colon or @ names nothing)", () => {
    assert.deepStrictEqual(splitImage("docker/ucp-interlock:"), {
      repository: "docker/ucp-interlock",
    });
    assert.deepStrictEqual(splitImage("docker/ucp-interlock:3.2.5@"), {
      repository: "docker/ucp-interlock",
      tag: "3.2.5",
    });
  });
});

describe("interlock images: parseImagesSetting", () => {
  it("reads absent as keep", () => {
    assert.deepStrictEqual(parseImagesSetting(undefined), { value: "keep", problems: [] });
  });

  for (const word of ["keep", "follow-core"] as const) {
    it(`reads ${word}`, () => {
      assert.deepStrictEqual(parseImagesSetting(word), { value: word, problems: [] });
    });
  }

  it("reads explicit images, with tags, digests and registry ports", () => {
    const raw = {
      extension: "registry.example.com:5000/mirantis/ucp-interlock-extension:3.8.1",
      proxy: `mirantis/ucp-interlock-proxy@${SHA}`,
      config: `mirantis/ucp-interlock-config:3.8.1@${SHA}`,
    };
    assert.deepStrictEqual(parseImagesSetting(raw), { value: raw, problems: [] });
  });

  it("reads one explicit image and leaves the others unset", () => {
    assert.deepStrictEqual(parseImagesSetting({ proxy: "mirantis/ucp-interlock-proxy:3.8.1" }), {
      value: { proxy: "mirantis/ucp-interlock-proxy:3.8.1" },
      problems: [],
    });
  });

  const refused: Array<[string, unknown, string[]]> = [
    [
      "a misspelled word",
      "follow-cor",
      [
        `${KEY}: "follow-cor" is not keep, follow-core or a table {extension, proxy, config} of image references; did you mean follow-core?`,
      ],
    ],
    [
      "a word in the wrong case",
      "Keep",
      [
        `${KEY}: "Keep" is not keep, follow-core or a table {extension, proxy, config} of image references; did you mean keep?`,
      ],
    ],
    [
      "a word nowhere near",
      "latest",
      [
        `${KEY}: "latest" is not keep, follow-core or a table {extension, proxy, config} of image references`,
      ],
    ],
    [
      "a list",
      ["mirantis/ucp-interlock-proxy:3.8.1"],
      [
        `${KEY}: expected keep, follow-core or a table {extension, proxy, config} of image references, got ["mirantis/ucp-interlock-proxy:3.8.1"]; ` +
          "e.g. follow-core, or {proxy: mirantis/ucp-interlock-proxy:3.8.1}",
      ],
    ],
    [
      "a boolean",
      true,
      [
        `${KEY}: expected keep, follow-core or a table {extension, proxy, config} of image references, got true; ` +
          "e.g. follow-core, or {proxy: mirantis/ucp-interlock-proxy:3.8.1}",
      ],
    ],
    [
      "null",
      null,
      [
        `${KEY}: expected keep, follow-core or a table {extension, proxy, config} of image references, got null; ` +
          "e.g. follow-core, or {proxy: mirantis/ucp-interlock-proxy:3.8.1}",
      ],
    ],
    [
      "an empty table",
      {},
      [`${KEY}: the table names no image; give extension, proxy, config or write keep`],
    ],
    [
      "a misspelled sub-key",
      { proxi: "mirantis/ucp-interlock-proxy:3.8.1" },
      [`${KEY}.proxi: unknown key; did you mean proxy? (known: extension, proxy, config)`],
    ],
    [
      "Interlock's own key name as a sub-key",
      { ProxyImage: "mirantis/ucp-interlock-proxy:3.8.1" },
      [`${KEY}.ProxyImage: unknown key; did you mean proxy? (known: extension, proxy, config)`],
    ],
    [
      "Image as a sub-key",
      { image: "mirantis/ucp-interlock-extension:3.8.1" },
      [`${KEY}.image: unknown key; did you mean extension? (known: extension, proxy, config)`],
    ],
    [
      "a sub-key nowhere near",
      { registry: "registry.example.com:5000" },
      [`${KEY}.registry: unknown key (known: extension, proxy, config)`],
    ],
    [
      "a bare name (Swarm would run whatever latest is)",
      { proxy: "mirantis/ucp-interlock-proxy" },
      [
        `${KEY}.proxy: "mirantis/ucp-interlock-proxy" has no tag or digest, so Swarm runs whatever :latest is when a task starts; ` +
          "a tag pins what Swarm runs: write e.g. mirantis/ucp-interlock-proxy:3.8.1",
      ],
    ],
    [
      "a bare name behind a registry port",
      { extension: "registry.example.com:5000/mirantis/ucp-interlock-extension" },
      [
        `${KEY}.extension: "registry.example.com:5000/mirantis/ucp-interlock-extension" has no tag or digest, so Swarm runs whatever :latest is when a task starts; ` +
          "a tag pins what Swarm runs: write e.g. registry.example.com:5000/mirantis/ucp-interlock-extension:3.8.1",
      ],
    ],
    [
      "a tag alone",
      { config: "3.8.1" },
      [
        `${KEY}.config: "3.8.1" is a tag alone; give the whole reference, e.g. mirantis/ucp-interlock-config:3.8.1`,
      ],
    ],
    [
      "a number (YAML reads proxy: 3.8 as one)",
      { proxy: 3.8 },
      [
        `${KEY}.proxy: expected an image reference such as mirantis/ucp-interlock-proxy:3.8.1, got 3.8`,
      ],
    ],
    [
      "an upper-case repository",
      { proxy: "mirantis/UCP-Interlock-Proxy:3.8.1" },
      [
        `${KEY}.proxy: "mirantis/UCP-Interlock-Proxy:3.8.1" is not a Docker image reference ` +
          "([registry[:port]/]repository[:tag][@digest], repository in lower case); write e.g. mirantis/ucp-interlock-proxy:3.8.1",
      ],
    ],
    [
      "a space in the reference",
      { extension: "mirantis/ucp-interlock-extension: 3.8.1" },
      [
        `${KEY}.extension: "mirantis/ucp-interlock-extension: 3.8.1" is not a Docker image reference ` +
          "([registry[:port]/]repository[:tag][@digest], repository in lower case); write e.g. mirantis/ucp-interlock-extension:3.8.1",
      ],
    ],
    [
      "a short digest",
      { proxy: "mirantis/ucp-interlock-proxy@sha256:abc" },
      [
        `${KEY}.proxy: "mirantis/ucp-interlock-proxy@sha256:abc" is not a Docker image reference ` +
          "([registry[:port]/]repository[:tag][@digest], repository in lower case); write e.g. mirantis/ucp-interlock-proxy:3.8.1",
      ],
    ],
    [
      "an empty tag",
      { proxy: "mirantis/ucp-interlock-proxy:" },
      [
        `${KEY}.proxy: "mirantis/ucp-interlock-proxy:" is not a Docker image reference ` +
          "([registry[:port]/]repository[:tag][@digest], repository in lower case); write e.g. mirantis/ucp-interlock-proxy:3.8.1",
      ],
    ],
    [
      "a name over 255 characters",
      { proxy: `mirantis/${"a".repeat(250)}:3.8.1` },
      [
        `${KEY}.proxy: "mirantis/${"a".repeat(250)}:3.8.1" is not a Docker image reference ` +
          "([registry[:port]/]repository[:tag][@digest], repository in lower case); write e.g. mirantis/ucp-interlock-proxy:3.8.1",
      ],
    ],
    [
      "every problem of a table at once",
      { proxi: "x:1", extension: "mirantis/ucp-interlock-extension", config: 1 },
      [
        `${KEY}.proxi: unknown key; did you mean proxy? (known: extension, proxy, config)`,
        `${KEY}.extension: "mirantis/ucp-interlock-extension" has no tag or digest, so Swarm runs whatever :latest is when a task starts; ` +
          "a tag pins what Swarm runs: write e.g. mirantis/ucp-interlock-extension:3.8.1",
        `${KEY}.config: expected an image reference such as mirantis/ucp-interlock-config:3.8.1, got 1`,
      ],
    ],
  ];
  for (const [what, raw, problems] of refused) {
    it(`refuses ${what}, and changes no image`, () => {
      assert.deepStrictEqual(parseImagesSetting(raw), { value: "keep", problems });
    });
  }

  it("keeps no valid part of a table that has a problem", () => {
    const r = parseImagesSetting({
      extension: "mirantis/ucp-interlock-extension:3.8.1",
      proxy: "mirantis/ucp-interlock-proxy",
    });
    assert.strictEqual(r.value, "keep");
    assert.strictEqual(r.problems.length, 1);
  });

  it("reads a table with a null prototype, as TOML and YAML parsers may give", () => {
    const raw = Object.assign(Object.create(null), { proxy: "mirantis/ucp-interlock-proxy:3.8.1" });
    assert.deepStrictEqual(parseImagesSetting(raw).value, {
      proxy: "mirantis/ucp-interlock-proxy:3.8.1",
    });
  });
});

describe("interlock images: applyImages", () => {
  const CORE = "mirantis/ucp-interlock:3.8.1";

  it("keep: the section unchanged, as a new object", () => {
    const section = oldSection();
    const r = applyImages(section, "keep", CORE, ENV_KEY);
    assert.deepStrictEqual(r, { section: oldSection(), problems: [] });
    assert.notStrictEqual(r.section, section);
  });

  it("follow-core: every image takes the core's tag and keeps its repository", () => {
    const r = applyImages(oldSection(), "follow-core", CORE, ENV_KEY);
    assert.deepStrictEqual(r, {
      section: {
        ...oldSection(),
        Image: "docker/ucp-interlock-extension:3.8.1",
        ProxyImage: "docker/ucp-interlock-proxy:3.8.1",
        ConfigImage: "docker/ucp-interlock-config:3.8.1",
      },
      problems: [],
    });
  });

  it("follow-core: drops digests (they pin the old release) and keeps registry ports", () => {
    const section: ExtensionSection = {
      Image: `registry.example.com:5000/mirantis/ucp-interlock-extension:3.7.1@${SHA}`,
      ProxyImage: `registry.example.com:5000/mirantis/ucp-interlock-proxy@${SHA}`,
    };
    const r = applyImages(section, "follow-core", `mirantis/ucp-interlock:3.8.1@${SHA}`, ENV_KEY);
    assert.deepStrictEqual(r, {
      section: {
        Image: "registry.example.com:5000/mirantis/ucp-interlock-extension:3.8.1",
        ProxyImage: "registry.example.com:5000/mirantis/ucp-interlock-proxy:3.8.1",
      },
      problems: [],
    });
  });

  it("follow-core: adds no image key the section does not have", () => {
    const section: ExtensionSection = { ProxyImage: "docker/ucp-interlock-proxy:3.2.5" };
    const r = applyImages(section, "follow-core", CORE, ENV_KEY);
    assert.deepStrictEqual(r.section, { ProxyImage: "docker/ucp-interlock-proxy:3.8.1" });
  });

  it("follow-core: rewrites a key in the spelling the section has it (Interlock ignores case)", () => {
    const section: ExtensionSection = { proxyimage: "docker/ucp-interlock-proxy:3.2.5" };
    const r = applyImages(section, "follow-core", CORE, ENV_KEY);
    assert.deepStrictEqual(r.section, { proxyimage: "docker/ucp-interlock-proxy:3.8.1" });
  });

  it("follow-core: leaves values that are no image reference for the type checks to report", () => {
    const section = { Image: 42, ProxyImage: "" } as unknown as ExtensionSection;
    const r = applyImages(section, "follow-core", CORE, ENV_KEY);
    assert.deepStrictEqual(r, { section: { Image: 42, ProxyImage: "" }, problems: [] });
  });

  it("follow-core: an error naming the setting when the core's image is unknown", () => {
    const r = applyImages(oldSection(), "follow-core", undefined, ENV_KEY);
    assert.deepStrictEqual(r, {
      section: oldSection(),
      problems: [
        {
          severity: "error",
          message:
            `${KEY}: follow-core cannot choose the images of ${ENV_KEY}: the image of the ucp-interlock service could not be read; ` +
            `set ${KEY} to explicit tags, e.g. {extension: mirantis/ucp-interlock-extension:3.8.1, proxy: mirantis/ucp-interlock-proxy:3.8.1}, or to keep`,
        },
      ],
    });
  });

  it("follow-core: an error naming the setting when the core runs a digest alone", () => {
    const core = `mirantis/ucp-interlock@${SHA}`;
    const r = applyImages(oldSection(), "follow-core", core, ENV_KEY);
    assert.deepStrictEqual(r, {
      section: oldSection(),
      problems: [
        {
          severity: "error",
          message:
            `${KEY}: follow-core cannot choose the images of ${ENV_KEY}: ucp-interlock runs ${core}, which has no tag ` +
            "(a digest names that one image, not the release of the extension and proxy images); " +
            `set ${KEY} to explicit tags, e.g. {extension: mirantis/ucp-interlock-extension:3.8.1, proxy: mirantis/ucp-interlock-proxy:3.8.1}, or to keep`,
        },
      ],
    });
  });

  it("explicit: sets the given keys, adds a missing one, leaves the others", () => {
    const section = oldSection();
    delete section.ConfigImage;
    const setting: ImagesSetting = {
      proxy: "registry.example.com:5000/mirantis/ucp-interlock-proxy:3.8.1",
      config: `mirantis/ucp-interlock-config@${SHA}`,
    };
    const r = applyImages(section, setting, undefined, ENV_KEY);
    assert.deepStrictEqual(r, {
      section: {
        ...section,
        ProxyImage: "registry.example.com:5000/mirantis/ucp-interlock-proxy:3.8.1",
        ConfigImage: `mirantis/ucp-interlock-config@${SHA}`,
      },
      problems: [],
    });
    assert.strictEqual(r.section.Image, "docker/ucp-interlock-extension:3.2.5");
  });

  it("explicit: replaces a key in the spelling the section has, never adding a second one", () => {
    const section: ExtensionSection = { image: "docker/ucp-interlock-extension:3.2.5" };
    const r = applyImages(
      section,
      { extension: "mirantis/ucp-interlock-extension:3.8.1" },
      CORE,
      ENV_KEY,
    );
    assert.deepStrictEqual(r.section, { image: "mirantis/ucp-interlock-extension:3.8.1" });
  });

  it("changes nothing in the section it was given, not even its sub-tables", () => {
    for (const setting of ["keep", "follow-core", { proxy: "x/proxy:1" }] as ImagesSetting[]) {
      const section = oldSection();
      const r = applyImages(section, setting, CORE, ENV_KEY);
      (r.section.Config as Record<string, unknown>).MaxConnections = 1;
      (r.section.Labels as Record<string, string>)["com.example.team"] = "ops";
      assert.deepStrictEqual(section, oldSection(), JSON.stringify(setting));
    }
  });
});

describe("interlock images: imageDriftProblems", () => {
  const CORE = "docker/ucp-interlock:3.8.0";
  const warn = (message: string) => ({ severity: "warning", message });
  const FIX =
    "(an MKE upgrade does not update a customized Interlock); " +
    `set ${KEY} to follow-core, or to explicit tags, and run pulumi up`;

  it("warns about a section whose proxy is on another release, in the documented words", () => {
    const sections: Record<string, ExtensionSection> = {
      dev: {
        Image: "docker/ucp-interlock-extension:3.8.0",
        ProxyImage: "docker/ucp-interlock-proxy:3.7.1",
      },
    };
    assert.deepStrictEqual(imageDriftProblems(sections, CORE, at), [
      warn(
        "[Extensions.dev].ProxyImage is docker/ucp-interlock-proxy:3.7.1 while ucp-interlock runs docker/ucp-interlock:3.8.0 " +
          FIX,
      ),
    ]);
  });

  it("one warning per section, naming each key behind and only the sections behind", () => {
    const sections: Record<string, ExtensionSection> = {
      dev: oldSection(),
      test: {
        Image: "docker/ucp-interlock-extension:3.8.0",
        ProxyImage: `docker/ucp-interlock-proxy:3.8.0@${SHA}`,
      },
      prod: { Image: "docker/ucp-interlock-extension:3.7.1", ProxyImage: "x/proxy:3.8.0" },
    };
    assert.deepStrictEqual(imageDriftProblems(sections, CORE, at), [
      warn(
        "[Extensions.dev].Image is docker/ucp-interlock-extension:3.2.5, " +
          "[Extensions.dev].ProxyImage is docker/ucp-interlock-proxy:3.2.5 and " +
          "[Extensions.dev].ConfigImage is docker/ucp-interlock-config:3.2.5 " +
          "while ucp-interlock runs docker/ucp-interlock:3.8.0 " +
          FIX,
      ),
      warn(
        "[Extensions.prod].Image is docker/ucp-interlock-extension:3.7.1 while ucp-interlock runs docker/ucp-interlock:3.8.0 " +
          FIX,
      ),
    ]);
  });

  it("names sections with the caller's where() and keys as the section spells them", () => {
    const sections: Record<string, ExtensionSection> = {
      web: { proxyImage: "docker/ucp-interlock-proxy:3.7.1" },
    };
    const where = (s: string) => `[Extensions.${s}] (owned by stack lab-prod)`;
    assert.deepStrictEqual(imageDriftProblems(sections, CORE, where), [
      warn(
        "[Extensions.web] (owned by stack lab-prod).proxyImage is docker/ucp-interlock-proxy:3.7.1 while ucp-interlock runs docker/ucp-interlock:3.8.0 " +
          FIX,
      ),
    ]);
  });

  it("compares tags only: other repositories and registries on the core's tag are in step", () => {
    const sections: Record<string, ExtensionSection> = {
      dev: {
        Image: "registry.example.com:5000/mirantis/ucp-interlock-extension:3.8.1",
        ProxyImage: `mirror.local/ucp-interlock-proxy:3.8.1@${SHA}`,
      },
    };
    assert.deepStrictEqual(
      imageDriftProblems(sections, `registry.example.com:5000/mirantis/ucp-interlock:3.8.1`, at),
      [],
    );
  });

  it("a core with a digest is compared by its tag", () => {
    const sections: Record<string, ExtensionSection> = {
      dev: { ProxyImage: "docker/ucp-interlock-proxy:3.7.1" },
    };
    const core = `docker/ucp-interlock:3.8.0@${SHA}`;
    assert.deepStrictEqual(imageDriftProblems(sections, core, at), [
      warn(
        `[Extensions.dev].ProxyImage is docker/ucp-interlock-proxy:3.7.1 while ucp-interlock runs ${core} ` +
          FIX,
      ),
    ]);
  });

  it("no warning for images without a tag, or sections without images", () => {
    const sections: Record<string, ExtensionSection> = {
      digest: { Image: `docker/ucp-interlock-extension@${SHA}` },
      bare: { ProxyImage: "docker/ucp-interlock-proxy" },
      none: { ServiceCluster: "none" },
      wrongType: { Image: 3.7 } as unknown as ExtensionSection,
    };
    assert.deepStrictEqual(imageDriftProblems(sections, CORE, at), []);
  });

  it("no warning when the core's image is unknown or has no tag", () => {
    const sections = { dev: oldSection() };
    assert.deepStrictEqual(imageDriftProblems(sections, undefined, at), []);
    assert.deepStrictEqual(imageDriftProblems(sections, "docker/ucp-interlock", at), []);
    assert.deepStrictEqual(imageDriftProblems(sections, `docker/ucp-interlock@${SHA}`, at), []);
    // The same sections do warn against a tagged core, so the empty answers above mean something.
    assert.strictEqual(imageDriftProblems(sections, CORE, at).length, 1);
  });

  it("after follow-core, the section warns no more", () => {
    const sections = {
      dev: applyImages(oldSection(), "follow-core", CORE, ENV_KEY).section,
    };
    assert.deepStrictEqual(imageDriftProblems(sections, CORE, at), []);
    assert.strictEqual(imageDriftProblems({ dev: oldSection() }, CORE, at).length, 1);
  });
});

describe("interlock images: a custom proxy image beside MKE's", () => {
  const section = (): ExtensionSection => ({
    Image: "mirantis/ucp-interlock-extension:3.7.1",
    ProxyImage: "registry.example.com/nginx-custom:1.25",
  });

  it("follow-core moves MKE's images and leaves the custom one on its own release", () => {
    const r = applyImages(section(), "follow-core", "mirantis/ucp-interlock:3.8.0", "env");
    assert.deepStrictEqual(r.section, {
      Image: "mirantis/ucp-interlock-extension:3.8.0",
      ProxyImage: "registry.example.com/nginx-custom:1.25",
    });
  });

  it("warns of MKE's image behind the core, never of the custom one", () => {
    const [p] = imageDriftProblems({ dev: section() }, "mirantis/ucp-interlock:3.8.0", (s) => s);
    assert.match(p.message, /^dev\.Image is mirantis\/ucp-interlock-extension:3\.7\.1 while/);
    assert.doesNotMatch(p.message, /nginx-custom/);
  });
});
