import type { Instance, InstanceStateName } from "@aws-sdk/client-ec2";
import { describe, expect, it } from "vitest";
import { parseConfig, type Config } from "../../functions/pod-routes/core/config.js";
import type { ObservedRoute, ObservedTable } from "../../functions/pod-routes/core/model.js";
import type { RouteQuota } from "../../functions/pod-routes/core/quota.js";
import { planAllocation } from "../../functions/pod-routes/jobs/allocation.js";
import { table, to, worker } from "./fixtures.js";

// An allocation planned from what was read, before any write: the block a retry adopts, or the free
// blocks to claim, lowest first, and how full the pool is.
const config = parseConfig({ ROUTE_TABLE_IDS: "rtb-00000000000000001", CLUSTER_CIDR: "10.200.0.0/16" });
const untagged = worker("i-new", "");
const holder = (cidr: string, state: InstanceStateName = "terminated"): Instance => ({
  InstanceId: `i-${cidr.split(".")[2]}`,
  State: { Name: state },
  Tags: [{ Key: "pod-cidr", Value: cidr }],
});

const QUOTA: RouteQuota = { limit: 50, source: "applied" };

function planned(
  routes: ObservedRoute[],
  holders: Instance[] = [],
  vpcCidrs?: string[],
  {
    quota = QUOTA,
    others = [],
    settings = config,
  }: { quota?: RouteQuota; others?: ObservedTable[]; settings?: Config } = {},
): string {
  const observed = { ...table(routes), ...(vpcCidrs ? { vpcCidrs } : {}) };
  const plan = planAllocation(untagged, [observed, ...others], holders, settings, quota);
  if ("error" in plan) return `${plan.error.name}: ${plan.error.message}`;
  return plan.families
    .map((family) => {
      if ("adopted" in family) return `adopts ${family.adopted}`;
      const [first, second] = family.candidates;
      return `tries ${first}, then ${second}; ${family.usage.inUse} of ${family.usage.capacity} in use`;
    })
    .join(" | ");
}

describe("planAllocation", () => {
  it.each<{ name: string; routes: ObservedRoute[]; holders?: Instance[]; vpcCidrs?: string[]; expected: string }>([
    { name: "an empty pool", routes: [], expected: "tries 10.200.0.0/24, then 10.200.1.0/24; 1 of 256 in use" },
    {
      name: "blocks routed, even as blackholes",
      routes: [to.instance("10.200.0.0/24", "i-a"), to.instance("10.200.1.0/24", "i-b", true)],
      expected: "tries 10.200.2.0/24, then 10.200.3.0/24; 3 of 256 in use",
    },
    {
      name: "blocks a departed worker's tag still names (it is listed for about an hour)",
      routes: [],
      holders: [holder("10.200.0.0/24"), holder("10.200.2.0/24", "shutting-down")],
      expected: "tries 10.200.1.0/24, then 10.200.3.0/24; 3 of 256 in use",
    },
    {
      name: "a tag or route outside the cluster CIDR, and the default route",
      routes: [to.gateway("0.0.0.0/0", "igw-1")],
      holders: [holder("10.100.0.0/24")],
      expected: "tries 10.200.0.0/24, then 10.200.1.0/24; 1 of 256 in use",
    },
    {
      name: "a VPC block inside the cluster CIDR",
      routes: [],
      vpcCidrs: ["10.240.0.0/16", "10.200.0.0/23"],
      expected: "tries 10.200.2.0/24, then 10.200.3.0/24; 3 of 256 in use",
    },
    {
      name: "a block already routed to the worker (a retry after its tagging failed)",
      routes: [to.instance("10.200.0.0/24", "i-a"), to.instance("10.200.7.0/24", "i-new")],
      expected: "adopts 10.200.7.0/24",
    },
    {
      name: "a route to the worker that is no pool block",
      routes: [to.instance("10.200.8.0/25", "i-new")],
      expected: "tries 10.200.0.0/24, then 10.200.1.0/24; 2 of 256 in use",
    },
  ])("$name: $expected", ({ routes, holders, vpcCidrs, expected }) => {
    expect(planned(routes, holders, vpcCidrs)).toBe(expected);
  });

  it("names the worker and its VPC when no table there can hold its block", () => {
    const plan = planAllocation(worker("i-new", "", { vpcId: "vpc-2" }), [table([])], [], config, QUOTA);
    expect("error" in plan && `${plan.error.name}: ${plan.error.message}`).toBe(
      "NotAWorkerError: i-new is in vpc-2: no route table there to allocate a pod CIDR in",
    );
  });

  describe("under the route quota", () => {
    const routes = (count: number) =>
      Array.from({ length: count }, (_, n) => to.instance(`10.200.${n}.0/24`, `i-${n}`));
    const other = (count: number): ObservedTable => ({
      ...table(routes(count)),
      routeTableId: "rtb-00000000000000002",
    });

    it.each<{ name: string; held: number; quota?: RouteQuota; others?: ObservedTable[]; expected: string }>([
      { name: "room for one more", held: 49, expected: "tries 10.200.49.0/24, then 10.200.50.0/24; 50 of 256 in use" },
      {
        name: "the claim table full",
        held: 50,
        expected:
          'RouteLimitError: rtb-00000000000000001 is full: the "Routes per route table" quota (Amazon VPC, ' +
          "L-93826ACB) allows 50 routes here, and 51 are needed (1 pod routes not created); request an increase " +
          "to at least 51 in Service Quotas, or free routes",
      },
      {
        name: "another table of the VPC full",
        held: 10,
        others: [other(50)],
        expected: expect.stringMatching(/^RouteLimitError: rtb-00000000000000002 is full: .* allows 50 routes here/),
      },
      {
        name: "a full table of another VPC",
        held: 10,
        others: [{ ...other(50), vpcId: "vpc-2" }],
        expected: "tries 10.200.50.0/24, then 10.200.51.0/24; 51 of 256 in use",
      },
      {
        name: "a quota only assumed (Service Quotas unreadable)",
        held: 50,
        quota: { limit: 50, source: "assumed", problem: "AccessDeniedException" },
        expected: "tries 10.200.50.0/24, then 10.200.51.0/24; 51 of 256 in use",
      },
    ])("$name", ({ held, quota, others, expected }) => {
      expect(
        planned(routes(held), [], undefined, { ...(quota ? { quota } : {}), ...(others ? { others } : {}) }),
      ).toEqual(expected);
    });
  });

  describe("dual-stack", () => {
    const dual = parseConfig({
      ROUTE_TABLE_IDS: "rtb-00000000000000001",
      CLUSTER_CIDR: "10.200.0.0/16",
      CLUSTER_CIDR_V6: "fd00:10:200::/56",
    });
    const dualHolder = (cidr: string): Instance => ({
      ...holder("10.200.9.0/24"),
      Tags: [{ Key: "pod-cidr", Value: cidr }],
    });

    it.each<{ name: string; routes: ObservedRoute[]; holders?: Instance[]; vpcCidrs?: string[]; expected: string }>([
      {
        name: "a block of each family, lowest first",
        routes: [],
        expected:
          "tries 10.200.0.0/24, then 10.200.1.0/24; 1 of 256 in use | " +
          "tries fd00:10:200::/64, then fd00:10:200:1::/64; 1 of 256 in use",
      },
      {
        name: "each family's blocks taken by routes and by tags, either order, however written",
        routes: [to.instance("10.200.0.0/24", "i-a"), to.instance("fd00:10:200::/64", "i-a")],
        holders: [dualHolder("FD00:10:200:0001::/64,10.200.1.0/24")],
        expected:
          "tries 10.200.2.0/24, then 10.200.3.0/24; 3 of 256 in use | " +
          "tries fd00:10:200:2::/64, then fd00:10:200:3::/64; 3 of 256 in use",
      },
      {
        name: "a wider route inside the IPv6 pool takes every block it covers",
        routes: [to.instance("fd00:10:200::/62", "i-a")],
        expected:
          "tries 10.200.0.0/24, then 10.200.1.0/24; 1 of 256 in use | " +
          "tries fd00:10:200:4::/64, then fd00:10:200:5::/64; 5 of 256 in use",
      },
      {
        name: "a block of one family already routed to the worker: adopted, the other still to claim",
        routes: [to.instance("fd00:10:200:7::/64", "i-new")],
        expected: "tries 10.200.0.0/24, then 10.200.1.0/24; 1 of 256 in use | adopts fd00:10:200:7::/64",
      },
      {
        name: "the VPC's own IPv6 block is not the cluster's: nothing taken",
        routes: [],
        vpcCidrs: ["10.240.0.0/16", "2600:1f18:abcd:ef00::/56"],
        expected:
          "tries 10.200.0.0/24, then 10.200.1.0/24; 1 of 256 in use | " +
          "tries fd00:10:200::/64, then fd00:10:200:1::/64; 1 of 256 in use",
      },
    ])("$name", ({ routes, holders, vpcCidrs, expected }) => {
      expect(planned(routes, holders, vpcCidrs, { settings: dual })).toBe(expected);
    });

    it("counts IPv6 routes against their own quota", () => {
      const v6Routes = Array.from({ length: 50 }, (_, n) =>
        to.instance(`fd00:10:200:${(n + 16).toString(16)}::/64`, `i-${n}`),
      );
      expect(planned(v6Routes, [], undefined, { settings: dual })).toMatch(
        /^RouteLimitError: rtb-00000000000000001 is full: .* allows 50 IPv6 routes here, and 51 are needed/,
      );
      const v4Routes = Array.from({ length: 49 }, (_, n) => to.instance(`10.200.${n}.0/24`, `i-${n}`));
      expect(planned(v4Routes, [], undefined, { settings: dual })).toMatch(/^tries 10\.200\.49\.0\/24/);
    });
  });
});
