/**
 * The policy pack's rules (policy/rules.ts), each through its policy's validateResource as the
 * engine calls it: the resource's type, name and inputs in the shapes the project registers
 * (typed with the provider's own input types), the rule's config, and the exact violations.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import type { ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import type * as aws from "@pulumi/aws";
import { DEFAULT_INTERLOCK } from "../../provider/config/interlock";
import type { InterlockConfigInputs } from "../../provider/interlock/interlockConfig";
import type { AppStackInputs } from "../../provider/swarm/appStack";
import { policies, stackEnvironmentsFrom, StackContext, TYPES } from "../../policy/rules";

type Environment = InterlockConfigInputs["environments"][number];

/** The stack's environments as the pack would read them from the stack config. */
let stackEnvironments: string[] | undefined = ["prod"];
const stack: StackContext = { environments: () => stackEnvironments };

function policy(name: string): ResourceValidationPolicy {
  const found = policies(stack).find((p) => p.name === name);
  assert.ok(found, `no policy ${name}`);
  return found;
}

/** The messages `policyName` reports for one resource, with `config` as the pack's config. */
async function violations(
  policyName: string,
  type: string,
  name: string,
  props: object,
  config: object = {},
): Promise<string[]> {
  const reported: string[] = [];
  const args = {
    type,
    name,
    urn: `urn:pulumi:prod::interlock-ingress::${type}::${name}`,
    props: props as Record<string, unknown>,
    getConfig: () => config,
  } as unknown as ResourceValidationArgs;
  const validate = policy(policyName).validateResource;
  for (const v of Array.isArray(validate) ? validate : [validate!])
    await v(args, (message) => reported.push(message));
  return reported;
}

function environment(name: string, over: Partial<Environment> = {}): Environment {
  return {
    name,
    collection: `/${name}`,
    ingressNodes: [
      `ip-10-0-0-4.us-west-2.compute.internal`,
      `ip-10-0-1-4.us-west-2.compute.internal`,
    ],
    publishMode: "host",
    publishedPort: 8080,
    publishedSSLPort: 8443,
    proxyReplicas: 2,
    overrides: {},
    replace: {},
    ...over,
  };
}

/** InterlockConfig's inputs as stacks/program.ts registers them. */
function interlockInputs(...environments: Environment[]): InterlockConfigInputs {
  return {
    stack: "prod",
    environments,
    settings: { ...DEFAULT_INTERLOCK },
    providerVersion: "3",
  };
}

/** The NLB's inputs as provider/aws/ingressEdge.ts registers them (before autonaming). */
function balancer(environment: string, protection: boolean): aws.lb.LoadBalancerArgs {
  return {
    name: `prod-${environment}`,
    loadBalancerType: "network",
    internal: false,
    subnets: ["subnet-0a1b2c3d4e5f60718", "subnet-0b2c3d4e5f6071829"],
    securityGroups: ["sg-0d1e2f3a4b5c6d7e8"],
    enableCrossZoneLoadBalancing: true,
    enableDeletionProtection: protection,
    tags: {
      Project: "interlock-ingress",
      Stack: "prod",
      Environment: environment,
      ManagedBy: "pulumi",
    },
  };
}

const fixture = fs.readFileSync(path.join(__dirname, "../fixtures/docker-compose.yml"), "utf8");

/** AppStack's inputs as stacks/demo.ts registers an app from its Compose file. */
function app(compose: string, clusters = ["dev", "test", "prod"]): AppStackInputs {
  return {
    stack: "shop",
    compose,
    clusters,
    collection: "/dev",
    configValues: {},
    source: "interlock-ingress:apps.shop.composeFile (docker-compose.yml)",
    providerVersion: "4",
  };
}

describe("policy pack", () => {
  beforeEach(() => {
    stackEnvironments = ["prod"];
  });

  it("lists its rules with the prod rules mandatory by default", () => {
    assert.deepStrictEqual(
      policies(stack).map((p) => [p.name, p.enforcementLevel]),
      [
        ["prod-proxy-redundancy", "mandatory"],
        ["prod-nlb-deletion-protection", "mandatory"],
        ["distinct-ingress-ports", "advisory"],
        ["app-service-cluster", "advisory"],
        ["section-images-follow-core", "advisory"],
      ],
    );
  });

  describe("prod-proxy-redundancy", () => {
    const check = (props: object, config?: object) =>
      violations("prod-proxy-redundancy", TYPES.interlockConfig, "interlock", props, config);

    it("one replica on one node: both fixes named", async () => {
      const prod = environment("prod", {
        proxyReplicas: 1,
        ingressNodes: ["ip-127-13-1-6.us-west-2.compute.internal"],
      });
      assert.deepStrictEqual(await check(interlockInputs(prod)), [
        'InterlockConfig "interlock": environment prod runs 1 proxy replica on 1 ingress node ' +
          "(ip-127-13-1-6.us-west-2.compute.internal); prod needs at least 2 replicas on at least 2 nodes, " +
          "so losing a node or a rolling proxy update keeps serving: set " +
          "interlock-ingress:environments.prod.proxyReplicas to 2 and list a second worker in " +
          "interlock-ingress:environments.prod.ingressNodes",
      ]);
    });

    it("two replicas on one node listed twice: only the node is missing", async () => {
      const node = "ip-10-0-0-4.us-west-2.compute.internal";
      const production = environment("production", { ingressNodes: [node, node] });
      assert.deepStrictEqual(await check(interlockInputs(production)), [
        'InterlockConfig "interlock": environment production runs 2 proxy replicas on 1 ingress node ' +
          `(${node}); production needs at least 2 replicas on at least 2 nodes, so losing a node or a ` +
          "rolling proxy update keeps serving: list a second worker in " +
          "interlock-ingress:environments.production.ingressNodes",
      ]);
    });

    it("passes two replicas on two nodes, and leaves other environments alone", async () => {
      const dev = environment("dev", { proxyReplicas: 1, ingressNodes: ["ip-10-0-2-4"] });
      assert.deepStrictEqual(await check(interlockInputs(environment("prod"), dev)), []);
    });

    it("takes its environments and minimums from the pack's config", async () => {
      const props = interlockInputs(environment("live", { proxyReplicas: 2 }));
      assert.deepStrictEqual(await check(props), []);
      const [message] = await check(props, { environments: ["live"], minReplicas: 3 });
      assert.match(
        message,
        /environment live runs 2 proxy replicas on 2 ingress nodes .* at least 3 replicas/,
      );
      assert.match(message, /set interlock-ingress:environments\.live\.proxyReplicas to 3$/);
    });

    it("ignores other resource types", async () => {
      assert.deepStrictEqual(
        await violations(
          "prod-proxy-redundancy",
          TYPES.appStack,
          "shop",
          interlockInputs(environment("prod", { proxyReplicas: 1 })),
        ),
        [],
      );
    });
  });

  describe("prod-nlb-deletion-protection", () => {
    const check = (name: string, props: object, config?: object) =>
      violations("prod-nlb-deletion-protection", TYPES.loadBalancer, name, props, config);

    it("prod's NLB without protection names it, its tag and the fix", async () => {
      assert.deepStrictEqual(await check("edge-prod", balancer("prod", false)), [
        'aws:lb LoadBalancer "edge-prod" (tagged Environment=prod) has deletion protection off: a ' +
          "production load balancer must refuse deletion (its DNS name is what clients resolve); set " +
          "interlock-ingress:aws.deletionProtection to true, or leave it unset, which is on for a stack with prod",
      ]);
    });

    it("passes a protected prod NLB and an unprotected dev one", async () => {
      assert.deepStrictEqual(await check("edge-prod", balancer("prod", true)), []);
      assert.deepStrictEqual(await check("edge-dev", balancer("dev", false)), []);
    });

    it("a shared NLB is prod's when the stack has prod, or when its environments are unknown", async () => {
      stackEnvironments = ["dev", "prod"];
      assert.match(
        (await check("edge-shared", balancer("shared", false)))[0],
        /^aws:lb LoadBalancer "edge-shared" \(shared by this stack's environments, prod among them\) has deletion protection off/,
      );
      stackEnvironments = undefined;
      assert.match(
        (await check("edge-shared", balancer("shared", false)))[0],
        /\(shared by this stack's environments, which the pack could not read \(so counted as prod\)\)/,
      );
      stackEnvironments = ["dev", "test"];
      assert.deepStrictEqual(await check("edge-shared", balancer("shared", false)), []);
    });

    it("takes the prod names from the pack's config", async () => {
      assert.strictEqual(
        (await check("edge-live", balancer("live", false), { environments: ["live"] })).length,
        1,
      );
    });
  });

  describe("distinct-ingress-ports", () => {
    const check = (props: object) =>
      violations("distinct-ingress-ports", TYPES.interlockConfig, "interlock", props);

    it("an ingress-mode environment on another's port names both keys and the fix", async () => {
      const dev = environment("dev", {
        publishMode: "ingress",
        publishedPort: 8080,
        publishedSSLPort: 8443,
      });
      const test = environment("test", { publishedPort: 8081, publishedSSLPort: 8443 });
      assert.deepStrictEqual(await check(interlockInputs(dev, test)), [
        'InterlockConfig "interlock": environments dev and test both publish port 8443 ' +
          "(interlock-ingress:environments.dev.publishedSSLPort and test.publishedSSLPort), and dev " +
          "publishes in ingress mode, which takes the port on every node of the swarm; give test " +
          "another port (interlock-ingress:environments.test.publishedSSLPort), or publish both in " +
          "host mode on their own nodes",
      ]);
    });

    it("an HTTP port on another's HTTPS port is a clash too, both in ingress mode", async () => {
      const dev = environment("dev", {
        publishMode: "ingress",
        publishedPort: 8443,
        publishedSSLPort: 9443,
      });
      const prod = environment("prod", { publishMode: "ingress" });
      assert.deepStrictEqual(
        (await check(interlockInputs(dev, prod))).map((m) => m.split(", which")[0]),
        [
          'InterlockConfig "interlock": environments dev and prod both publish port 8443 ' +
            "(interlock-ingress:environments.dev.publishedPort and prod.publishedSSLPort), and both publish in ingress mode",
        ],
      );
    });

    it("passes host-mode environments sharing ports, and distinct ingress ports", async () => {
      assert.deepStrictEqual(
        await check(interlockInputs(environment("dev"), environment("test"))),
        [],
      );
      const dev = environment("dev", {
        publishMode: "ingress",
        publishedPort: 8082,
        publishedSSLPort: 8445,
      });
      assert.deepStrictEqual(await check(interlockInputs(dev, environment("prod"))), []);
    });
  });

  describe("app-service-cluster", () => {
    const check = (props: object) =>
      violations("app-service-cluster", TYPES.appStack, "shop", props);

    it("passes the project's Compose fixture (service_cluster dev)", async () => {
      assert.deepStrictEqual(await check(app(fixture)), []);
    });

    it("a routed service without service_cluster is named with the label and the choices", async () => {
      const compose = fixture.replace(/^\s*com\.docker\.lb\.service_cluster: dev\n/m, "");
      assert.deepStrictEqual(await check(app(compose)), [
        'AppStack "shop": services.demo.deploy.labels.com.docker.lb.service_cluster is not set, so ' +
          "Interlock routes demo through its default service cluster, outside this stack's environments; " +
          "set it to one of dev, test and prod",
      ]);
    });

    it("a service cluster that is not an environment of the stack, labels as a list", async () => {
      const compose = [
        "services:",
        "  web:",
        "    image: lab/docker-demo:lab",
        "    deploy:",
        "      labels:",
        "        - com.docker.lb.hosts=shop.example.org",
        "        - com.docker.lb.port=8080",
        "        - com.docker.lb.service_cluster=staging",
        "  db:",
        "    image: postgres:16",
        "",
      ].join("\n");
      assert.deepStrictEqual(await check(app(compose, ["dev"])), [
        'AppStack "shop": services.web.deploy.labels.com.docker.lb.service_cluster is "staging", which is ' +
          "not an environment of this stack; set it to one of dev",
      ]);
    });
  });

  describe("section-images-follow-core", () => {
    const check = (props: object) =>
      violations("section-images-follow-core", TYPES.interlockConfig, "interlock", props);
    const withImages = (coreImage: string | undefined, images: Record<string, string>) => ({
      ...interlockInputs(environment("dev")),
      ...(coreImage ? { coreImage } : {}),
      sections: { dev: { ServiceCluster: "dev", ...images } },
    });

    it("a section left on the old release after an MKE upgrade names each image, the core and the fix", async () => {
      assert.deepStrictEqual(
        await check(
          withImages("registry.example.com:5000/mirantis/ucp-interlock:3.8.1", {
            Image: "mirantis/ucp-interlock-extension:3.7.9",
            ProxyImage: "mirantis/ucp-interlock-proxy:3.7.9@sha256:0123",
            ConfigImage: "mirantis/ucp-interlock-config:3.8.1",
          }),
        ),
        [
          'InterlockConfig "interlock": [Extensions.dev] Image is mirantis/ucp-interlock-extension:3.7.9 and ' +
            "ProxyImage is mirantis/ucp-interlock-proxy:3.7.9@sha256:0123 while ucp-interlock runs " +
            "registry.example.com:5000/mirantis/ucp-interlock:3.8.1 (an MKE upgrade does not update a " +
            "customized Interlock): set interlock-ingress:interlock.images to follow-core, or to explicit " +
            "images of the core's tag 3.8.1",
        ],
      );
    });

    it("passes sections on the core's tag, untagged images, and a core whose image is unknown or untagged", async () => {
      const images = { Image: "x/ucp-interlock-extension:3.8.1", ProxyImage: "nginx" };
      assert.deepStrictEqual(await check(withImages("mirantis/ucp-interlock:3.8.1", images)), []);
      const old = { Image: "x/ucp-interlock-extension:3.7.9" };
      assert.deepStrictEqual(await check(withImages(undefined, old)), []);
      assert.deepStrictEqual(await check(withImages("registry:5000/ucp-interlock", old)), []);
    });
  });

  describe("the stack's environments from the engine's PULUMI_CONFIG", () => {
    it("reads the environments table's names, and says when it cannot", () => {
      const config = {
        "aws:region": "us-west-2",
        "interlock-ingress:environments": JSON.stringify({ dev: {}, prod: { proxyReplicas: 2 } }),
      };
      assert.deepStrictEqual(stackEnvironmentsFrom(JSON.stringify(config)), ["dev", "prod"]);
      assert.deepStrictEqual(stackEnvironmentsFrom(JSON.stringify({ "aws:region": "x" })), []);
      assert.strictEqual(stackEnvironmentsFrom(undefined), undefined);
      assert.strictEqual(stackEnvironmentsFrom("{not json"), undefined);
    });
  });
});
