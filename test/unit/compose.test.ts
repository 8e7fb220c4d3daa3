import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import {
  ComposeError,
  parseCompose,
  serviceSpecs,
  validateRouting,
} from "../../provider/swarm/compose";
import { composeSchema, validatorCacheFile } from "../../provider/swarm/composeSchema";

const blog = fs.readFileSync(path.join(__dirname, "../fixtures/docker-compose.yml"), "utf8");
const ctx = { clusters: ["dev", "test", "prod"], collection: "/dev" };

describe("compose: the blog's docker-compose.yml", () => {
  it("parses against the Compose schema and passes the routing checks", () => {
    const compose = parseCompose(blog);
    assert.deepStrictEqual(validateRouting(compose, "demodev", ctx), []);
  });

  it("translates to the service spec docker stack deploy would create", () => {
    const spec = serviceSpecs(parseCompose(blog), "demodev", { networks: {}, secrets: {} })
      .demo as any;
    assert.strictEqual(spec.Name, "demodev_demo");
    assert.deepStrictEqual(spec.Mode, { Replicated: { Replicas: 2 } });
    assert.strictEqual(spec.Labels["com.docker.lb.service_cluster"], "dev");
    assert.strictEqual(spec.Labels["com.docker.lb.port"], "8080");
    assert.strictEqual(spec.Labels["com.docker.stack.namespace"], "demodev");
    assert.strictEqual(spec.TaskTemplate.ContainerSpec.Image, "ehazlett/docker-demo");
    assert.deepStrictEqual(spec.TaskTemplate.Networks, [
      { Target: "ingress_dev", Aliases: ["demo"] },
    ]);
    assert.strictEqual(spec.UpdateConfig.FailureAction, "rollback");
  });

  const broken: Array<[string, (y: string) => string, RegExp]> = [
    [
      "a cluster the Interlock config does not define",
      (y) => y.replace("service_cluster: dev", "service_cluster: qa"),
      /services\.demo\.deploy\.labels\.com\.docker\.lb\.service_cluster: "qa" is not a service cluster of the Interlock config \(dev, test, prod\); use one of them/,
    ],
    [
      "a missing port",
      (y) => y.replace(/\n\s*com\.docker\.lb\.port: 8080/, ""),
      /com\.docker\.lb\.port: missing/,
    ],
    [
      "a host with a scheme",
      (y) => y.replace("hosts: ingress-demo", "hosts: http://ingress-demo"),
      /com\.docker\.lb\.hosts: "http:\/\/ingress-demo\.lab\.capstonec\.net" is not a host name/,
    ],
    [
      "a network the service is not on",
      (y) => y.replace("com.docker.lb.network: ingress_dev", "com.docker.lb.network: ingress_prod"),
      /com\.docker\.lb\.network: "ingress_prod" is not one of the service's networks \(ingress_dev\)/,
    ],
    [
      "another environment's collection",
      (y) => y.replace("access.label: /dev", "access.label: /prod"),
      /com\.docker\.ucp\.access\.label: "\/prod" is not this environment's collection; set it to "\/dev"/,
    ],
  ];
  for (const [name, edit, expected] of broken) {
    it(`reports ${name}`, () => {
      const problems = validateRouting(parseCompose(edit(blog)), "demodev", ctx);
      assert.ok(
        problems.some((p) => expected.test(p)),
        problems.join("\n"),
      );
    });
  }

  it("rejects what the Compose schema rejects, with the path", () => {
    assert.throws(
      () => parseCompose(blog.replace("replicas: 2", "replicas: two")),
      (e: Error) =>
        e instanceof ComposeError &&
        /services\.demo\.deploy\.replicas must be integer/.test(e.message),
    );
    assert.throws(() => parseCompose("services: [\n"), ComposeError);
  });
});

describe("compose: the schema's validator", () => {
  const key = Symbol.for("interlock-ingress.composeValidator");
  const cache = globalThis as { [key]?: unknown };

  it("is compiled once per process, also in the provider's serialized closure", async () => {
    // The dynamic provider runs the build's serialization of the provider, in which a module's
    // variables are rebuilt on every call: a cache kept in one never hits there.
    const { serializeFunction } = require("@pulumi/pulumi/runtime/closure/serializeClosure") as {
      serializeFunction: (f: () => unknown) => Promise<{ text: string }>;
    };
    const { text } = await serializeFunction(() => parseCompose);
    const Module = require("module") as new (id: string) => NodeJS.Module & {
      _compile(src: string, file: string): void;
    };
    const closure = new Module("closure");
    closure.paths = module.paths;
    closure._compile(text, path.join(__dirname, "closure.js"));
    const parse = (closure.exports as { handler: () => typeof parseCompose }).handler();
    delete cache[key];
    parse(blog);
    const compiled = cache[key];
    assert.strictEqual(typeof compiled, "function");
    parse(blog);
    assert.strictEqual(cache[key], compiled);
  });

  it("is kept as Ajv's standalone code, which a later process loads, with the same verdicts", () => {
    const file = validatorCacheFile(composeSchema());
    const bad = [
      blog.replace("replicas: 2", "replicas: two"),
      blog.replace("image:", "imagee:"),
      "services:\n  web:\n    image: x\n    ports: [{target: 80, published: many}]\n",
    ];
    const verdicts = () =>
      bad.map((text) => {
        try {
          parseCompose(text);
          return "accepted";
        } catch (e) {
          return (e as Error).message;
        }
      });
    fs.rmSync(file, { force: true });
    delete require.cache[file];
    delete cache[key];
    const compiled = verdicts();
    assert.ok(fs.existsSync(file), "the compiled validator was written to the cache");
    delete cache[key];
    const loaded = verdicts();
    assert.ok(require.cache[file], "the second validator came from the cache");
    assert.deepStrictEqual(loaded, compiled);
    assert.ok(compiled.every((v) => v !== "accepted"));
  });
});
