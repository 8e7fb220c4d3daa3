/**
 * A cluster configured by hand before this project existed, taken over through the `pulumi`
 * CLI: the blog's end state (steps 3-9 typed with the docker CLI, bench/blog-cli.sh) adopted
 * by the lab's stack config with no request lost and nothing recreated; only dev done by
 * hand, with its own ports and a tuning; and what cannot be adopted, refused at preview.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { execFileSync, spawnSync } from "child_process";
import { readLiveConfig } from "../../provider/interlock/live";
import { LABEL_OWNERS } from "../../provider/interlock/schema";
import { parseCoreConfig, stringifyCoreConfig } from "../../provider/interlock/toml";
import { REPO } from "../../scripts/lib/workspace";
import { pulumiAsync } from "../support/cli";
import { driftEnv, scratchStack } from "../support/scratchStack";
import {
  baseline,
  docker,
  LAB,
  labDocker,
  mountedConfigName,
  swapConfigByHand,
} from "../support/lab";

const DEMO_HOST = "ingress-demo.lab.capstonec.net";

/** Service and network IDs by name: what adoption must keep. */
function ids(): Record<string, string> {
  const services = docker("service", "ls", "--format", "{{.Name}} {{.ID}}");
  const network = docker("network", "inspect", "ingress_dev", "--format", "{{.Id}}");
  const networks = `ingress_dev ${network.slice(0, 12)}`;
  return Object.fromEntries(
    `${services}\n${networks}`
      .split("\n")
      .filter(Boolean)
      .map((l) => l.split(" ") as [string, string]),
  );
}

/** Requests the demo through dev's proxy until stopped; counts answers and failures. */
function requestLoop(): { stop: () => Promise<{ ok: number; failed: string[] }> } {
  let running = true;
  const failed: string[] = [];
  let ok = 0;
  const once = () =>
    new Promise<void>((resolve) => {
      const req = http.get(
        { host: "10.213.0.11", port: 8082, path: "/", headers: { Host: DEMO_HOST }, timeout: 3000 },
        (res) => {
          res.resume();
          res.on("end", () => {
            if (res.statusCode === 200) ok++;
            else failed.push(`HTTP ${res.statusCode} at ${new Date().toISOString()}`);
            resolve();
          });
        },
      );
      req.on("timeout", () => req.destroy(new Error("timeout")));
      req.on("error", (err) => {
        failed.push(`${err.message} at ${new Date().toISOString()}`);
        resolve();
      });
    });
  const loop = (async () => {
    while (running) {
      await once();
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { ok, failed };
    },
  };
}

describe("a cluster configured by hand, adopted through the pulumi CLI", function () {
  this.timeout(900_000);

  describe("the blog's end state (steps 3-9 with the docker CLI), under the lab stack's config", () => {
    const stack = scratchStack("adopt-blog", "lab");
    let idsBefore: Record<string, string>;

    before(() => {
      baseline();
      execFileSync("bash", [path.join(REPO, "bench/blog-cli.sh")], { stdio: "ignore" });
      idsBefore = ids();
      stack.init();
    });
    after(() => stack.remove());

    it("preview says what adoption does: every section, the network and the app stack, as they are", () => {
      const r = stack.cli("preview");
      assert.strictEqual(r.code, 0, r.out);
      for (const env of ["dev", "test", "prod"]) {
        assert.match(
          r.out,
          new RegExp(
            `\\[Extensions\\.${env}\\] in the live config com\\.docker\\.ucp\\.interlock\\.conf-2 was made by hand and no stack owns it: this stack adopts it as it is, with no change`,
          ),
        );
      }
      assert.match(
        r.out,
        /network ingress_dev \(\w+\) exists, made outside this stack: up adopts it as it is \(same ID\)/,
      );
      assert.match(
        r.out,
        /stack demodev runs on the cluster, deployed outside this Pulumi stack: up adopts its services under the same IDs: demodev_demo/,
      );
    });

    it("up takes everything over with no request to the demo lost, under the same IDs, and records the owner", async () => {
      const loop = requestLoop();
      const r = await pulumiAsync(["up", "--yes", "--stack", stack.name]);
      const traffic = await loop.stop();
      assert.strictEqual(r.code, 0, r.out);
      assert.deepStrictEqual(traffic.failed, []);
      assert.ok(traffic.ok > 20, `only ${traffic.ok} requests answered during up`);
      assert.deepStrictEqual(ids(), idsBefore, r.out);
      const live = await readLiveConfig(labDocker());
      assert.deepStrictEqual(JSON.parse(live.labels[LABEL_OWNERS]), {
        "adopt-blog": ["dev", "prod", "test"],
      });
    });

    it("afterwards preview proposes no change and drift is clean", () => {
      const r = stack.cli("preview", "--expect-no-changes");
      assert.strictEqual(r.code, 0, r.out);
      const drift = spawnSync(
        "npm",
        ["run", "--silent", "drift", "--", "--stack", stack.name, "--json"],
        {
          cwd: REPO,
          encoding: "utf8",
          env: driftEnv(),
        },
      );
      assert.strictEqual(drift.status, 0, drift.stdout + drift.stderr);
      assert.strictEqual(JSON.parse(drift.stdout).status, "clean");
    });
  });

  describe("only dev done by hand on UCP's default config: other ports and service names, a tuning, the network and the demo", () => {
    const stack = scratchStack("adopt-dev", "lab-dev");
    let idsBefore: Record<string, string>;

    before(async () => {
      baseline();
      docker("node", "update", "--label-add", "com.docker.interlock.service.cluster=dev", LAB.dev);
      const live = await readLiveConfig(labDocker());
      const edited = parseCoreConfig(live.text, "live");
      const dev = JSON.parse(JSON.stringify(edited.Extensions!.default));
      Object.assign(dev, {
        ServiceCluster: "dev",
        // Named otherwise than this project names them: taken over, the old services must go,
        // or the old host-mode proxy keeps 8445 and the new one stays Pending.
        ServiceName: "ext-dev",
        ProxyServiceName: "proxy-dev",
        PublishMode: "host",
        ProxyReplicas: 1,
        PublishedPort: 8090,
        PublishedSSLPort: 8445,
      });
      dev.Constraints = [
        ...dev.Constraints,
        "node.labels.com.docker.interlock.service.cluster==dev",
      ];
      dev.ProxyConstraints = [
        ...dev.ProxyConstraints,
        "node.labels.com.docker.interlock.service.cluster==dev",
      ];
      dev.Config = { ...dev.Config, MaxConnections: 2048 };
      edited.Extensions!.dev = dev;
      await swapConfigByHand("com.docker.ucp.interlock.conf-2", stringifyCoreConfig(edited));
      docker(
        "network",
        "create",
        "ingress_dev",
        "--label",
        "com.docker.ucp.access.label=/dev",
        "--driver",
        "overlay",
      );
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "adopt-dev-"));
      fs.writeFileSync(
        path.join(dir, "docker-stack.yml"),
        [
          'version: "3.7"',
          "services:",
          "  demo:",
          "    image: lab/docker-demo:lab",
          '    command: [httpd, -f, -p, "8080", -h, /www]',
          "    deploy:",
          "      replicas: 2",
          "      labels:",
          `        com.docker.lb.hosts: ${DEMO_HOST}`,
          "        com.docker.lb.network: ingress_dev",
          '        com.docker.lb.port: "8080"',
          "        com.docker.lb.service_cluster: dev",
          "        com.docker.ucp.access.label: /dev",
          "    networks: [ingress_dev]",
          "networks:",
          "  ingress_dev:",
          "    external: true",
          "",
        ].join("\n"),
      );
      docker(
        "stack",
        "deploy",
        "--resolve-image",
        "never",
        "-c",
        path.join(dir, "docker-stack.yml"),
        "demodev",
      );
      fs.rmSync(dir, { recursive: true, force: true });
      idsBefore = ids();
      stack.init();
    });
    after(() => stack.remove());

    it("preview names the real differences, the port and the service names, and keeps the hand-made tuning", () => {
      const r = stack.cli("preview");
      assert.strictEqual(r.code, 0, r.out);
      assert.match(
        r.out,
        /\[Extensions\.dev\] in the live config com\.docker\.ucp\.interlock\.conf-2 was made by hand and no stack owns it: this stack adopts it as it is, except ProxyServiceName: "proxy-dev" => "ucp-interlock-proxy-dev"; PublishedPort: 8090 => 8082; ServiceName: "ext-dev" => "ucp-interlock-extension-dev"\n/,
      );
      assert.match(
        r.out,
        /this stack takes over \[Extensions\.dev\] of the live config com\.docker\.ucp\.interlock\.conf-2, whose services ext-dev \(ServiceName\) and proxy-dev \(ProxyServiceName\) its section no longer names \(it writes ucp-interlock-extension-dev and ucp-interlock-proxy-dev\); Interlock creates those, and up removes the old ones \(ext-dev proxy-dev\) once the new section is mounted/,
      );
    });

    it("up adopts: the port applied, the tuning kept, the network and the demo's service under the same IDs", async () => {
      const r = stack.cli("up", "--yes");
      if (process.env.HM_DEBUG) require("fs").writeFileSync("/tmp/hm-up.txt", r.out);
      assert.strictEqual(r.code, 0, r.out);
      const live = await readLiveConfig(labDocker());
      assert.strictEqual(live.config.Extensions!.dev.PublishedPort, 8082);
      assert.strictEqual(
        (live.config.Extensions!.dev.Config as { MaxConnections: number }).MaxConnections,
        2048,
      );
      assert.deepStrictEqual(Object.keys(live.config.Extensions!), ["dev"]);
      const now = ids();
      for (const name of ["ingress_dev", "demodev_demo", "ucp-interlock"])
        assert.strictEqual(now[name], idsBefore[name], name);
      // The taken-over section's services are gone, and the new proxy holds 8445 on dev's node.
      assert.strictEqual(now["ext-dev"], undefined);
      assert.strictEqual(now["proxy-dev"], undefined);
      assert.match(
        r.out,
        /removed the services of taken-over sections, now named otherwise: ext-dev, proxy-dev/,
      );
      assert.match(
        docker(
          "service",
          "ps",
          "ucp-interlock-proxy-dev",
          "--filter",
          "desired-state=running",
          "--format",
          "{{.CurrentState}} {{.Node}}",
        ),
        new RegExp(`^Running .* ${LAB.dev.replace(/\./g, "\\.")}$`),
      );
      assert.strictEqual(stack.cli("preview", "--expect-no-changes").code, 0);
    });
  });

  describe("what cannot be adopted safely fails at preview, naming it, and changes nothing", () => {
    const stack = scratchStack("adopt-no", "lab-dev");
    before(() => {
      baseline();
      stack.init();
    });
    // The next file starts from a baseline of its own.
    after(() => stack.remove());

    it("a network of the same name in another collection", async () => {
      docker(
        "network",
        "create",
        "ingress_dev",
        "--label",
        "com.docker.ucp.access.label=/test",
        "--driver",
        "overlay",
      );
      const mounted = await mountedConfigName();
      const r = stack.cli("preview");
      assert.strictEqual(r.code, 1, r.out);
      assert.match(
        r.out,
        /network ingress_dev \(\w+\) already exists, made outside this stack, and cannot be adopted: it has label com\.docker\.ucp\.access\.label=\/test, the stack declares \/dev\. Replacing it would cut off whatever uses it; either make the stack declare what the network has, or move its users off and remove it \(docker network rm ingress_dev\) so that up creates it/,
      );
      assert.strictEqual(await mountedConfigName(), mounted);
      docker("network", "rm", "ingress_dev");
    });

    it("a stack of the same name with a service the Compose file does not declare", () => {
      docker(
        "network",
        "create",
        "ingress_dev",
        "--label",
        "com.docker.ucp.access.label=/dev",
        "--driver",
        "overlay",
      );
      docker(
        "service",
        "create",
        "--detach",
        "--name",
        "demodev_worker",
        "--label",
        "com.docker.stack.namespace=demodev",
        "--no-resolve-image",
        "lab/busybox:lab",
        "sleep",
        "3600",
      );
      const r = stack.cli("preview");
      assert.strictEqual(r.code, 1, r.out);
      assert.match(
        r.out,
        /stack demodev already runs on the cluster, deployed outside this Pulumi stack, with demodev_worker, which the Compose file does not declare; adopting it would remove them: add them to the Compose file, or remove them first \(docker service rm demodev_worker\)/,
      );
      assert.match(docker("service", "ls", "--format", "{{.Name}}"), /demodev_worker/);
    });
  });
});
