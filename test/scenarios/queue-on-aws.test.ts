import { describe, expect, it } from "vitest";
import { lifecycleAction, scheduled, stateChange } from "../../scripts/cli/sample-events.js";
import { tutorialWorld, useFakeCloud, workerTags } from "../support/worlds.js";

const GROUP = "hard-k8s-workers";
const HOOK = "pod-routes-launch";

/** The event queue as Lambda's event source mapping reads a FIFO queue: one failed record holds its group. */
describe("the event queue on AWS as it behaves", () => {
  const aws = useFakeCloud();

  it("a record whose worker refuses routes for 90 s holds only itself, back within 60 s each time, until routed", async () => {
    const world = tutorialWorld(aws.cloud);
    aws.cloud.group(GROUP, [{ name: HOOK, transition: "launch" }]);
    const slow = aws.cloud.launchIntoGroup(GROUP, world.subnetId, { tags: workerTags(5) });
    aws.cloud.refuseRoutes(slow.instanceId, 90_000);
    const events = aws.queue();
    events.send([
      lifecycleAction("launch", slow.instanceId, { group: GROUP, hook: HOOK, token: slow.tokens[HOOK] }),
      ...world.workerIds.map((id) => stateChange(id, "running")),
    ]);

    const report = await events.drain(aws.handler({ ROUTE_TABLE_IDS: world.tableId }));

    // The first batch routed the three workers; the slow launch alone came back, each time within a minute.
    expect(report.batches[0]).toBe(4);
    expect(report.batches.slice(1).every((size) => size === 1)).toBe(true);
    expect(report.returnedAfterMs.length).toBeGreaterThan(0);
    expect(Math.max(...report.returnedAfterMs)).toBeLessThanOrEqual(60_000);
    expect(report.elapsedMs).toBeLessThan(180_000);
    expect(events.deadLetters).toEqual([]);
    expect(aws.cloud.routesOf(world.tableId)["10.200.5.0/24"]).toBe(slow.instanceId);
    expect(aws.cloud.completions).toEqual([
      { group: GROUP, hook: HOOK, instanceId: slow.instanceId, result: "CONTINUE" },
    ]);
  });

  it("acknowledges a sync whose changes were throttled, leaving them to the next scheduled sync", async () => {
    const world = tutorialWorld(aws.cloud);
    aws.cloud.faults.push({ action: "CreateRoute", code: "RequestLimitExceeded", times: 2 });
    const events = aws.queue();
    events.send([scheduled()]);

    const report = await events.drain(aws.handler({ ROUTE_TABLE_IDS: world.tableId }));

    expect(report.batches).toEqual([1]);
    expect(Object.keys(aws.cloud.routesOf(world.tableId))).toHaveLength(2);
  });

  it("moves a record that fails every time to the dead-letter queue after 5 receives, holding nothing else", async () => {
    const world = tutorialWorld(aws.cloud);
    aws.cloud.faults.push({
      action: "CreateRoute",
      code: "InternalError",
      times: 1_000,
      when: (input) => input["DestinationCidrBlock"] === "10.200.0.0/24",
    });
    const events = aws.queue();
    events.send([stateChange(world.workerIds[0]!, "running")]);
    events.send([stateChange(world.workerIds[1]!, "running")]);

    const report = await events.drain(aws.handler({ ROUTE_TABLE_IDS: world.tableId }));

    expect(events.deadLetters).toHaveLength(1);
    expect(report.batches).toEqual([2, 1, 1, 1, 1]);
    expect(aws.cloud.routesOf(world.tableId)["10.200.1.0/24"]).toBe(world.workerIds[1]);
  });

  describe("a setting that fails the whole batch (a route table that does not exist)", () => {
    const MISSING_TABLE = "rtb-0000000000000dead";

    it("leaves every launch open, its record retried until the dead-letter queue, never abandoned, and alarms", async () => {
      const world = tutorialWorld(aws.cloud);
      aws.cloud.group(GROUP, [{ name: HOOK, transition: "launch" }]);
      const launched = aws.cloud.launchIntoGroup(GROUP, world.subnetId, { tags: workerTags(5) });
      const events = aws.queue();
      events.send([
        lifecycleAction("launch", launched.instanceId, { group: GROUP, hook: HOOK, token: launched.tokens[HOOK] }),
      ]);

      await events.drain(aws.handler({ ROUTE_TABLE_IDS: MISSING_TABLE }));

      expect(aws.cloud.completions).toEqual([]);
      expect(aws.cloud.openActions()).toHaveLength(1);
      expect(events.deadLetters).toHaveLength(1);
    });

    it.each([
      ["a state change", (id: string) => stateChange(id, "running")],
      ["a launch action", (id: string) => lifecycleAction("launch", id, { group: GROUP, hook: HOOK })],
    ])("fails the invocation of %s sent directly, completing nothing", async (_case, event) => {
      const world = tutorialWorld(aws.cloud);
      aws.cloud.group(GROUP, [{ name: HOOK, transition: "launch" }]);
      const launched = aws.cloud.launchIntoGroup(GROUP, world.subnetId, { tags: workerTags(5) });

      await expect(aws.handler({ ROUTE_TABLE_IDS: MISSING_TABLE })(event(launched.instanceId))).rejects.toMatchObject({
        name: "RouteTableNotFoundError",
      });
      expect(aws.cloud.completions).toEqual([]);
    });
  });
});
