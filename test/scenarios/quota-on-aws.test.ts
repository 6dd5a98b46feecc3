import { describe, expect, it } from "vitest";
import { lifecycleAction, scheduled } from "../../scripts/cli/sample-events.js";
import { CLUSTER_TAG_KEY, tutorialWorld, useFakeCloud } from "../support/worlds.js";

const GROUP = "hard-k8s-workers";
const HOOK = "pod-routes-launch";
const ROUTE_LIMIT = 6;

describe("the route quota on AWS as it behaves", () => {
  const aws = useFakeCloud({ routeLimit: ROUTE_LIMIT });

  it("refuses up front the creates a table has no room for, naming the quota, and routes the rest whole", async () => {
    const world = tutorialWorld(aws.cloud, { workers: 8 });
    const handler = aws.handler({ ROUTE_TABLE_IDS: world.tableId });
    // The routes the quota counts already there: all but the local route.
    const before = Object.keys(aws.cloud.routesOf(world.tableId)).length;

    const summary = await handler(scheduled());

    const created = Object.keys(aws.cloud.routesOf(world.tableId)).length - before;
    const room = ROUTE_LIMIT - before;
    expect(created).toBe(room);
    // No create was tried that the quota could not take: EC2 never had to refuse one.
    expect(aws.cloud.calls.filter((call) => call.action === "CreateRoute")).toHaveLength(room);
    expect(summary.failures).toEqual([
      {
        kind: "route-limit",
        instanceIds: world.workerIds.slice(room),
        message:
          `RouteLimitError: ${world.tableId} is full: the "Routes per route table" quota (Amazon VPC, L-93826ACB) ` +
          `allows ${ROUTE_LIMIT} routes here, and ${ROUTE_LIMIT + 8 - room} are needed (${8 - room} pod routes ` +
          `not created); request an increase to at least ${ROUTE_LIMIT + 8 - room} in Service Quotas, or free routes`,
      },
    ]);
    expect(summary.tables[0]?.headroom).toEqual({ routes: ROUTE_LIMIT, limit: ROUTE_LIMIT, free: 0, utilization: 100 });
    // The routed workers are whole: each forwards its pods' traffic.
    for (const id of world.workerIds.slice(0, room)) expect(aws.cloud.instances.get(id)?.sourceDestCheck).toBe(false);
    for (const id of world.workerIds.slice(room)) expect(aws.cloud.instances.get(id)?.sourceDestCheck).toBe(true);
  });

  it("routes every worker once the quota is raised: the next sync creates what was refused", async () => {
    const world = tutorialWorld(aws.cloud, { workers: 8 });
    await aws.handler({ ROUTE_TABLE_IDS: world.tableId })(scheduled());

    // A new execution environment reads the raised quota.
    aws.cloud.setRouteLimit(50);
    const summary = await aws.handler({ ROUTE_TABLE_IDS: world.tableId })(scheduled());

    expect(summary.failures).toEqual([]);
    for (const [n, id] of world.workerIds.entries())
      expect(aws.cloud.routesOf(world.tableId)[`10.200.${n}.0/24`]).toBe(id);
  });

  it("gives a launch no block when its table is full, and fails its action as configured", async () => {
    const world = tutorialWorld(aws.cloud, { workers: ROUTE_LIMIT - 1 });
    aws.cloud.group(GROUP, [{ name: HOOK, transition: "launch" }]);
    const handler = aws.handler({ ROUTE_TABLE_IDS: world.tableId, ALLOCATE_POD_CIDR: "lifecycle" });
    await handler(scheduled());
    const { instanceId, tokens } = aws.cloud.launchIntoGroup(GROUP, world.subnetId, {
      tags: { [CLUSTER_TAG_KEY]: "owned" },
    });
    aws.cloud.takeCalls();

    const summary = await handler(
      lifecycleAction("launch", instanceId, { group: GROUP, hook: HOOK, token: tokens[HOOK] }),
    );

    expect(summary.allocation).toBeUndefined();
    expect(aws.cloud.takeCalls().map((call) => call.action)).not.toContain("CreateRoute");
    expect(aws.cloud.instances.get(instanceId)?.tags.get("pod-cidr")).toBeUndefined();
    expect(summary.failures).toEqual([
      expect.objectContaining({
        kind: "route-limit",
        message: expect.stringMatching(/is full: the "Routes per route table" quota .* allows 6 routes here, and 7/),
      }),
    ]);
    expect(aws.cloud.completions).toEqual([{ group: GROUP, hook: HOOK, instanceId, result: "ABANDON" }]);
  });

  it("measures nothing and refuses nothing up front when the quota cannot be read; EC2's refusal still counts", async () => {
    const world = tutorialWorld(aws.cloud, { workers: 8 });
    aws.cloud.faults.push({ action: "GetServiceQuota", code: "AccessDeniedException" });

    const summary = await aws.handler({ ROUTE_TABLE_IDS: world.tableId })(scheduled());

    expect(summary.tables[0]?.headroom).toBeUndefined();
    expect(aws.cloud.calls.filter((call) => call.action === "CreateRoute").length).toBeGreaterThan(ROUTE_LIMIT - 1);
    expect(summary.failures).toEqual([
      expect.objectContaining({
        kind: "route-limit",
        message: expect.stringContaining(`allows ${ROUTE_LIMIT} routes`),
      }),
    ]);
  });

  it("counts a worker group's lifecycle launch and its table as it goes: one table, many launches", async () => {
    const world = tutorialWorld(aws.cloud, { workers: 0 });
    aws.cloud.group(GROUP, [{ name: HOOK, transition: "launch" }]);
    const handler = aws.handler({ ROUTE_TABLE_IDS: world.tableId, ALLOCATE_POD_CIDR: "lifecycle" });
    const launches = Array.from({ length: ROUTE_LIMIT }, () =>
      aws.cloud.launchIntoGroup(GROUP, world.subnetId, { tags: { [CLUSTER_TAG_KEY]: "owned" } }),
    );

    const results = [];
    for (const { instanceId, tokens } of launches)
      results.push(
        await handler(lifecycleAction("launch", instanceId, { group: GROUP, hook: HOOK, token: tokens[HOOK] })),
      );

    expect(results.map((summary) => summary.allocation?.how ?? summary.failures[0]?.kind)).toEqual([
      ...Array.from({ length: ROUTE_LIMIT - 1 }, () => "claimed"),
      "route-limit",
    ]);
  });
});
