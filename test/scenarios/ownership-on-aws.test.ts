import { describe, expect, it } from "vitest";
import { scheduled, stateChange, tagChange } from "../../scripts/cli/sample-events.js";
import { CLUSTER_TAG_KEY, tutorialWorld, useFakeCloud, workerTags } from "../support/worlds.js";

/** Who owns a route, as EC2 really reports routes and instances: blackholes, lagging listings, unknown ids. */
describe("ownership on AWS as it behaves", () => {
  const aws = useFakeCloud();

  it("routes the tutorial's workers from their state-change events", async () => {
    const world = tutorialWorld(aws.cloud);
    const handler = aws.handler({ ROUTE_TABLE_IDS: world.tableId });

    for (const id of world.workerIds) await handler(stateChange(id, "running"));

    expect(aws.cloud.routesOf(world.tableId)).toEqual({
      "0.0.0.0/0": "igw-0123456789abcdef0",
      "10.200.0.0/24": world.workerIds[0],
      "10.200.1.0/24": world.workerIds[1],
      "10.200.2.0/24": world.workerIds[2],
    });
  });

  it("keeps a blackhole route to a stopped instance that is not a worker, and reports it unmanaged", async () => {
    const world = tutorialWorld(aws.cloud);
    // An untagged tutorial worker, stopped for maintenance: its static route reads blackhole while it is.
    const untagged = aws.cloud.launch(world.subnetId, { tags: { Name: "worker-9" } });
    aws.cloud.addRoute(world.tableId, { destination: "10.200.9.0/24", instanceId: untagged });
    aws.cloud.setState(untagged, "stopped");

    const summary = await aws.handler({ ROUTE_TABLE_IDS: world.tableId })(scheduled());

    expect(aws.cloud.routesOf(world.tableId)["10.200.9.0/24"]).toBe(`${untagged} (blackhole)`);
    expect(summary.tables[0]!.decisions).toContainEqual(
      expect.objectContaining({ action: "unmanaged", cidr: "10.200.9.0/24", target: untagged }),
    );
  });

  it.each([
    ["the worker is gone (terminated)", "terminated" as const],
    ["the worker is stopped and ON_STOP=remove", "stopped" as const],
  ])("deletes a blackhole route when %s", async (_case, state) => {
    const world = tutorialWorld(aws.cloud);
    const [worker0] = world.workerIds;
    const handler = aws.handler({ ROUTE_TABLE_IDS: world.tableId, ON_STOP: "remove" });
    await handler(stateChange(worker0!, "running"));
    aws.cloud.setState(worker0!, state);

    await handler(scheduled());

    expect(aws.cloud.routesOf(world.tableId)["10.200.0.0/24"]).toBeUndefined();
  });

  it("never deletes the route of a live worker tagged with it, though the sync's listing missed the worker", async () => {
    const world = tutorialWorld(aws.cloud);
    const handler = aws.handler({ ROUTE_TABLE_IDS: world.tableId });
    for (const id of world.workerIds) await handler(stateChange(id, "running"));
    aws.cloud.lagListings(world.workerIds[1]!, 60_000);

    const summary = await handler(scheduled());

    expect(aws.cloud.routesOf(world.tableId)["10.200.1.0/24"]).toBe(world.workerIds[1]);
    expect(summary.tables[0]!.decisions).toContainEqual(
      expect.objectContaining({ action: "keep", cidr: "10.200.1.0/24", target: world.workerIds[1] }),
    );
  });

  it("keeps an active route to an instance EC2 does not show yet, and reports its target as unknown", async () => {
    const world = tutorialWorld(aws.cloud);
    const newcomer = aws.cloud.launch(world.subnetId, { tags: { Name: "vpn" } });
    aws.cloud.addRoute(world.tableId, { destination: "10.200.8.0/24", instanceId: newcomer });
    aws.cloud.hideById(newcomer, 60_000);

    const summary = await aws.handler({ ROUTE_TABLE_IDS: world.tableId })(scheduled());

    expect(aws.cloud.routesOf(world.tableId)["10.200.8.0/24"]).toBe(newcomer);
    expect(summary.tables[0]!.decisions).toContainEqual(
      expect.objectContaining({
        action: "unmanaged",
        cidr: "10.200.8.0/24",
        reason: expect.stringMatching(/unknown/),
      }),
    );
  });

  it("keeps an active route to an unknown instance on that instance's own late event", async () => {
    const world = tutorialWorld(aws.cloud);
    const newcomer = aws.cloud.launch(world.subnetId, { tags: workerTags(8) });
    aws.cloud.addRoute(world.tableId, { destination: "10.200.8.0/24", instanceId: newcomer });
    aws.cloud.hideById(newcomer, 60_000);
    const hourAgo = new Date(Date.now() - 3_600_000).toISOString();

    await aws.handler({ ROUTE_TABLE_IDS: world.tableId })(stateChange(newcomer, "terminated", { time: hourAgo }));

    expect(aws.cloud.routesOf(world.tableId)["10.200.8.0/24"]).toBe(newcomer);
  });

  it("deletes a blackhole route to an instance EC2 has forgotten", async () => {
    const world = tutorialWorld(aws.cloud);
    const departed = aws.cloud.launch(world.subnetId, { tags: workerTags(7) });
    aws.cloud.addRoute(world.tableId, { destination: "10.200.7.0/24", instanceId: departed });
    aws.cloud.setState(departed, "terminated");
    aws.cloud.advance(2 * 3_600_000);

    await aws.handler({ ROUTE_TABLE_IDS: world.tableId })(scheduled());

    expect(aws.cloud.routesOf(world.tableId)["10.200.7.0/24"]).toBeUndefined();
  });

  describe("a stopped worker keeps its block (ON_STOP=keep)", () => {
    function stoppedHolder() {
      const world = tutorialWorld(aws.cloud);
      const [worker0] = world.workerIds;
      aws.cloud.addRoute(world.tableId, { destination: "10.200.0.0/24", instanceId: worker0! });
      aws.cloud.setState(worker0!, "stopped");
      const newcomer = aws.cloud.launch(world.subnetId, { tags: workerTags(0) });
      return { world, worker0: worker0!, newcomer };
    }

    it.each([
      ["the newcomer's own event", (newcomer: string) => stateChange(newcomer, "running")],
      ["a sync", () => scheduled()],
    ])("a newcomer tagged with the same CIDR is a conflict on %s, and the route stays", async (_case, event) => {
      const { world, worker0, newcomer } = stoppedHolder();

      const summary = await aws.handler({ ROUTE_TABLE_IDS: world.tableId })(event(newcomer));

      expect(aws.cloud.routesOf(world.tableId)["10.200.0.0/24"]).toBe(`${worker0} (blackhole)`);
      expect(summary.failures).toContainEqual(
        expect.objectContaining({ kind: "conflict", message: expect.stringContaining(worker0) }),
      );
    });

    it.each([
      [
        "terminated",
        (id: string) => {
          aws.cloud.setState(id, "terminated");
          return stateChange(id, "terminated");
        },
      ],
      [
        "untagged",
        (id: string) => {
          aws.cloud.untag(id, "pod-cidr");
          return tagChange(id, { changed: ["pod-cidr"], tags: { Name: "worker-0", [CLUSTER_TAG_KEY]: "owned" } });
        },
      ],
    ])("the newcomer gets the route once the stopped worker is %s, from that event", async (_case, release) => {
      const { world, worker0, newcomer } = stoppedHolder();
      const handler = aws.handler({ ROUTE_TABLE_IDS: world.tableId });
      await handler(stateChange(newcomer, "running"));

      await handler(release(worker0));

      expect(aws.cloud.routesOf(world.tableId)["10.200.0.0/24"]).toBe(newcomer);
      await handler(scheduled());
      expect(aws.cloud.routesOf(world.tableId)["10.200.0.0/24"]).toBe(newcomer);
    });
  });
});

/** Whether EC2 already reports a stopping or shutting-down instance's route as a blackhole changes nothing. */
describe("ownership when routes read blackhole from stopping and shutting-down on", () => {
  const aws = useFakeCloud({ blackholeStates: ["stopping", "stopped", "shutting-down", "terminated"] });

  it.each([
    ["a stopping instance that is not a worker keeps its route", "stopping" as const, false, true],
    ["a shutting-down worker loses its route", "shutting-down" as const, true, false],
    ["a stopping worker keeps its route (ON_STOP=keep)", "stopping" as const, true, true],
  ])("%s", async (_case, state, tagged, kept) => {
    const world = tutorialWorld(aws.cloud, { workers: 0 });
    const instance = aws.cloud.launch(world.subnetId, { tags: tagged ? workerTags(4) : { Name: "vpn" } });
    aws.cloud.addRoute(world.tableId, { destination: "10.200.4.0/24", instanceId: instance });
    aws.cloud.setState(instance, state);

    await aws.handler({ ROUTE_TABLE_IDS: world.tableId })(scheduled());

    expect(aws.cloud.routesOf(world.tableId)["10.200.4.0/24"]).toBe(kept ? `${instance} (blackhole)` : undefined);
  });
});
