import { describe, expect, it } from "vitest";
import { parseBlock } from "../../functions/pod-routes/core/cidr.js";
import { lifecycleAction, scheduled, stateChange } from "../../scripts/cli/sample-events.js";
import { CLUSTER_TAG_KEY, dualStackCidrs, dualStackWorld, useFakeCloud, workerTags } from "../support/worlds.js";

const v4 = (n: number) => `10.200.${n}.0/24`;
/** Worker N's IPv6 block as EC2 lists it (RFC 5952: worker 0's is fd00:10:200::/64). */
const v6 = (n: number) => parseBlock(`fd00:10:200:${n.toString(16)}::/64`)!.text;

/**
 * The dual-stack cases of Kubernetes' route controller (TestReconcile, "multicidr"), as they happen here:
 * two workers, each with an IPv4 and an IPv6 pod CIDR, the table in some state, one full sync; then the
 * table holds exactly one route per family per worker, to that worker.
 */
describe("a dual-stack cluster on AWS as it behaves: the route controller's reconcile cases", () => {
  const aws = useFakeCloud();

  function cluster(interfaces = 1) {
    const world = dualStackWorld(aws.cloud, { workers: 2, interfaces });
    const [first, second] = world.workerIds as [string, string];
    const handler = aws.handler(world.settings);
    const expected = { [v4(0)]: first, [v4(1)]: second, [v6(0)]: first, [v6(1)]: second };
    const routes = () => podRoutes(world.tableId);
    return { world, first, second, handler, expected, routes };
  }

  /** The table's routes to instances and interfaces, by destination. */
  function podRoutes(tableId: string): Record<string, string> {
    return Object.fromEntries(
      Object.entries(aws.cloud.routesOf(tableId)).filter(([, target]) => /^(i|eni)-/.test(target)),
    );
  }

  it("2 workers and no routes: a route per family per worker", async () => {
    const { handler, expected, routes } = cluster();

    const summary = await handler(scheduled());

    expect(routes()).toEqual(expected);
    expect(summary.failures).toEqual([]);
    expect(aws.cloud.calls.filter((call) => call.action === "CreateRoute").map((call) => call.input)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ DestinationIpv6CidrBlock: v6(0) }),
        expect.objectContaining({ DestinationCidrBlock: v4(0) }),
      ]),
    );
  });

  it("2 workers and all routes created: nothing changes", async () => {
    const { handler, expected, routes } = cluster();
    await handler(scheduled());
    aws.cloud.takeCalls();

    await handler(scheduled());

    expect(routes()).toEqual(expected);
    expect(aws.cloud.takeCalls().map((call) => call.action)).toEqual(["DescribeInstances", "DescribeRouteTables"]);
  });

  it("2 workers and some routes created: the missing ones, of either family", async () => {
    const { world, first, second, handler, expected, routes } = cluster();
    aws.cloud.addRoute(world.tableId, { destination: v4(0), instanceId: first });
    aws.cloud.addRoute(world.tableId, { destination: v6(1), instanceId: second });

    await handler(scheduled());

    expect(routes()).toEqual(expected);
  });

  it("2 workers and a few wrong routes: each family's swapped routes put right", async () => {
    const { world, first, second, handler, expected, routes } = cluster();
    aws.cloud.addRoute(world.tableId, { destination: v4(1), instanceId: first });
    aws.cloud.addRoute(world.tableId, { destination: v4(0), instanceId: second });
    aws.cloud.addRoute(world.tableId, { destination: v6(1), instanceId: first });
    aws.cloud.addRoute(world.tableId, { destination: v6(0), instanceId: second });

    const summary = await handler(scheduled());

    expect(routes()).toEqual(expected);
    expect(summary.failures).toEqual([]);
  });

  it("2 workers and too many routes: each family's route to a departed worker removed", async () => {
    const { world, handler, expected, routes } = cluster();
    const departed = aws.cloud.launch(world.subnetId, { tags: workerTags(2, dualStackCidrs(2)) });
    await handler(scheduled());
    aws.cloud.setState(departed, "terminated");
    aws.cloud.advance(2 * 3_600_000);

    await handler(scheduled());

    expect(routes()).toEqual(expected);
  });

  it("2 multi-homed workers whose routes go through the wrong interface: each family's moved to the primary", async () => {
    const { world, first, second, handler, routes } = cluster(2);
    const [firstEni, secondEni] = [first, second].map((id) => aws.cloud.instances.get(id)!.interfaces);
    for (const [n, interfaces] of [firstEni!, secondEni!].entries()) {
      aws.cloud.addRoute(world.tableId, { destination: v4(n), networkInterfaceId: interfaces[1]!.id });
      aws.cloud.addRoute(world.tableId, { destination: v6(n), networkInterfaceId: interfaces[1]!.id });
    }

    await handler(scheduled());

    // As made: EC2 lists a route to an attached interface with its instance too.
    const made = aws.cloud.tables.get(world.tableId)!.routes.filter((route) => route.networkInterfaceId);
    const primary = [firstEni![0]!.id, secondEni![0]!.id];
    expect(Object.fromEntries(made.map((route) => [route.destination, route.networkInterfaceId]))).toEqual({
      [v4(0)]: primary[0],
      [v4(1)]: primary[1],
      [v6(0)]: primary[0],
      [v6(1)]: primary[1],
    });
    expect(routes()).toEqual({ [v4(0)]: first, [v4(1)]: second, [v6(0)]: first, [v6(1)]: second });
  });
});

describe("a dual-stack cluster on AWS as it behaves: what is pod-routes' own, per family", () => {
  const aws = useFakeCloud();

  it("leaves IPv6 routes outside CLUSTER_CIDR_V6 alone, and the VPC's own", async () => {
    const world = dualStackWorld(aws.cloud, { workers: 1 });
    const stranger = aws.cloud.launch(world.subnetId, { tags: { Name: "vpn" } });
    aws.cloud.addRoute(world.tableId, { destination: "fd00:10:201::/64", instanceId: world.workerIds[0]! });
    aws.cloud.addRoute(world.tableId, { destination: "fd00:10:200:7::/64", instanceId: stranger });

    const summary = await aws.handler(world.settings)(scheduled());

    expect(aws.cloud.routesOf(world.tableId)).toMatchObject({
      "fd00:10:201::/64": world.workerIds[0],
      "fd00:10:200:7::/64": stranger,
      "::/0": "igw-0123456789abcdef0",
    });
    expect(aws.cloud.tables.get(world.tableId)!.routes).toContainEqual({
      destination: "2600:1f18:abcd:ef00::/56",
      gatewayId: "local",
    });
    expect(summary.tables.flatMap((table) => table.decisions).filter((d) => d.action === "unmanaged")).toEqual([
      expect.objectContaining({ cidr: "fd00:10:200:7::/64", target: stranger }),
    ]);
  });

  it("reads an IPv6 block however it is written: the route EC2 lists is the tag's", async () => {
    const world = dualStackWorld(aws.cloud, { workers: 1 });
    const [worker] = world.workerIds as [string];
    aws.cloud.tag(worker, { "pod-cidr": `${v4(0)},FD00:0010:0200:0000:0000:0000:0000:0000/64` });
    aws.cloud.addRoute(world.tableId, { destination: v6(0), instanceId: worker });
    aws.cloud.addRoute(world.tableId, { destination: v4(0), instanceId: worker });
    aws.cloud.takeCalls();

    const summary = await aws.handler(world.settings)(stateChange(worker, "running"));

    expect(aws.cloud.takeCalls().map((call) => call.action)).not.toContain("CreateRoute");
    expect(summary.tables.flatMap((table) => table.decisions).map((d) => [d.action, d.cidr])).toEqual([
      ["keep", v4(0)],
      ["keep", v6(0)],
    ]);
  });

  it("with IPv6 off, routes a dual tag's IPv4 block and says once, not per table, that its IPv6 block is not routed", async () => {
    const world = dualStackWorld(aws.cloud, { workers: 1 });
    const [worker] = world.workerIds as [string];
    const tables = [world.tableId, world.mainTableId];

    const summary = await aws.handler({ ROUTE_TABLE_IDS: tables.join(",") })(stateChange(worker, "running"));

    for (const table of tables) expect(podRoutesOf(table)).toEqual({ [v4(0)]: worker });
    const notes = summary.tables.flatMap((table) => table.decisions).filter((d) => d.action === "skip");
    expect(notes).toEqual([
      expect.objectContaining({
        instanceId: worker,
        reason: `${v6(0)} ignored: IPv6 pod CIDRs are not routed (CLUSTER_CIDR_V6 is not set)`,
      }),
    ]);
    expect(summary.failures).toEqual([]);
  });

  it("hands a deleted IPv6 route over to the live worker now tagged with it, beside its IPv4 block", async () => {
    const world = dualStackWorld(aws.cloud, { workers: 1 });
    const [old] = world.workerIds as [string];
    const handler = aws.handler(world.settings);
    await handler(stateChange(old, "running"));
    // The replacement takes the old worker's blocks before the old one's termination is handled.
    const replacement = aws.cloud.launch(world.subnetId, { tags: workerTags(0, dualStackCidrs(0)) });
    aws.cloud.setState(old, "terminated");

    await handler(stateChange(old, "terminated"));

    expect(podRoutesOf(world.tableId)).toEqual({ [v4(0)]: replacement, [v6(0)]: replacement });
  });

  function podRoutesOf(tableId: string): Record<string, string> {
    return Object.fromEntries(
      Object.entries(aws.cloud.routesOf(tableId)).filter(([, target]) => /^(i|eni)-/.test(target)),
    );
  }
});

describe("a dual-stack cluster on AWS as it behaves: allocation and quotas", () => {
  const GROUP = "hard-k8s-workers";
  const HOOK = "pod-routes-launch";

  describe("with room", () => {
    const aws = useFakeCloud();

    it("gives a launch one block of each family, tagged IPv4,IPv6, and routes both", async () => {
      const world = dualStackWorld(aws.cloud, { workers: 2 });
      aws.cloud.group(GROUP, [{ name: HOOK, transition: "launch" }]);
      const handler = aws.handler({ ...world.settings, ALLOCATE_POD_CIDR: "lifecycle" });
      await handler(scheduled());
      const { instanceId, tokens } = aws.cloud.launchIntoGroup(GROUP, world.subnetId, {
        tags: { [CLUSTER_TAG_KEY]: "owned" },
      });

      const summary = await handler(
        lifecycleAction("launch", instanceId, { group: GROUP, hook: HOOK, token: tokens[HOOK] }),
      );

      expect(summary.allocation).toMatchObject({
        cidr: `${v4(2)},${v6(2)}`,
        how: "claimed",
        pool: { inUse: 3, capacity: 256 },
        poolV6: { inUse: 3, capacity: 256 },
      });
      expect(aws.cloud.instances.get(instanceId)?.tags.get("pod-cidr")).toBe(`${v4(2)},${v6(2)}`);
      expect(aws.cloud.routesOf(world.tableId)).toMatchObject({ [v4(2)]: instanceId, [v6(2)]: instanceId });
      expect(aws.cloud.completions).toEqual([{ group: GROUP, hook: HOOK, instanceId, result: "CONTINUE" }]);
      // Both claims are reported as the creates they were.
      const creates = summary.tables.flatMap((table) => table.decisions).filter((d) => d.action === "create");
      expect(creates.map((d) => d.cidr)).toEqual([v4(2), v6(2)]);
    });
  });

  describe("a table whose IPv6 routes fill their own quota", () => {
    const aws = useFakeCloud({ routeLimit: 3 });

    it("routes each worker's IPv4 block and refuses the IPv6 creates past the quota, naming the family", async () => {
      // Each table holds a default route per family: room for two pod routes of each.
      const world = dualStackWorld(aws.cloud, { workers: 3 });
      aws.cloud.addRoute(world.tableId, { destination: "fd00:99::/64", gatewayId: "igw-0123456789abcdef0" });

      const summary = await aws.handler(world.settings)(scheduled());

      const routed = Object.keys(aws.cloud.routesOf(world.tableId));
      expect(routed.filter((cidr) => cidr.startsWith("10.200."))).toHaveLength(2);
      expect(routed.filter((cidr) => cidr.startsWith("fd00:10:200:"))).toHaveLength(1);
      expect(summary.failures.map((failure) => failure.message)).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/is full: the "Routes per route table" quota .* allows 3 routes here, and 4/),
          expect.stringMatching(/is full: the "Routes per route table" quota .* allows 3 IPv6 routes here, and 5/),
        ]),
      );
      const headroom = summary.tables.map((table) => [table.family, table.headroom?.free]);
      expect(headroom).toEqual(
        expect.arrayContaining([
          ["ipv4", 0],
          ["ipv6", 0],
        ]),
      );
    });
  });
});
