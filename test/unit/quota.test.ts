import { describe, expect, it } from "vitest";
import type { Decision } from "../../functions/pod-routes/core/planner.js";
import { headroomOf, nearlyFull, overQuota, type RouteQuota } from "../../functions/pod-routes/core/quota.js";

const applied: RouteQuota = { limit: 50, source: "applied" };

describe("headroomOf", () => {
  it.each<{ routes: number; quota: RouteQuota; free?: number; utilization?: number; nearly?: boolean }>([
    { routes: 0, quota: applied, free: 50, utilization: 0, nearly: false },
    { routes: 39, quota: applied, free: 11, utilization: 78, nearly: false },
    { routes: 40, quota: applied, free: 10, utilization: 80, nearly: true },
    { routes: 50, quota: applied, free: 0, utilization: 100, nearly: true },
    // A quota lowered below what the table holds: no negative room.
    { routes: 55, quota: applied, free: 0, utilization: 110, nearly: true },
    { routes: 333, quota: { limit: 1000, source: "default" }, free: 667, utilization: 33.3, nearly: false },
    // Only assumed: the account's quota may be far higher, so nothing is measured.
    { routes: 60, quota: { limit: 50, source: "assumed", problem: "AccessDeniedException" } },
  ])("$routes routes under a $quota.source quota of $quota.limit", ({ routes, quota, free, utilization, nearly }) => {
    const headroom = headroomOf(routes, quota);
    if (free === undefined) return expect(headroom).toBeUndefined();
    expect(headroom).toEqual({ routes, limit: quota.limit, free, utilization });
    expect(nearlyFull(headroom!)).toBe(nearly);
  });
});

describe("overQuota", () => {
  const decision = (action: Decision["action"], routeTableId: string, cidr: string): Decision => ({
    action,
    routeTableId,
    cidr,
    reason: "",
  });
  const refusedOf = (decisions: Decision[], room: Record<string, number>) =>
    [
      ...overQuota(
        decisions.map((decision) => ({ decision, key: decision.routeTableId })),
        new Map(Object.entries(room)),
      ),
    ].map((d) => `${d.routeTableId} ${d.cidr}`);

  it.each<{ name: string; decisions: Decision[]; room: Record<string, number>; refused: string[] }>([
    {
      name: "the creates past a table's room, in the order given",
      decisions: [
        decision("create", "rtb-a", "10.200.1.0/24"),
        decision("create", "rtb-a", "10.200.2.0/24"),
        decision("create", "rtb-a", "10.200.3.0/24"),
      ],
      room: { "rtb-a": 2 },
      refused: ["rtb-a 10.200.3.0/24"],
    },
    {
      name: "only creates take room: replaces, keeps and deletes do not",
      decisions: [
        decision("replace", "rtb-a", "10.200.1.0/24"),
        decision("keep", "rtb-a", "10.200.2.0/24"),
        decision("delete", "rtb-a", "10.200.3.0/24"),
        decision("create", "rtb-a", "10.200.4.0/24"),
      ],
      room: { "rtb-a": 1 },
      refused: [],
    },
    {
      name: "each table by its own room",
      decisions: [
        decision("create", "rtb-a", "10.200.1.0/24"),
        decision("create", "rtb-b", "10.200.1.0/24"),
        decision("create", "rtb-a", "10.200.2.0/24"),
        decision("create", "rtb-b", "10.200.2.0/24"),
      ],
      room: { "rtb-a": 0, "rtb-b": 1 },
      refused: ["rtb-a 10.200.1.0/24", "rtb-a 10.200.2.0/24", "rtb-b 10.200.2.0/24"],
    },
    {
      name: "a table with no known room is not limited",
      decisions: [decision("create", "rtb-c", "10.200.1.0/24")],
      room: { "rtb-a": 0 },
      refused: [],
    },
  ])("refuses $name", ({ decisions, room, refused }) => {
    expect(refusedOf(decisions, room)).toEqual(refused);
  });
});
