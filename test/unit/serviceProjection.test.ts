/**
 * What drift watches of an app's service: each part by its Compose key, IDs and empty values
 * left out, so the spec `up` wrote and the same spec read back compare equal, and a hand
 * edit of any part shows under its key.
 */
import * as assert from "assert";
import { projectService } from "../../provider/swarm/serviceProjection";

const written = {
  Name: "web_app",
  Labels: { "com.docker.lb.port": "8080" },
  TaskTemplate: {
    ContainerSpec: {
      Image: "nginx:1",
      Env: ["A=1"],
      Secrets: [
        { File: { Name: "k", UID: "0", GID: "0", Mode: 292 }, SecretID: "s1", SecretName: "web_k" },
      ],
      Mounts: [],
      Init: false,
    },
    Resources: { Limits: {}, Reservations: {} },
    Placement: { Constraints: ["node.role==worker"] },
    Networks: [{ Target: "n1", Aliases: ["app"] }],
  },
  Mode: { Replicated: { Replicas: 2 } },
  UpdateConfig: { Parallelism: 1, Order: "stop-first" },
  EndpointSpec: { Mode: "vip", Ports: [{ TargetPort: 80, PublishedPort: 8080, Protocol: "tcp" }] },
};

describe("the parts of an app's spec drift watches", () => {
  it("are keyed by Compose key, without IDs, empty values, replicas, image or service labels", () => {
    assert.deepStrictEqual(projectService(written, { n1: "web_default" }), {
      environment: ["A=1"],
      secrets: [{ File: { Name: "k", UID: "0", GID: "0", Mode: 292 }, SecretName: "web_k" }],
      "deploy.placement.constraints": ["node.role==worker"],
      networks: [{ Target: "web_default", Aliases: ["app"] }],
      "deploy.update_config": { Parallelism: 1, Order: "stop-first" },
      "deploy.endpoint_mode": "vip",
      ports: [{ TargetPort: 80, PublishedPort: 8080, Protocol: "tcp" }],
    });
  });

  const edits: Array<[string, (s: typeof written) => void, string]> = [
    ["an env var added", (s) => s.TaskTemplate.ContainerSpec.Env.push("B=2"), "environment"],
    [
      "a mount added",
      (s) =>
        (s.TaskTemplate.ContainerSpec.Mounts as unknown[]).push({ Type: "tmpfs", Target: "/t" }),
      "volumes",
    ],
    ["init turned on", (s) => (s.TaskTemplate.ContainerSpec.Init = true), "init"],
    [
      "a memory limit",
      (s) => ((s.TaskTemplate.Resources.Limits as Record<string, number>).MemoryBytes = 1),
      "deploy.resources",
    ],
    ["global mode", (s) => ((s as Record<string, unknown>).Mode = { Global: {} }), "deploy.mode"],
    ["a port republished", (s) => (s.EndpointSpec.Ports[0].PublishedPort = 9090), "ports"],
  ];
  for (const [title, edit, key] of edits) {
    it(`${title} shows under ${key} and nowhere else`, () => {
      const before = projectService(written, { n1: "web_default" });
      const copy = JSON.parse(JSON.stringify(written));
      edit(copy);
      const after = projectService(copy, { n1: "web_default" });
      const changed = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter(
        (k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]),
      );
      assert.deepStrictEqual(changed, [key]);
    });
  }
});
