/**
 * The services of a hand-made section this stack takes over under other names. Interlock
 * creates the services the new section names and leaves the old ones running: in host mode
 * the old proxy keeps the published ports and the new one stays Pending. So `up` removes
 * them right after the new config is mounted, and preview refuses a name that is not one of
 * Interlock's services (someone else's service would go with it).
 */
import type Dockerode from "dockerode";
import { isNotFound } from "../docker/errors";
import { inspectObject, removeNamed } from "../docker/objects";
import { CONFIG_NAMESPACE } from "../config/errors";
import { Takeover } from "./plan";
import { Problem } from "./render";
import { Reporter } from "./rollout";

/** The `type` label Interlock puts on the services it creates for a section. */
const INTERLOCK_TYPES = ["com.docker.interlock.core.extension", "com.docker.interlock.core.proxy"];

/** Each taken-over section's old services that exist, and a problem per one that is not Interlock's. */
export async function takeoverServices(
  docker: Dockerode,
  takeovers: Takeover[],
): Promise<{ services: string[]; problems: Problem[] }> {
  const services: string[] = [];
  const problems: Problem[] = [];
  for (const t of takeovers) {
    for (const [name, key] of [
      [t.extensionService, "ServiceName"],
      [t.proxyService, "ProxyServiceName"],
    ] as const) {
      if (!name) continue;
      let labels: Record<string, string>;
      try {
        labels = (await inspectObject(docker, "service", name)).Spec.Labels ?? {};
      } catch (err) {
        if (isNotFound(err)) continue;
        throw err;
      }
      if (INTERLOCK_TYPES.includes(labels.type)) services.push(name);
      else
        problems.push({
          severity: "error",
          message:
            `${CONFIG_NAMESPACE}:environments.${t.env}: the hand-made [Extensions.${t.env}] this stack takes over names ${key} = "${name}", ` +
            `a service Interlock did not create (no type=com.docker.interlock.core.* label); up would leave it running beside the new one. ` +
            `Remove or rename it by hand (docker service rm ${name}) if it is the old cluster's, or fix ${key} in the live section`,
        });
    }
  }
  return { services, problems };
}

/** Removes the taken-over sections' old services once the new config is mounted. */
export async function removeTakenOver(
  docker: Dockerode,
  services: string[],
  report: Reporter,
): Promise<void> {
  const removed: string[] = [];
  for (const name of services) if (await removeNamed(docker, "service", name)) removed.push(name);
  if (removed.length)
    report(
      `removed the services of taken-over sections, now named otherwise: ${removed.join(", ")}`,
    );
}
