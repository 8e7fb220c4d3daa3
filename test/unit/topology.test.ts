/**
 * Stack-config messages name the right place: the environment whose setting is wrong, a node
 * listed in two environments, a list where a table belongs, a misspelled key with a suggestion.
 */
import * as assert from "assert";
import { parseTopology, TopologyError } from "../../provider/config";

const env = (node: string, extra: Record<string, unknown> = {}) => ({
  ingressNodes: [node],
  publishedPort: 8082,
  publishedSSLPort: 8445,
  ...extra,
});

function problems(environments: unknown): string[] {
  try {
    parseTopology({ environments });
  } catch (err) {
    if (err instanceof TopologyError) return err.problems;
    throw err;
  }
  return [];
}

describe("stack config messages", () => {
  const cases: Array<[string, unknown, string[]]> = [
    [
      "a node listed in two environments",
      { dev: env("w1"), test: env("w1", { publishedPort: 8081, publishedSSLPort: 8444 }) },
      [
        "interlock-ingress:environments.test.ingressNodes: w1 is listed in dev and test; an ingress node serves one environment",
      ],
    ],
    [
      "environments written as a list",
      [{ name: "dev", ...env("w1") }],
      [
        "interlock-ingress:environments: expected a table keyed by environment name, got a list; write {dev: {ingressNodes: [...], ...}}",
      ],
    ],
    [
      "a misspelled optional key",
      { dev: env("w1", { proxyReplica: 2 }) },
      [
        "interlock-ingress:environments.dev.proxyReplica: unknown key; did you mean proxyReplicas? (known: ingressNodes, collection, publishedPort, publishedSSLPort, publishMode, proxyReplicas, overrides, replace)",
      ],
    ],
    [
      "a 70-character environment name",
      { ["e".repeat(70)]: env("w1") },
      [
        `interlock-ingress:environments.${"e".repeat(70)}: "${"e".repeat(70)}" cannot name Swarm services ucp-interlock-extension-${"e".repeat(70)}; use lower-case letters, digits and inner dashes, at most 39 characters (a service name is a DNS label of at most 63)`,
      ],
    ],
    [
      "a service name set in one environment's overrides",
      {
        dev: env("w1"),
        test: env("w2", {
          publishedPort: 8081,
          publishedSSLPort: 8444,
          overrides: { ServiceName: "x" },
        }),
      },
      [
        "interlock-ingress:environments.test.overrides.ServiceName: set by the stack, not by overrides; it is derived from the environment's name",
      ],
    ],
  ];
  for (const [name, environments, expected] of cases) {
    it(`names ${name}`, () => assert.deepStrictEqual(problems(environments), expected));
  }
});
