import { describe, expect, it } from "vitest";
import { summaryForLog } from "../../functions/pod-routes/entry/log-summary.js";
import { changedOf } from "../../functions/pod-routes/jobs/changed.js";
import type { ReportedDecision, Summary } from "../../functions/pod-routes/jobs/summary.js";

const decision = (action: ReportedDecision["action"], cidr: string, more: Partial<ReportedDecision> = {}) =>
  ({
    action,
    routeTableId: "rtb-1",
    cidr,
    instanceId: "i-1",
    target: "i-1",
    reason: "why",
    applied: true,
    ...more,
  }) as ReportedDecision;

function changes(decisions: ReportedDecision[], dryRun = false) {
  return {
    dryRun,
    tables: [{ routeTableId: "rtb-1", decisions }],
    instanceChanges: [
      { instanceId: "i-1", change: "disable-source-dest-check" as const, target: "eni-1", applied: !dryRun },
      {
        instanceId: "i-2",
        change: "disable-source-dest-check" as const,
        target: "i-2",
        applied: false,
        error: "denied",
      },
    ],
    failures: [],
  };
}

describe("changedOf: what an invocation changed", () => {
  it("lists the route changes made, and no keep, skip, conflict or failed change", () => {
    const changed = changedOf(
      changes([
        decision("create", "10.200.1.0/24"),
        decision("replace", "10.200.2.0/24", { previousTarget: "i-old" }),
        decision("delete", "10.200.3.0/24"),
        decision("keep", "10.200.4.0/24", { applied: false }),
        decision("conflict", "10.200.5.0/24", { applied: false }),
        decision("create", "10.200.6.0/24", { applied: false, error: "RouteLimitExceeded: full" }),
      ]),
      [],
    );
    expect(changed.routes.map((route) => `${route.action} ${route.cidr}`)).toEqual([
      "create 10.200.1.0/24",
      "replace 10.200.2.0/24",
      "delete 10.200.3.0/24",
    ]);
    expect(changed.routes[1]).toMatchObject({ target: "i-1", previousTarget: "i-old", routeTableId: "rtb-1" });
    expect(changed.sourceDestChecks).toEqual([{ instanceId: "i-1", target: "eni-1" }]);
  });

  it("lists, in a dry run, what would change", () => {
    const changed = changedOf(changes([decision("create", "10.200.1.0/24", { applied: false })], true), []);
    expect(changed).toMatchObject({ dryRun: true, routes: [{ action: "create", cidr: "10.200.1.0/24" }] });
    expect(changed.sourceDestChecks).toEqual([{ instanceId: "i-1", target: "eni-1" }]);
  });

  it("lists each request's allocation and lifecycle action, with its instance", () => {
    const changed = changedOf(changes([]), [
      {
        instanceId: "i-9",
        allocation: { cidr: "10.200.9.0/24", routeTableId: "rtb-1", how: "claimed" },
        lifecycle: { result: "CONTINUE", completion: "completed" },
      },
      { lifecycle: { result: "CONTINUE", completion: "completed" } },
    ]);
    expect(changed.allocations).toEqual([
      { instanceId: "i-9", cidr: "10.200.9.0/24", routeTableId: "rtb-1", how: "claimed" },
    ]);
    expect(changed.lifecycleActions).toEqual([{ instanceId: "i-9", result: "CONTINUE", completion: "completed" }]);
  });
});

describe("the summary log line's changes", () => {
  it("lists the first 20 of each kind and counts the rest", () => {
    const creates = Array.from({ length: 25 }, (_, n) => decision("create", `10.200.${n}.0/24`));
    const body = changes(creates);
    const summary: Summary = {
      request: { kind: "sync", trigger: "schedule", dryRun: false },
      ...body,
      changed: changedOf(body, []),
    };
    const logged = summaryForLog(summary)["changed"] as Record<string, unknown>;
    expect(logged["routes"]).toHaveLength(20);
    expect(logged["moreRoutes"]).toBe(5);
    expect(logged["sourceDestChecks"]).toEqual([{ instanceId: "i-1", target: "eni-1" }]);
    expect(logged).not.toHaveProperty("moreSourceDestChecks");
  });
});
