import { describe, expect, it } from "vitest";
import { measurementsOf } from "../../functions/pod-routes/entry/metrics.js";
import type { Summary } from "../../functions/pod-routes/jobs/summary.js";

const base: Summary = {
  request: { kind: "sync", trigger: "schedule", dryRun: false },
  dryRun: false,
  changed: { dryRun: false, routes: [], sourceDestChecks: [], allocations: [], lifecycleActions: [] },
  tables: [],
  instanceChanges: [],
  failures: [],
};
const headroom = (table: string, family: string, free: number, utilization: number) => {
  const dimensions = { RouteTableId: table, AddressFamily: family };
  return [
    { name: "RouteTableHeadroom", unit: "Count", value: free, dimensions },
    { name: "RouteTableUtilization", unit: "Percent", value: utilization, dimensions },
  ];
};
const decision = (action: string, applied: boolean) =>
  ({ action, applied, routeTableId: "rtb-1", reason: "" }) as never;

describe("measurementsOf", () => {
  it.each([
    ["nothing done", base, []],
    [
      "applied route changes only (not planned ones)",
      {
        ...base,
        tables: [
          {
            routeTableId: "rtb-1",
            decisions: [
              decision("create", true),
              decision("create", false),
              decision("replace", true),
              decision("delete", true),
              decision("keep", false),
            ],
          },
        ],
      },
      [
        { name: "RoutesCreated", unit: "Count", value: 1 },
        { name: "RoutesReplaced", unit: "Count", value: 1 },
        { name: "RoutesDeleted", unit: "Count", value: 1 },
      ],
    ],
    [
      "conflicts and failures by kind",
      {
        ...base,
        tables: [{ routeTableId: "rtb-1", decisions: [decision("conflict", false)] }],
        failures: [
          { kind: "invalid-pod-cidr", message: "" },
          { kind: "route-limit", message: "" },
          { kind: "aws-error", message: "" },
          { kind: "aws-error", message: "" },
        ],
      },
      [
        { name: "Conflicts", unit: "Count", value: 1 },
        { name: "InvalidPodCidrTags", unit: "Count", value: 1 },
        { name: "RouteTableFull", unit: "Count", value: 1 },
        { name: "FailedAwsCalls", unit: "Count", value: 2 },
        { name: "PermanentFailures", unit: "Count", value: 2 },
      ],
    ],
    [
      "a lifecycle launch with an allocation, and the pool's use",
      {
        ...base,
        lifecycle: { result: "CONTINUE", completion: "completed" },
        allocation: { cidr: "10.200.3.0/24", routeTableId: "rtb-1", how: "claimed", pool: { inUse: 4, capacity: 256 } },
      },
      [
        { name: "LifecycleContinue", unit: "Count", value: 1 },
        { name: "PodCidrsAllocated", unit: "Count", value: 1 },
        { name: "PodCidrPoolInUse", unit: "Count", value: 4 },
        { name: "PodCidrPoolUtilization", unit: "Percent", value: 1.6 },
      ],
    ],
    [
      "each table's headroom per family as read last, zero included; none for a table whose quota was not read",
      {
        ...base,
        tables: [
          { routeTableId: "rtb-1", decisions: [], headroom: { routes: 49, limit: 50, free: 1, utilization: 98 } },
          {
            routeTableId: "rtb-1",
            family: "ipv6",
            decisions: [],
            headroom: { routes: 10, limit: 50, free: 40, utilization: 20 },
          },
          { routeTableId: "rtb-2", decisions: [], headroom: { routes: 500, limit: 500, free: 0, utilization: 100 } },
          {
            routeTableId: "rtb-1",
            family: "ipv4",
            decisions: [],
            headroom: { routes: 50, limit: 50, free: 0, utilization: 100 },
          },
          { routeTableId: "rtb-3", decisions: [] },
        ],
      },
      [
        ...headroom("rtb-1", "IPv4", 0, 100),
        ...headroom("rtb-1", "IPv6", 40, 20),
        ...headroom("rtb-2", "IPv4", 0, 100),
      ],
    ],
    [
      "an abandoned launch",
      { ...base, lifecycle: { result: "ABANDON", completion: "completed" } },
      [{ name: "LifecycleAbandon", unit: "Count", value: 1 }],
    ],
  ] as Array<[string, Summary, unknown[]]>)("%s", (_case, summary, expected) => {
    expect(measurementsOf(summary)).toEqual(expected);
  });
});
