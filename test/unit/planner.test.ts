import { describe, expect, it } from "vitest";
import type { TargetFacts } from "../../functions/pod-routes/core/model.js";
import {
  contestedTargets,
  desireFor,
  planTable,
  type Claim,
  type TablePlanInput,
} from "../../functions/pod-routes/core/planner.js";
import { CLUSTER, TABLE_ID, block, claim, table, to, worker } from "./fixtures.js";

const A = worker("i-aaaaaaaa", "10.200.1.0/24");
const B = worker("i-bbbbbbbb", "10.200.2.0/24");
const MULTI = worker("i-cccccccc", "10.200.3.0/24", {
  routeTarget: { kind: "interface", id: "eni-primary" },
  interfaceIds: ["eni-primary", "eni-second"],
});
const STOPPED_A = worker("i-aaaaaaaa", "10.200.1.0/24", { lifecycle: "stopped" });
const GONE_A = worker("i-aaaaaaaa", "10.200.1.0/24", { lifecycle: "gone" });

function plan(claims: Claim[], routes: Parameters<typeof table>[0], options: Partial<TablePlanInput> = {}) {
  return planTable({
    table: table(routes),
    clusterCidr: CLUSTER,
    claims,
    scope: "claims",
    held: new Set(),
    targets: new Map(),
    onStop: "keep",
    ...options,
  }).map(({ action, cidr, target, previousTarget }) => ({
    action,
    cidr,
    target,
    ...(previousTarget ? { previousTarget } : {}),
  }));
}

const facts = (entries: Record<string, TargetFacts>) => new Map(Object.entries(entries));

describe("planTable for one worker's event", () => {
  it.each([
    [
      "creates a missing route",
      [claim(A, "ensure")],
      [],
      {},
      [{ action: "create", cidr: "10.200.1.0/24", target: A.instanceId }],
    ],
    [
      "keeps a route to the worker",
      [claim(A, "ensure")],
      [to.instance("10.200.1.0/24", A.instanceId)],
      {},
      [{ action: "keep", cidr: "10.200.1.0/24", target: A.instanceId }],
    ],
    [
      "keeps a route to the worker's ENI",
      [claim(A, "ensure")],
      [to.eni("10.200.1.0/24", A.interfaceIds[0]!)],
      {},
      [{ action: "keep", cidr: "10.200.1.0/24", target: A.interfaceIds[0] }],
    ],
    [
      "routes a multi-homed worker through its primary ENI",
      [claim(MULTI, "ensure")],
      [],
      {},
      [{ action: "create", cidr: "10.200.3.0/24", target: "eni-primary" }],
    ],
    [
      "keeps a route to a multi-homed worker through its primary ENI",
      [claim(MULTI, "ensure")],
      [{ ...to.eni("10.200.3.0/24", "eni-primary"), instanceId: MULTI.instanceId }],
      {},
      [{ action: "keep", cidr: "10.200.3.0/24", target: MULTI.instanceId }],
    ],
    [
      "moves a route through the worker's secondary ENI, whose check stays on, to its primary one",
      [claim(MULTI, "ensure")],
      [{ ...to.eni("10.200.3.0/24", "eni-second"), instanceId: MULTI.instanceId }],
      {},
      [{ action: "replace", cidr: "10.200.3.0/24", target: "eni-primary", previousTarget: "eni-second" }],
    ],
    [
      "replaces a route to a terminated instance",
      [claim(A, "ensure")],
      [to.instance("10.200.1.0/24", "i-old")],
      { targets: facts({ "i-old": { lifecycle: "gone", worker: true, podCidrTag: "10.200.1.0/24" } }) },
      [{ action: "replace", cidr: "10.200.1.0/24", target: A.instanceId, previousTarget: "i-old" }],
    ],
    [
      "refuses a route to a stopped worker still tagged with the CIDR (ON_STOP=keep: it keeps its block)",
      [claim(A, "ensure")],
      [to.instance("10.200.1.0/24", "i-old", true)],
      { targets: facts({ "i-old": { lifecycle: "stopped", worker: true, podCidrTag: "10.200.1.0/24" } }) },
      [{ action: "conflict", cidr: "10.200.1.0/24", target: "i-old" }],
    ],
    [
      "replaces a route to a stopped worker when ON_STOP=remove",
      [claim(A, "ensure")],
      [to.instance("10.200.1.0/24", "i-old", true)],
      {
        targets: facts({ "i-old": { lifecycle: "stopped", worker: true, podCidrTag: "10.200.1.0/24" } }),
        onStop: "remove",
      },
      [{ action: "replace", cidr: "10.200.1.0/24", target: A.instanceId, previousTarget: "i-old" }],
    ],
    [
      "replaces a route to a stopped worker now tagged with another CIDR",
      [claim(A, "ensure")],
      [to.instance("10.200.1.0/24", "i-old", true)],
      { targets: facts({ "i-old": { lifecycle: "stopped", worker: true, podCidrTag: "10.200.9.0/24" } }) },
      [{ action: "replace", cidr: "10.200.1.0/24", target: A.instanceId, previousTarget: "i-old" }],
    ],
    [
      "replaces a blackhole route to an instance EC2 no longer knows",
      [claim(A, "ensure")],
      [to.instance("10.200.1.0/24", "i-old", true)],
      { targets: facts({ "i-old": { lifecycle: "unknown", worker: false } }) },
      [{ action: "replace", cidr: "10.200.1.0/24", target: A.instanceId, previousTarget: "i-old" }],
    ],
    [
      "refuses an active route to an instance EC2 does not show (yet)",
      [claim(A, "ensure")],
      [to.instance("10.200.1.0/24", "i-new")],
      { targets: facts({ "i-new": { lifecycle: "unknown", worker: false } }) },
      [{ action: "conflict", cidr: "10.200.1.0/24", target: "i-new" }],
    ],
    [
      "refuses a blackhole route to a stopped instance that is not a worker",
      [claim(A, "ensure")],
      [to.instance("10.200.1.0/24", "i-parked", true)],
      { targets: facts({ "i-parked": { lifecycle: "stopped", worker: false } }) },
      [{ action: "conflict", cidr: "10.200.1.0/24", target: "i-parked" }],
    ],
    [
      "replaces a route to a live worker now tagged with another CIDR",
      [claim(A, "ensure")],
      [to.instance("10.200.1.0/24", "i-moved")],
      { targets: facts({ "i-moved": { lifecycle: "live", worker: true, podCidrTag: "10.200.9.0/24" } }) },
      [{ action: "replace", cidr: "10.200.1.0/24", target: A.instanceId, previousTarget: "i-moved" }],
    ],
    [
      "refuses a route to a live worker with the same CIDR",
      [claim(A, "ensure")],
      [to.instance("10.200.1.0/24", "i-rival")],
      { targets: facts({ "i-rival": { lifecycle: "live", worker: true, podCidrTag: "10.200.1.0/24" } }) },
      [{ action: "conflict", cidr: "10.200.1.0/24", target: "i-rival" }],
    ],
    [
      "refuses a route to a live instance that is not a worker",
      [claim(A, "ensure")],
      [to.instance("10.200.1.0/24", "i-vpn")],
      { targets: facts({ "i-vpn": { lifecycle: "live", worker: false } }) },
      [{ action: "conflict", cidr: "10.200.1.0/24", target: "i-vpn" }],
    ],
    [
      "refuses a route to a stopped instance that is not a worker",
      [claim(A, "ensure")],
      [to.instance("10.200.1.0/24", "i-parked")],
      { targets: facts({ "i-parked": { lifecycle: "stopped", worker: false } }) },
      [{ action: "conflict", cidr: "10.200.1.0/24", target: "i-parked" }],
    ],
    [
      "refuses a route to a live instance it knows nothing about",
      [claim(A, "ensure")],
      [to.instance("10.200.1.0/24", "i-unknown")],
      {},
      [{ action: "conflict", cidr: "10.200.1.0/24", target: "i-unknown" }],
    ],
    [
      "refuses a route to a gateway",
      [claim(A, "ensure")],
      [to.gateway("10.200.1.0/24", "igw-1")],
      {},
      [{ action: "conflict", cidr: "10.200.1.0/24", target: "igw-1" }],
    ],
    [
      "deletes the worker's route at a CIDR it no longer claims",
      [claim(A, "ensure")],
      [to.instance("10.200.1.0/24", A.instanceId), to.instance("10.200.7.0/24", A.instanceId)],
      {},
      [
        { action: "keep", cidr: "10.200.1.0/24", target: A.instanceId },
        { action: "delete", cidr: "10.200.7.0/24", target: A.instanceId },
      ],
    ],
    [
      "keeps a stopped worker's route (retain)",
      [claim(STOPPED_A, "retain")],
      [to.instance("10.200.1.0/24", A.instanceId)],
      {},
      [{ action: "keep", cidr: "10.200.1.0/24", target: A.instanceId }],
    ],
    [
      "creates nothing for a stopped worker (retain)",
      [claim(STOPPED_A, "retain")],
      [],
      {},
      [{ action: "skip", cidr: "10.200.1.0/24" }],
    ],
    [
      "deletes a gone worker's route",
      [claim(GONE_A, "remove")],
      [to.instance("10.200.1.0/24", A.instanceId)],
      {},
      [{ action: "delete", cidr: "10.200.1.0/24", target: A.instanceId }],
    ],
    [
      "leaves a gone worker's CIDR to its replacement",
      [claim(GONE_A, "remove")],
      [to.instance("10.200.1.0/24", "i-new")],
      {},
      [{ action: "skip", cidr: "10.200.1.0/24" }],
    ],
    [
      "deletes every cluster route to a vanished instance whose tag is unknown",
      [claim(worker("i-aaaaaaaa", "", { lifecycle: "gone" }), "remove", false)],
      [to.instance("10.200.4.0/24", A.instanceId), to.instance("10.100.0.0/16", A.instanceId)],
      {},
      [{ action: "delete", cidr: "10.200.4.0/24", target: A.instanceId }],
    ],
    [
      "deletes a blackhole route to an instance EC2 does not show, on its own event",
      [claim(worker("i-aaaaaaaa", "", { lifecycle: "unknown" }), "remove", false)],
      [to.instance("10.200.4.0/24", A.instanceId, true)],
      {},
      [{ action: "delete", cidr: "10.200.4.0/24", target: A.instanceId }],
    ],
    [
      "leaves an active route to an instance EC2 does not show alone, even on its own event",
      [claim(worker("i-aaaaaaaa", "", { lifecycle: "unknown" }), "remove", false)],
      [to.instance("10.200.4.0/24", A.instanceId)],
      {},
      [{ action: "unmanaged", cidr: "10.200.4.0/24", target: A.instanceId }],
    ],
    [
      "never touches another instance's route on an event",
      [claim(A, "ensure")],
      [to.instance("10.200.1.0/24", A.instanceId), to.instance("10.200.2.0/24", "i-orphan", true)],
      {},
      [{ action: "keep", cidr: "10.200.1.0/24", target: A.instanceId }],
    ],
  ])("%s", (_name, claims, routes, options, expected) => {
    expect(plan(claims, routes, options as Partial<TablePlanInput>)).toEqual(expected);
  });
});

describe("planTable for a full sync", () => {
  const sync = (claims: Claim[], routes: Parameters<typeof table>[0], options: Partial<TablePlanInput> = {}) =>
    plan(claims, routes, { scope: "table", ...options });

  it("keeps a converged table", () => {
    expect(
      sync(
        [claim(A, "ensure"), claim(B, "ensure")],
        [to.instance("10.200.1.0/24", A.instanceId), to.instance("10.200.2.0/24", B.instanceId)],
      ).map((d) => d.action),
    ).toEqual(["keep", "keep"]);
  });

  it("deletes the cluster routes that are provably its own (a blackhole only when its target is gone or a worker), and nothing outside the cluster CIDR", () => {
    expect(
      sync(
        [claim(A, "ensure")],
        [
          to.instance("10.200.1.0/24", A.instanceId),
          to.instance("10.200.8.0/24", "i-dead", true),
          to.instance("10.200.7.0/24", "i-gone"),
          to.instance("10.200.9.0/24", "i-parked", true),
          to.instance("10.200.10.0/24", "i-new"),
          to.instance("10.200.6.0/24", "i-other-worker"),
          to.instance("10.100.0.0/16", "i-vpn"),
          to.gateway("0.0.0.0/0", "igw-1"),
          to.gateway("10.200.200.0/24", "pcx-1"),
        ],
        {
          targets: facts({
            "i-dead": { lifecycle: "unknown", worker: false },
            "i-gone": { lifecycle: "gone", worker: false },
            "i-parked": { lifecycle: "stopped", worker: false },
            "i-new": { lifecycle: "unknown", worker: false },
            "i-other-worker": { lifecycle: "live", worker: true, podCidrTag: "10.200.5.0/24" },
          }),
        },
      ),
    ).toEqual([
      { action: "keep", cidr: "10.200.1.0/24", target: A.instanceId },
      { action: "delete", cidr: "10.200.8.0/24", target: "i-dead" },
      { action: "delete", cidr: "10.200.7.0/24", target: "i-gone" },
      { action: "unmanaged", cidr: "10.200.9.0/24", target: "i-parked" },
      { action: "unmanaged", cidr: "10.200.10.0/24", target: "i-new" },
      { action: "delete", cidr: "10.200.6.0/24", target: "i-other-worker" },
    ]);
  });

  it.each([
    ["a live instance that is not a worker (an untagged worker, a VPN box)", "i-vpn", "live"],
    ["a stopped instance that is not a worker", "i-parked", "stopped"],
  ] as const)("leaves a route to %s alone, as unmanaged", (_name, id, lifecycle) => {
    expect(
      sync([claim(A, "ensure")], [to.instance("10.200.1.0/24", A.instanceId), to.instance("10.200.0.0/24", id)], {
        targets: facts({ [id]: { lifecycle, worker: false } }),
      }),
    ).toEqual([
      { action: "keep", cidr: "10.200.1.0/24", target: A.instanceId },
      { action: "unmanaged", cidr: "10.200.0.0/24", target: id },
    ]);
  });

  it("leaves a route to an ENI of no instance it knows alone, as unmanaged; a blackhole ENI route goes", () => {
    expect(
      sync([], [to.eni("10.200.9.0/24", "eni-appliance"), { ...to.eni("10.200.8.0/24", "eni-x"), blackhole: true }]),
    ).toEqual([
      { action: "unmanaged", cidr: "10.200.9.0/24", target: "eni-appliance" },
      { action: "delete", cidr: "10.200.8.0/24", target: "eni-x" },
    ]);
  });

  it("reports a route more specific than a worker's pod CIDR as an overlap, and still routes the worker", () => {
    expect(
      sync([claim(A, "ensure")], [to.gateway("10.200.1.128/25", "tgw-1"), to.gateway("10.200.0.0/23", "tgw-2")]),
    ).toEqual([
      { action: "create", cidr: "10.200.1.0/24", target: A.instanceId },
      { action: "overlap", cidr: "10.200.1.128/25", target: "tgw-1" },
    ]);
  });

  it("reports two live workers claiming one CIDR as a conflict and leaves that route alone", () => {
    const rival = worker("i-rival", "10.200.1.0/24");
    expect(sync([claim(A, "ensure"), claim(rival, "ensure")], [to.instance("10.200.1.0/24", A.instanceId)])).toEqual([
      { action: "conflict", cidr: "10.200.1.0/24", target: A.instanceId },
    ]);
  });

  it("leaves the routes of a held worker (invalid tag) alone", () => {
    expect(sync([], [to.instance("10.200.5.0/24", "i-badtag")], { held: new Set(["i-badtag"]) })).toEqual([
      { action: "skip", cidr: "10.200.5.0/24", target: "i-badtag" },
    ]);
  });

  it.each([
    ["keep", [{ action: "conflict", cidr: "10.200.1.0/24", target: "i-bbbbbbbb" }]],
    ["remove", [{ action: "replace", cidr: "10.200.1.0/24", target: A.instanceId, previousTarget: "i-bbbbbbbb" }]],
  ] as const)("a CIDR held by a stopped worker with ON_STOP=%s, claimed by a live one", (onStop, ensured) => {
    const stoppedB = worker("i-bbbbbbbb", "10.200.1.0/24", { lifecycle: "stopped" });
    expect(
      sync(
        [claim(A, "ensure"), claim(stoppedB, onStop === "keep" ? "retain" : "remove")],
        [to.instance("10.200.1.0/24", stoppedB.instanceId, true)],
        {
          targets: facts({
            [stoppedB.instanceId]: { lifecycle: "stopped", worker: true, podCidrTag: "10.200.1.0/24" },
          }),
          onStop,
        },
      ),
    ).toEqual([...ensured, { action: "skip", cidr: "10.200.1.0/24", target: undefined }]);
  });

  it("names both workers in a conflict's reason", () => {
    const [decision] = planTable({
      table: table([to.instance("10.200.1.0/24", "i-rival")]),
      clusterCidr: CLUSTER,
      claims: [claim(A, "ensure")],
      scope: "claims",
      held: new Set(),
      targets: new Map(),
      onStop: "keep",
    });
    expect(decision).toMatchObject({
      routeTableId: TABLE_ID,
      reason: expect.stringMatching(
        /routes to instance i-rival, which pod-routes knows nothing of; i-aaaaaaaa claims it too/,
      ),
    });
  });
});

describe("planTable for one family of a dual-stack table", () => {
  const DUAL_A = worker("i-aaaaaaaa", "10.200.1.0/24,fd00:10:200:1::/64");
  const V6 = block("fd00:10:200::/56");
  const v6Sync = (claims: Claim[], routes: Parameters<typeof table>[0], options: Partial<TablePlanInput> = {}) =>
    plan(claims, routes, { scope: "table", clusterCidr: V6, ...options });

  // The IPv6 rows of the route controller's TestIsResponsibleForRoute: only routes inside the cluster CIDR.
  it.each([
    ["a00::/10", "a00:100::/24", true],
    ["a00::/10", "b00:100::/24", false],
    ["fd00:10:200::/56", "fd00:10:200:ff::/64", true],
    ["fd00:10:200::/56", "fd00:10:201::/64", false],
    ["fd00:10:200::/56", "10.200.1.0/24", false],
  ])("with cluster CIDR %s, is responsible for %s: %s", (cluster, destination, responsible) => {
    const decisions = v6Sync([], [to.instance(destination, "i-gone")], {
      clusterCidr: block(cluster),
      targets: facts({ "i-gone": { lifecycle: "gone", worker: false } }),
    });
    expect(decisions).toEqual(responsible ? [{ action: "delete", cidr: destination, target: "i-gone" }] : []);
  });

  it("plans the worker's IPv6 block alone, and leaves its IPv4 route to the IPv4 plan", () => {
    expect(
      v6Sync(
        [claim(DUAL_A, "ensure")],
        [to.instance("10.200.1.0/24", "i-stale"), to.instance("fd00:10:200:2::/64", "i-aaaaaaaa")],
      ),
    ).toEqual([
      { action: "create", cidr: "fd00:10:200:1::/64", target: DUAL_A.instanceId },
      { action: "delete", cidr: "fd00:10:200:2::/64", target: DUAL_A.instanceId },
    ]);
  });

  it("finds the route to an IPv6 block however EC2 or the tag spells it", () => {
    const spelled = worker("i-aaaaaaaa", "10.200.1.0/24,FD00:10:200:0001:0:0:0:0/64");
    expect(
      v6Sync([claim(spelled, "ensure")], [to.instance("fd00:10:200:1::/64", spelled.instanceId)]).map((d) => d.action),
    ).toEqual(["keep"]);
  });

  it("reports a more specific IPv6 route inside the worker's block as an overlap", () => {
    expect(v6Sync([claim(DUAL_A, "ensure")], [to.gateway("fd00:10:200:1::/80", "tgw-1")])).toEqual([
      { action: "create", cidr: "fd00:10:200:1::/64", target: DUAL_A.instanceId },
      { action: "overlap", cidr: "fd00:10:200:1::/80", target: "tgw-1" },
    ]);
  });

  it("replaces an IPv6 route held by a worker now tagged with another block, naming its tag", () => {
    const reasons = planTable({
      table: table([to.instance("fd00:10:200:1::/64", "i-old")]),
      clusterCidr: V6,
      claims: [claim(DUAL_A, "ensure")],
      scope: "claims",
      held: new Set(),
      targets: facts({ "i-old": { lifecycle: "live", worker: true, podCidrTag: "10.200.9.0/24,fd00:10:200:9::/64" } }),
      onStop: "keep",
    }).map((d) => [d.action, d.reason]);
    expect(reasons).toEqual([
      ["replace", 'i-aaaaaaaa is running; i-old is now tagged "10.200.9.0/24,fd00:10:200:9::/64"'],
    ]);
  });
});

describe("desireFor", () => {
  it.each([
    ["live", "keep", "ensure"],
    ["live", "remove", "ensure"],
    ["stopped", "keep", "retain"],
    ["stopped", "remove", "remove"],
    ["gone", "keep", "remove"],
    ["unknown", "keep", "remove"],
  ] as const)("a %s worker with ON_STOP=%s → %s", (lifecycle, onStop, desire) => {
    expect(desireFor(worker("i-aaaaaaaa", "10.200.1.0/24", { lifecycle }), onStop).desire).toBe(desire);
  });
});

describe("contestedTargets", () => {
  it("asks about other instances that hold a claimed CIDR, blackhole or not (a stopped one may keep it)", () => {
    const routes = table([
      to.instance("10.200.1.0/24", "i-holder"),
      to.instance("10.200.2.0/24", B.instanceId),
      to.instance("10.200.3.0/24", "i-blackholed", true),
      to.gateway("10.200.4.0/24", "igw-1"),
    ]);
    const claims = [A, B, worker("i-3", "10.200.3.0/24"), worker("i-4", "10.200.4.0/24")].map((w) =>
      claim(w, "ensure"),
    );
    expect(contestedTargets(routes, claims)).toEqual(["i-holder", "i-blackholed"]);
  });
});
