import { isTransient } from "../jobs/failures.js";
import type { BatchSummary } from "../jobs/batch.js";
import type { PoolUse, Summary } from "../jobs/summary.js";
import { familyName } from "../core/cidr.js";

export interface Measurement {
  readonly name: string;
  readonly unit: "Count" | "Percent";
  readonly value: number;
  /** Besides the service's: a route table's headroom is per table. */
  readonly dimensions?: Readonly<Record<string, string>>;
}

/**
 * What an invocation did, as CloudWatch metrics: route changes applied, conflicts (overlaps included),
 * routes left alone as unmanaged, bad tags seen, unreadable queued events, lifecycle results,
 * allocations and each family's pool use (the fullest seen), failed changes; zeros are left out. And each
 * table's headroom under the route quota, per family, zero included, as read last in the invocation.
 */
export function measurementsOf(summary: Summary | BatchSummary): Measurement[] {
  const { lifecycles, allocations } =
    "records" in summary
      ? {
          lifecycles: [...summary.records, ...summary.waitingLaunches].flatMap((record) => record.lifecycle ?? []),
          allocations: [...summary.records, ...summary.waitingLaunches].flatMap((record) => record.allocation ?? []),
        }
      : {
          lifecycles: summary.lifecycle ? [summary.lifecycle] : [],
          allocations: summary.allocation ? [summary.allocation] : [],
        };
  const fullest = (pools: readonly PoolUse[]) =>
    pools.reduce<PoolUse | undefined>((a, b) => (a && a.inUse >= b.inUse ? a : b), undefined);
  const pool = fullest(allocations.flatMap((allocation) => allocation.pool ?? []));
  const poolV6 = fullest(allocations.flatMap((allocation) => allocation.poolV6 ?? []));
  const decisions = summary.tables.flatMap((table) => table.decisions);
  const applied = (action: string) => decisions.filter((d) => d.action === action && d.applied).length;
  const failures = (kind: string) => summary.failures.filter((f) => f.kind === kind).length;
  const counts: Array<[string, number]> = [
    ["RoutesCreated", applied("create")],
    ["RoutesReplaced", applied("replace")],
    ["RoutesDeleted", applied("delete")],
    ["Conflicts", decisions.filter((d) => d.action === "conflict" || d.action === "overlap").length],
    ["UnmanagedRoutes", decisions.filter((d) => d.action === "unmanaged").length],
    ["InvalidPodCidrTags", failures("invalid-pod-cidr")],
    ["RouteTableFull", failures("route-limit")],
    ["FailedAwsCalls", failures("aws-error")],
    // What needs a person: a tag, a route, a setting or a quota. Alarmed on in the template.
    ["PermanentFailures", summary.failures.filter((f) => !isTransient(f)).length],
    ["UnreadableEvents", failures("unreadable-event")],
    // Queued records pod-routes did not take: not from AWS, or not from its queue and group.
    ["RefusedEvents", failures("refused-event")],
    ["LifecycleContinue", lifecycles.filter((l) => l.result === "CONTINUE").length],
    ["LifecycleAbandon", lifecycles.filter((l) => l.result === "ABANDON").length],
    ["PodCidrsAllocated", allocations.filter((a) => a.how === "claimed").length],
    ["PodCidrPoolInUse", pool?.inUse ?? 0],
    ["PodCidrV6PoolInUse", poolV6?.inUse ?? 0],
  ];
  const measurements: Measurement[] = counts
    .filter(([, value]) => value > 0)
    .map(([name, value]) => ({ name, unit: "Count", value }));
  for (const [name, use] of [
    ["PodCidrPoolUtilization", pool],
    ["PodCidrV6PoolUtilization", poolV6],
  ] as const)
    if (use) measurements.push({ name, unit: "Percent", value: Math.round((use.inUse / use.capacity) * 1000) / 10 });
  // The last report of each table and family: a table's IPv4 and IPv6 routes have quotas of their own.
  const headrooms = new Map(
    summary.tables.flatMap(({ routeTableId, family = "ipv4", headroom }) =>
      headroom ? [[`${routeTableId} ${family}`, { routeTableId, family, headroom }]] : [],
    ),
  );
  for (const { routeTableId, family, headroom } of headrooms.values()) {
    const { free, utilization } = headroom;
    const dimensions = { RouteTableId: routeTableId, AddressFamily: familyName(family) };
    measurements.push({ name: "RouteTableHeadroom", unit: "Count", value: free, dimensions });
    measurements.push({ name: "RouteTableUtilization", unit: "Percent", value: utilization, dimensions });
  }
  return measurements;
}
