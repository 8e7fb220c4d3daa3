/**
 * `interlock-ingress:smoke` in the program: after the app stacks are up, one request per
 * routed host (provider/swarm/smoke.ts), printed once per host and exported as the stack
 * output `smoke`. Only during `up`: a preview has deployed nothing to ask.
 */
import * as pulumi from "@pulumi/pulumi/output";
import * as log from "@pulumi/pulumi/log";
import { programError } from "./programError";
import { isDryRun } from "@pulumi/pulumi/runtime/settings";
import type { EnvironmentSpec, SmokeSettings } from "../provider/config";
import { probe, smokeRoutes, type SmokeResult } from "../provider/swarm/smoke";
import type { ServiceSummary } from "../provider/swarm/appStack";

/** By stack name, each app stack's `services` output. */
export type AppServices = Record<string, pulumi.Output<Record<string, ServiceSummary>>>;

/** The smoke check's results by host, or undefined when it does not run. */
export function smokeCheck(
  settings: SmokeSettings | undefined,
  environments: EnvironmentSpec[],
  stacks: AppServices,
): pulumi.Output<Record<string, SmokeResult>> | undefined {
  if (!settings || isDryRun() || !Object.keys(stacks).length) return undefined;
  return pulumi.all(stacks).apply((byStack) => run(settings, environments, byStack));
}

async function run(
  settings: SmokeSettings,
  environments: EnvironmentSpec[],
  byStack: Record<string, Record<string, ServiceSummary>>,
): Promise<Record<string, SmokeResult>> {
  const routes = Object.entries(byStack).flatMap(([stack, services]) =>
    smokeRoutes(stack, services),
  );
  const unaddressed = new Set<string>();
  const results = await Promise.all(
    routes.map(async (route) => {
      const env = environments.find((e) => e.name === route.environment);
      const address = settings.addresses[route.environment];
      if (!env || !address) {
        unaddressed.add(route.environment);
        return undefined;
      }
      const ports = { http: env.publishedPort, https: env.publishedSSLPort };
      return [
        route.host,
        await probe(route, address, ports, settings.timeoutSeconds * 1000),
      ] as const;
    }),
  );
  for (const env of unaddressed)
    await log.warn(
      `smoke: ${env}'s hosts are not checked: interlock-ingress:smoke.addresses.${env} names no address of its proxy`,
    );
  const checked = results.filter((r) => r !== undefined);
  for (const [host, r] of checked)
    await log.info(`smoke: ${host} ${r.status ?? "no answer"} in ${r.ms} ms, ${r.url}`);
  const failed = checked.filter(([, r]) => r.problem);
  const lines = failed.map(([host, r]) => `smoke: ${host} (${r.app}) ${r.problem}`);
  if (failed.length && settings.required)
    throw programError(
      `${lines.join("\n")}\nthe stack is deployed, but interlock-ingress:smoke.required is set and ${failed.length} host(s) did not answer`,
    );
  for (const line of lines) await log.warn(line);
  return Object.fromEntries(checked);
}
