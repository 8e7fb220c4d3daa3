/** The real local Swarm (lab/lab) as the integration and end-to-end tests use it. */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import type Dockerode from "dockerode";
import { connect } from "../../provider/docker/connection";
import { LAB_DOCKER_HOST, REPO } from "../../scripts/lib/workspace";

export const LAB = {
  host: LAB_DOCKER_HOST,
  manager: "ip-10-213-0-10.us-west-2.compute.internal",
  dev: "ip-10-213-0-11.us-west-2.compute.internal",
  test: "ip-10-213-0-12.us-west-2.compute.internal",
  prod: "ip-10-213-0-13.us-west-2.compute.internal",
};

export function labDocker(): Dockerode {
  return connect({ host: LAB.host });
}

/** Services once every environment and the blog's demo are up (the blog's step-8 picture plus demodev). */
export const ALL_ENVIRONMENTS_SERVICES = [
  "demodev_demo",
  "ucp-interlock",
  "ucp-interlock-extension-dev",
  "ucp-interlock-extension-prod",
  "ucp-interlock-extension-test",
  "ucp-interlock-proxy-dev",
  "ucp-interlock-proxy-prod",
  "ucp-interlock-proxy-test",
];

/** Puts the lab back to UCP's initial Interlock state; every lab test starts from there. */
export function baseline(): void {
  execFileSync("bash", [path.join(REPO, "lab/lab"), "baseline"], {
    stdio: ["ignore", "ignore", "pipe"],
  });
}

/** The docker CLI against the lab manager, as a user would type it. */
export function docker(...args: string[]): string {
  // stderr is kept: a refusal a test expects and retries must not clutter the test output.
  return execFileSync("docker", ["-H", LAB.host, ...args], {
    encoding: "utf8",
    stdio: ["pipe", "pipe", "pipe"],
  }).trim();
}

export async function nodeLabels(hostname: string): Promise<Record<string, string>> {
  const nodes = (await labDocker().listNodes()) as Array<{
    Description?: { Hostname?: string };
    Spec: { Labels?: Record<string, string> };
  }>;
  return nodes.find((n) => n.Description?.Hostname === hostname)?.Spec.Labels ?? {};
}

export async function serviceNames(): Promise<string[]> {
  const services = (await labDocker().listServices()) as Array<{ Spec: { Name: string } }>;
  return services.map((s) => s.Spec.Name).sort();
}

export async function mountedConfigName(): Promise<string> {
  const svc = (await labDocker().getService("ucp-interlock").inspect()) as {
    Spec: { TaskTemplate: { ContainerSpec: { Configs: Array<{ ConfigName: string }> } } };
  };
  return svc.Spec.TaskTemplate.ContainerSpec.Configs[0].ConfigName;
}

/** What an operator does by hand: a new config version, swapped onto ucp-interlock with the CLI. */
export async function swapConfigByHand(name: string, text: string): Promise<void> {
  const mounted = await mountedConfigName();
  await labDocker().createConfig({ Name: name, Data: Buffer.from(text).toString("base64") });
  docker(
    "service",
    "update",
    "--quiet",
    "--config-rm",
    mounted,
    "--config-add",
    `source=${name},target=/config.toml`,
    "ucp-interlock",
  );
}

/**
 * The Docker configs of the cluster, without the NGINX configurations Interlock's extensions
 * write for their proxies (theirs to create and remove, not a stack's).
 */
export async function configNames(): Promise<string[]> {
  const configs = (await labDocker().listConfigs()) as Array<{
    Spec: { Name: string; Labels?: Record<string, string> };
  }>;
  return configs
    .filter((c) => !c.Spec.Labels?.["com.docker.interlock.proxy.service"])
    .map((c) => c.Spec.Name)
    .sort();
}

/**
 * A lab stack file's text without its `interlock-ingress:docker` connection, for tests that
 * reach the cluster the way a client bundle's env.sh says (DOCKER_HOST & co).
 */
export function withoutStackConnection(stackFile: string): string {
  const text = fs.readFileSync(path.join(REPO, stackFile), "utf8");
  const stripped = text.replace(/^( {2}#.*\n)* {2}interlock-ingress:docker:\n( {4}.*\n)+/m, "");
  if (stripped === text) throw new Error(`${stackFile} has no interlock-ingress:docker block`);
  return stripped;
}
