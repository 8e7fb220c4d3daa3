/**
 * The smoke check after `up`, through the `pulumi` CLI on the lab: the demo asked once through
 * dev's proxy and exported; a preview asks nothing and shows no change; a demo whose backend
 * does not answer (its routed port is not the one it listens on) is a warning naming the host,
 * and with `smoke.required` a failed `up`, after which nothing is left to change.
 * (The passthrough app's SNI request is asserted in routing.test.ts, which deploys it.)
 */
import * as assert from "assert";
import * as fs from "fs";
import { baseline } from "../support/lab";
import { scratchStack } from "../support/scratchStack";

const HOST = "ingress-demo.lab.capstonec.net";
const URL = `http://${HOST}:8082/ (Host header, via 10.213.0.11)`;

describe("the smoke check after up, through the pulumi CLI on the lab", function () {
  this.timeout(600_000);
  const stack = scratchStack("smoke-dev", "lab-dev");
  const edit = (from: string, to: string) => {
    const text = fs.readFileSync(stack.file, "utf8");
    assert.ok(text.includes(from), `the stack file has ${from}`);
    fs.writeFileSync(stack.file, text.replace(from, to));
  };
  const smokeLines = (out: string) => out.split("\n").filter((l) => /^\s+smoke: /.test(l));
  const outputs = () => JSON.parse(stack.cli("stack", "output", "--json").stdout);

  before(() => {
    baseline();
    stack.init();
  });
  after(() => {
    stack.cli("destroy", "--yes");
    stack.remove();
    baseline();
  });

  it("up asks the demo's host once through dev's proxy, prints its status and time, and exports them", () => {
    const up = stack.cli("up", "--yes");
    assert.strictEqual(up.code, 0, up.out);
    const lines = smokeLines(up.out);
    // Each diagnostic is shown as it comes and again in the summary: one host, so one line twice.
    assert.strictEqual(new Set(lines.map((l) => l.trim())).size, 1, lines.join("\n"));
    assert.match(
      lines[0],
      new RegExp(`^\\s+smoke: ${HOST.replace(/\./g, "\\.")} 200 in \\d+ ms, `),
    );
    const { smoke } = outputs();
    assert.deepStrictEqual(Object.keys(smoke), [HOST]);
    assert.deepStrictEqual(
      { app: smoke[HOST].app, url: smoke[HOST].url, status: smoke[HOST].status },
      { app: "demodev/demo", url: URL, status: 200 },
    );
    assert.strictEqual(typeof smoke[HOST].ms, "number");
  });

  it("a preview sends nothing and shows no change", () => {
    const preview = stack.cli("preview", "--expect-no-changes");
    assert.strictEqual(preview.code, 0, preview.out);
    assert.deepStrictEqual(smokeLines(preview.out), []);
  });

  it("a backend that does not answer is a warning naming the host and what the proxy said", () => {
    // The demo listens on 8080; routed to 9090, its proxy finds nothing there and answers 502.
    edit(
      '    command: [httpd, -f, -p, "8080", -h, /www]\n',
      '    command: [httpd, -f, -p, "8080", -h, /www]\n    port: 9090\n',
    );
    const up = stack.cli("up", "--yes");
    assert.strictEqual(up.code, 0, up.out);
    assert.match(
      up.out,
      new RegExp(
        `warning: smoke: ${HOST.replace(/\./g, "\\.")} \\(demodev/demo\\) answered 502 \\(the app's tasks behind the proxy do not answer\\)`,
      ),
    );
    assert.strictEqual(outputs().smoke[HOST].status, 502);
  });

  it("with smoke.required the up fails naming the host, with everything deployed", () => {
    edit("  interlock-ingress:smoke:\n", "  interlock-ingress:smoke:\n    required: true\n");
    const up = stack.cli("up", "--yes");
    assert.notStrictEqual(up.code, 0, up.out);
    assert.match(
      up.out,
      new RegExp(
        `smoke: ${HOST.replace(/\./g, "\\.")} \\(demodev/demo\\) answered 502 .*\\n.*the stack is deployed, but interlock-ingress:smoke\\.required is set and 1 host\\(s\\) did not answer`,
      ),
    );
    assert.doesNotMatch(up.out, /at .*\.js:\d+/, "no stack trace");
    const preview = stack.cli("preview", "--expect-no-changes");
    assert.strictEqual(preview.code, 0, preview.out);
  });
});
