/**
 * Compose as `docker stack deploy` deploys it: one file using every key the CLI carries into a
 * service spec (volumes of each type, healthcheck, user, DNS, capabilities, ulimits, logging,
 * placement, restart and update policies, config and secret modes, both port syntaxes) is
 * deployed by the docker CLI, then by an AppStack under the same stack name; the two live
 * specs are equal field by field, apart from IDs and the configs' content-hashed names.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { appStackProvider as stacks } from "../../provider/swarm/appStack";
import { parseCompose, unsupportedKeys } from "../../provider/swarm/compose";
import { pollPauses, sleep } from "../../provider/util/time";
import { baseline, docker, LAB } from "../support/lab";

const DIR = path.join(__dirname, "../fixtures/compose-every-key");
const FILE = path.join(DIR, "docker-compose.yml");
const STACK = "parity";

/** The live spec with IDs named: networks by name, secrets and configs by name only. */
function liveSpec(): Record<string, unknown> {
  const spec = JSON.parse(
    docker("service", "inspect", `${STACK}_app`, "--format", "{{json .Spec}}"),
  );
  const template = spec.TaskTemplate;
  for (const n of template.Networks ?? [])
    n.Target = docker("network", "inspect", n.Target, "--format", "{{.Name}}");
  for (const s of template.ContainerSpec.Secrets ?? []) delete s.SecretID;
  for (const c of template.ContainerSpec.Configs ?? []) {
    delete c.ConfigID;
    // An AppStack names a config by its content, so a change rolls out as a new one.
    c.ConfigName = c.ConfigName.replace(/-[0-9a-f]{8}$/, "");
  }
  return spec;
}

async function stackGone(): Promise<void> {
  const pause = pollPauses();
  const deadline = Date.now() + 60_000;
  for (;;) {
    const left = [
      docker("service", "ls", "-q", "--filter", `label=com.docker.stack.namespace=${STACK}`),
      docker("network", "ls", "-q", "--filter", `label=com.docker.stack.namespace=${STACK}`),
    ].join("");
    if (!left) return;
    if (Date.now() > deadline) throw new Error(`stack ${STACK} still present after 60 s: ${left}`);
    await sleep(pause());
  }
}

describe("Compose as docker stack deploy deploys it, against the lab swarm", function () {
  this.timeout(300_000);
  before(baseline);

  it("a file of every supported key: the AppStack's service spec equals docker stack deploy's", async () => {
    const text = fs.readFileSync(FILE, "utf8");
    assert.deepStrictEqual(unsupportedKeys(parseCompose(text)), []);
    docker("stack", "deploy", "--detach=true", "-c", FILE, STACK);
    const byCli = liveSpec();
    docker("stack", "rm", STACK);
    await stackGone();

    const inputs = {
      stack: STACK,
      compose: text,
      clusters: [],
      configValues: { conf: fs.readFileSync(path.join(DIR, "conf.txt"), "utf8") },
      secretValues: { token: fs.readFileSync(path.join(DIR, "token.txt"), "utf8") },
      connection: { host: LAB.host },
      convergeTimeoutSeconds: 120,
    };
    const checked = await stacks.check!(undefined as never, inputs);
    assert.deepStrictEqual(checked.failures, []);
    const made = await stacks.create(checked.inputs!);
    try {
      assert.deepStrictEqual(liveSpec(), byCli);
    } finally {
      await stacks.delete!(made.id, made.outs!);
    }
  });
});
