import { describe, expect, it } from "vitest";
import { lifecycleAction, scheduled, stateChange } from "../../scripts/cli/sample-events.js";
import { CLUSTER_TAG_KEY, multiZoneWorld, useFakeCloud, workerTags } from "../support/worlds.js";

const GROUP = "hard-k8s-workers";
const HOOK = "pod-routes-launch";

/** Every route table pods use needs every worker's route: pods in one zone reach pods in the other. */
describe("route tables across zones", () => {
  const aws = useFakeCloud();

  /** Each worker's block → the worker, as every pod table must hold them. */
  const expectedRoutes = (workerIds: readonly string[]) =>
    Object.fromEntries(workerIds.map((id, n) => [`10.200.${n}.0/24`, id]));
  const podRoutes = (tableId: string) =>
    Object.fromEntries(Object.entries(aws.cloud.routesOf(tableId)).filter(([cidr]) => cidr.startsWith("10.200.")));

  it("routes every worker in the table of every subnet holding a worker, and leaves the unused main table alone", async () => {
    const world = multiZoneWorld(aws.cloud);
    const handler = aws.handler();

    for (const id of world.workerIds) await handler(stateChange(id, "running"));

    for (const zone of world.zones) expect(podRoutes(zone.tableId)).toEqual(expectedRoutes(world.workerIds));
    expect(podRoutes(world.mainTableId)).toEqual({});
  });

  it("a sync alone converges every zone's table", async () => {
    const world = multiZoneWorld(aws.cloud);

    await aws.handler()(scheduled());

    for (const zone of world.zones) expect(podRoutes(zone.tableId)).toEqual(expectedRoutes(world.workerIds));
  });

  it("gives a zone's table every worker's route when its first worker starts", async () => {
    const world = multiZoneWorld(aws.cloud, { perZone: 2 });
    const handler = aws.handler();
    const [zoneA, zoneB] = world.zones;
    for (const id of zoneA!.workerIds) await handler(stateChange(id, "running"));
    // Zone B's workers were not running yet: their table holds no pod route.
    for (const id of zoneB!.workerIds) aws.cloud.setState(id, "pending");

    await handler(stateChange(zoneB!.workerIds[0]!, "pending"));

    expect(podRoutes(zoneB!.tableId)).toEqual(expectedRoutes(world.workerIds));
    expect(podRoutes(zoneA!.tableId)).toEqual(expectedRoutes(world.workerIds));
  });

  it("with ROUTE_TABLE_TAG, routes in every table carrying the tag and in no other", async () => {
    const world = multiZoneWorld(aws.cloud);
    for (const zone of world.zones) aws.cloud.tagTable(zone.tableId, { "pod-routes": "managed" });
    const handler = aws.handler({ ROUTE_TABLE_TAG: "pod-routes=managed" });
    const extra = aws.cloud.vpc({ subnets: 1, tablePerSubnet: true });

    for (const id of world.workerIds) await handler(stateChange(id, "running"));
    await handler(scheduled());

    for (const zone of world.zones) expect(podRoutes(zone.tableId)).toEqual(expectedRoutes(world.workerIds));
    expect(podRoutes(world.mainTableId)).toEqual({});
    expect(podRoutes(extra.tableIds[0]!)).toEqual({});
  });

  it("refuses ROUTE_TABLE_TAG beside ROUTE_TABLE_IDS, naming both", async () => {
    const world = multiZoneWorld(aws.cloud);

    await expect(
      aws.handler({ ROUTE_TABLE_TAG: "pod-routes", ROUTE_TABLE_IDS: world.zones[0]!.tableId })(scheduled()),
    ).rejects.toThrow(/ROUTE_TABLE_TAG=.*ROUTE_TABLE_IDS is set too/);
  });

  it("allocates in one table for both zones: launches in each zone get distinct blocks, routed in both tables", async () => {
    const world = multiZoneWorld(aws.cloud, { perZone: 1 });
    aws.cloud.group(GROUP, [{ name: HOOK, transition: "launch" }]);
    const handler = aws.handler({ ALLOCATE_POD_CIDR: "true" });
    for (const id of world.workerIds) await handler(stateChange(id, "running"));

    const launched = [];
    for (const zone of [...world.zones, ...world.zones]) {
      const { instanceId, tokens } = aws.cloud.launchIntoGroup(GROUP, zone.subnetId, {
        tags: { [CLUSTER_TAG_KEY]: "owned" },
      });
      await handler(lifecycleAction("launch", instanceId, { group: GROUP, hook: HOOK, token: tokens[HOOK] }));
      launched.push(instanceId);
    }

    const everyone = [...world.workerIds, ...launched];
    for (const zone of world.zones) expect(podRoutes(zone.tableId)).toEqual(expectedRoutes(everyone));
    expect(launched.map((id) => aws.cloud.instances.get(id)!.tags.get("pod-cidr"))).toEqual([
      "10.200.2.0/24",
      "10.200.3.0/24",
      "10.200.4.0/24",
      "10.200.5.0/24",
    ]);
    expect(aws.cloud.completions.map((c) => c.result)).toEqual(["CONTINUE", "CONTINUE", "CONTINUE", "CONTINUE"]);
  });

  it("keeps a worker tagged with its block routed in every table as it moves zones (a replacement)", async () => {
    const world = multiZoneWorld(aws.cloud, { perZone: 1 });
    const handler = aws.handler();
    for (const id of world.workerIds) await handler(stateChange(id, "running"));
    const [first] = world.workerIds;
    aws.cloud.setState(first!, "terminated");
    const replacement = aws.cloud.launch(world.zones[1]!.subnetId, { tags: workerTags(0) });

    await handler(stateChange(replacement, "running"));
    await handler(stateChange(first!, "terminated"));

    for (const zone of world.zones)
      expect(podRoutes(zone.tableId)).toEqual(expectedRoutes([replacement, world.workerIds[1]!]));
  });
});
