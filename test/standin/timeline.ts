/**
 * The stand-in's timeline: every operation that changes moto, one at a time, each a JSON line
 * with what clients of AWS see right after it. `forwardingGaps` reads it back to find every
 * moment a DNS name stopped forwarding a port to a registered target.
 *
 * The plugin writes to the file named by INTERLOCK_STANDIN_TIMELINE (none: no timeline). The
 * first line of a plugin process is the state before its first change ("initial state").
 */
import * as fs from "fs";
import {
  DescribeListenersCommand,
  DescribeLoadBalancerAttributesCommand,
  DescribeLoadBalancersCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { ListHostedZonesCommand, ListResourceRecordSetsCommand } from "@aws-sdk/client-route-53";
import type { AwsClients } from "./moto";

/** The environment variable naming the timeline file (JSON lines, appended). */
export const TIMELINE_ENV = "INTERLOCK_STANDIN_TIMELINE";

export interface LoadBalancerView {
  arn: string;
  name: string;
  /** The stand-in's DNS name (unique per load balancer, as in AWS; see standInDnsName). */
  dnsName: string;
  scheme: string;
  deletionProtection: boolean;
}

export interface ListenerView {
  arn: string;
  loadBalancerArn: string;
  port: number;
  protocol: string;
  targetGroupArns: string[];
}

export interface TargetGroupView {
  arn: string;
  name: string;
  port: number;
  /** Registered targets as "instance-id:port". */
  targets: string[];
}

export interface RecordView {
  zoneId: string;
  /** Without the trailing dot. */
  name: string;
  type: string;
  aliasDnsName?: string;
}

export interface Snapshot {
  loadBalancers: LoadBalancerView[];
  listeners: ListenerView[];
  targetGroups: TargetGroupView[];
  records: RecordView[];
}

export interface TimelineEntry {
  seq: number;
  /** ISO time the operation ended. */
  time: string;
  /** e.g. "create aws:lb/targetGroup:TargetGroup dev-8445" (the resource's logical name). */
  operation: string;
  /** The AWS API calls it made, in order, e.g. "CreateTargetGroup dev-8445". */
  calls: string[];
  /** Set when AWS (moto, or the stand-in for a rule moto does not enforce) refused a call. */
  error?: { code: string; message: string };
  snapshot: Snapshot;
}

/**
 * The DNS name the stand-in gives a load balancer. moto names every load balancer of one name
 * `<name>-1.<region>.elb.amazonaws.com`; AWS gives each new one its own, so a replaced NLB
 * changes its DNS name. The stand-in uses the id at the end of the ARN.
 */
export function standInDnsName(arn: string, name: string): string {
  const id = arn.split("/").pop() ?? "";
  return `${name}-${id.slice(0, 10)}.elb.us-west-2.amazonaws.com`;
}

/** What moto holds now, as the timeline records it. */
export async function snapshot(aws: AwsClients): Promise<Snapshot> {
  const lbs = (await aws.elbv2.send(new DescribeLoadBalancersCommand({}))).LoadBalancers ?? [];
  const loadBalancers: LoadBalancerView[] = [];
  const listeners: ListenerView[] = [];
  for (const lb of lbs) {
    const attrs = await aws.elbv2.send(
      new DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: lb.LoadBalancerArn }),
    );
    loadBalancers.push({
      arn: lb.LoadBalancerArn!,
      name: lb.LoadBalancerName!,
      dnsName: standInDnsName(lb.LoadBalancerArn!, lb.LoadBalancerName!),
      scheme: lb.Scheme ?? "internet-facing",
      deletionProtection: (attrs.Attributes ?? []).some(
        (a) => a.Key === "deletion_protection.enabled" && a.Value === "true",
      ),
    });
    const ls = await aws.elbv2.send(
      new DescribeListenersCommand({ LoadBalancerArn: lb.LoadBalancerArn }),
    );
    for (const l of ls.Listeners ?? []) {
      listeners.push({
        arn: l.ListenerArn!,
        loadBalancerArn: l.LoadBalancerArn!,
        port: l.Port!,
        protocol: l.Protocol!,
        targetGroupArns: (l.DefaultActions ?? []).flatMap((a) =>
          a.Type !== "forward"
            ? []
            : a.TargetGroupArn
              ? [a.TargetGroupArn]
              : (a.ForwardConfig?.TargetGroups ?? []).map((t) => t.TargetGroupArn!),
        ),
      });
    }
  }
  const targetGroups: TargetGroupView[] = [];
  for (const tg of (await aws.elbv2.send(new DescribeTargetGroupsCommand({}))).TargetGroups ?? []) {
    const health = await aws.elbv2.send(
      new DescribeTargetHealthCommand({ TargetGroupArn: tg.TargetGroupArn }),
    );
    targetGroups.push({
      arn: tg.TargetGroupArn!,
      name: tg.TargetGroupName!,
      port: tg.Port!,
      targets: (health.TargetHealthDescriptions ?? [])
        .map((d) => `${d.Target!.Id}:${d.Target!.Port ?? tg.Port}`)
        .sort(),
    });
  }
  const records: RecordView[] = [];
  for (const zone of (await aws.route53.send(new ListHostedZonesCommand({}))).HostedZones ?? []) {
    const sets = await aws.route53.send(
      new ListResourceRecordSetsCommand({ HostedZoneId: zone.Id }),
    );
    for (const r of sets.ResourceRecordSets ?? []) {
      if (r.Type === "NS" || r.Type === "SOA") continue;
      records.push({
        zoneId: zone.Id!.replace(/^\/hostedzone\//, ""),
        name: r.Name!.replace(/\.$/, ""),
        type: r.Type!,
        aliasDnsName: r.AliasTarget?.DNSName?.replace(/\.$/, ""),
      });
    }
  }
  return { loadBalancers, listeners, targetGroups, records };
}

/** The timeline's entries, in order; [] when the file does not exist. */
export function readTimeline(file: string): TimelineEntry[] {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as TimelineEntry);
}

/** A stretch of the timeline in which `record` did not forward `port` to a registered target. */
export interface ForwardingGap {
  record: string;
  port: number;
  /** The operation after which forwarding stopped. */
  openedBy: string;
  /** The operation after which it was back; undefined when it never came back. */
  closedBy?: string;
  /** seq of the entries inside the gap. */
  entries: number[];
  /** Why, at the gap's first entry. */
  reason: string;
}

/** Whether `record` forwards `port` in this snapshot; the reason when it does not. */
export function forwards(s: Snapshot, record: string, port: number): string | undefined {
  const rs = s.records.filter((r) => r.name === record && r.type === "A");
  if (!rs.length) return `no A record ${record}`;
  const alias = rs[0].aliasDnsName?.toLowerCase();
  const lb = s.loadBalancers.find((l) => l.dnsName.toLowerCase() === alias);
  if (!lb) return `${record} aliases ${alias}, which is no load balancer`;
  const listener = s.listeners.find((l) => l.loadBalancerArn === lb.arn && l.port === port);
  if (!listener) return `load balancer ${lb.name} has no listener on ${port}`;
  const served = listener.targetGroupArns.some(
    (arn) => (s.targetGroups.find((t) => t.arn === arn)?.targets.length ?? 0) > 0,
  );
  return served
    ? undefined
    : `${lb.name}:${port} forwards to ${listener.targetGroupArns.length ? "target groups with no registered target" : "no target group"}`;
}

/**
 * Every gap in forwarding: for each (A record, listener port) that forwards at the first
 * snapshot (`ports` limits the ports looked at), each later run of snapshots in which it does
 * not, with the operations that opened and closed it.
 */
export function forwardingGaps(
  timeline: TimelineEntry[],
  opts: { ports?: number[] } = {},
): ForwardingGap[] {
  if (!timeline.length) return [];
  const first = timeline[0].snapshot;
  const pairs: { record: string; port: number }[] = [];
  for (const r of first.records.filter((x) => x.type === "A")) {
    const lb = first.loadBalancers.find(
      (l) => l.dnsName.toLowerCase() === r.aliasDnsName?.toLowerCase(),
    );
    for (const l of first.listeners.filter((x) => x.loadBalancerArn === lb?.arn)) {
      if (opts.ports && !opts.ports.includes(l.port)) continue;
      if (!forwards(first, r.name, l.port)) pairs.push({ record: r.name, port: l.port });
    }
  }
  const gaps: ForwardingGap[] = [];
  for (const { record, port } of pairs) {
    let open: ForwardingGap | undefined;
    for (const e of timeline.slice(1)) {
      const why = forwards(e.snapshot, record, port);
      if (why && !open) {
        open = { record, port, openedBy: e.operation, entries: [], reason: why };
        gaps.push(open);
      }
      if (why) open!.entries.push(e.seq);
      else if (open) {
        open.closedBy = e.operation;
        open = undefined;
      }
    }
  }
  return gaps;
}

/** The refused operations of a timeline. */
export function rejectedOperations(timeline: TimelineEntry[]): TimelineEntry[] {
  return timeline.filter((e) => e.error);
}
