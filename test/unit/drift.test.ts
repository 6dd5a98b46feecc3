import { describe, expect, it } from "vitest";
import type { Summary } from "../../functions/pod-routes/jobs/summary.js";
import { driftOf, unmanagedOf } from "../../scripts/cli/drift.js";

const decision = (fields: object) => ({ routeTableId: "rtb-1", applied: false, reason: "why", ...fields });

function summaryWith(decisions: object[], failures: Summary["failures"] = []): Summary {
  return {
    request: { kind: "sync", trigger: "manual", dryRun: true },
    dryRun: true,
    changed: { dryRun: true, routes: [], sourceDestChecks: [], allocations: [], lifecycleActions: [] },
    tables: [{ routeTableId: "rtb-1", decisions: decisions.map(decision) as never }],
    instanceChanges: [],
    failures,
  };
}

describe("driftOf", () => {
  it.each([
    ["a missing route", { action: "create", cidr: "10.200.0.0/24" }, { kind: "missing", cidr: "10.200.0.0/24" }],
    [
      "a wrong target",
      { action: "replace", cidr: "10.200.1.0/24", previousTarget: "i-2" },
      { kind: "wrong-target", target: "i-2" },
    ],
    [
      "a blackhole a worker reclaims",
      { action: "replace", cidr: "10.200.1.0/24", previousTarget: "i-9", blackhole: true },
      { kind: "blackhole", target: "i-9" },
    ],
    ["an orphan", { action: "delete", cidr: "10.200.9.0/24", target: "i-5" }, { kind: "orphan", target: "i-5" }],
    [
      "an orphaned blackhole",
      { action: "delete", cidr: "10.200.8.0/24", target: "i-8", blackhole: true },
      { kind: "blackhole", target: "i-8" },
    ],
    ["a conflict", { action: "conflict", cidr: "10.200.1.0/24", target: "i-1" }, { kind: "conflict", target: "i-1" }],
  ])("names %s", (_case, fields, drift) => {
    expect(driftOf(summaryWith([fields]))).toEqual([
      expect.objectContaining({ routeTableId: "rtb-1", detail: "why", ...drift }),
    ]);
  });

  it("reports a bad tag, and nothing for keeps and skips", () => {
    const summary = summaryWith(
      [{ action: "keep", cidr: "10.200.0.0/24" }, { action: "skip" }],
      [{ kind: "invalid-pod-cidr", message: "bad tag" }],
    );
    expect(driftOf(summary)).toEqual([{ kind: "invalid-tag", detail: "bad tag" }]);
  });
});

describe("unmanagedOf", () => {
  it("suggests one tag naming both blocks for an instance with a route of each family", () => {
    const summary = summaryWith([
      { action: "unmanaged", cidr: "10.200.0.0/24", target: "i-1" },
      { action: "unmanaged", cidr: "fd00:10:200::/64", target: "i-1" },
      { action: "unmanaged", cidr: "10.200.9.0/24", target: "eni-appliance" },
    ]);
    const tags = unmanagedOf(summary, {
      podCidrTag: "pod-cidr",
      clusterTag: { key: "kubernetes.io/cluster/hard", value: "owned" },
    });
    expect(tags.map((u) => [u.cidr, u.tagsToAdd])).toEqual([
      ["10.200.0.0/24", ["pod-cidr=10.200.0.0/24,fd00:10:200::/64", "kubernetes.io/cluster/hard=owned"]],
      ["fd00:10:200::/64", ["pod-cidr=10.200.0.0/24,fd00:10:200::/64", "kubernetes.io/cluster/hard=owned"]],
      ["10.200.9.0/24", undefined],
    ]);
  });
});
