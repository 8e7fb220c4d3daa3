/**
 * The direct drift read (scripts/lib/directDrift.ts) on exported state: the provider closure
 * in the state does the read, secrets reach it decrypted and stay masked in the steps, a
 * resource read as gone is a delete, and a stack holding anything else is left to the engine.
 * Against the lab, test/e2e/drift.test.ts compares its reports with the engine's refresh.
 */
import * as assert from "assert";
import { readable, readSteps } from "../../scripts/lib/directDrift";

const SIG = "4dabf18193072939515e22adb298388d";
const secret = (value: unknown) => ({
  [SIG]: "1b47061264138c4ac30d75fd1eb44270",
  plaintext: JSON.stringify(value),
});

// A provider closure as the state keeps it: it reports what it was given, and "gone" ids as gone.
const PROVIDER = `exports.handler = () => ({
  async read(id, props) {
    if (id === "gone") return {};
    return { id, props: { ...props, seen: props.token, replicas: 3 } };
  },
});`;

const resource = (id: string) => ({
  urn: `urn:pulumi:s::p::pulumi-nodejs:dynamic/swarm:AppStack::${id}`,
  type: "pulumi-nodejs:dynamic/swarm:AppStack",
  id,
  outputs: { __provider: PROVIDER, token: secret("s3cr3t"), replicas: 2 },
});

describe("direct drift read of exported state", () => {
  it("reads with the state's provider closure: secrets decrypted for it, masked in the steps", async () => {
    const lines: string[] = [];
    const [step] = await readSteps([resource("app")], (l) => lines.push(l));
    assert.deepStrictEqual(lines, ["checking swarm:AppStack app"]);
    assert.strictEqual(step.op, "same");
    assert.deepStrictEqual(step.before, { token: "[secret]", replicas: 2 });
    assert.deepStrictEqual(step.after, { token: "[secret]", replicas: 3, seen: "s3cr3t" });
  });

  it("a resource the provider reads as gone is a delete with nothing after it", async () => {
    const [step] = await readSteps([resource("gone")], () => undefined);
    assert.strictEqual(step.op, "delete");
    assert.strictEqual(step.after, undefined);
  });

  it("leaves a stack holding other resources (the AWS edge) to the engine", () => {
    const stack = { urn: "urn:s", type: "pulumi:pulumi:Stack" };
    const provider = { urn: "urn:p", type: "pulumi:providers:pulumi-nodejs" };
    assert.deepStrictEqual(readable([stack, provider, resource("app")]), [resource("app")]);
    assert.strictEqual(
      readable([
        stack,
        resource("app"),
        { urn: "urn:lb", type: "aws:lb/loadBalancer:LoadBalancer" },
      ]),
      undefined,
    );
  });
});
