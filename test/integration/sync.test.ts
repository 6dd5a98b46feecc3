import {
  AttachNetworkInterfaceCommand,
  CreateNetworkInterfaceCommand,
  CreateRouteCommand,
  CreateSubnetCommand,
  DeleteRouteCommand,
  DescribeNetworkInterfacesCommand,
  DescribeRouteTablesCommand,
  ReplaceRouteCommand,
  TerminateInstancesCommand,
} from "@aws-sdk/client-ec2";
import { describe, expect, it } from "vitest";
import { bundledHandler } from "../support/bundle.js";
import { scheduled, schedulerTick, stateChange } from "../../scripts/cli/sample-events.js";
import { buildTutorialNetwork, launch, launchWorker } from "../../scripts/emulator/network.js";
import { routesOf } from "../support/routes.js";
import { ec2, handlerCalls } from "../support/moto-harness.js";

async function seededCluster(settings: Record<string, string> = {}) {
  const seed = await buildTutorialNetwork(ec2);
  const handler = bundledHandler({ ROUTE_TABLE_IDS: seed.routeTableId, ...settings });
  for (const worker of seed.workers) await handler(stateChange(worker.instanceId, "running"));
  const [worker0, worker1, worker2] = seed.workers.map((w) => w.instanceId) as [string, string, string];
  const seedTable = await routesOf(ec2, seed.routeTableId);
  handlerCalls();
  return { seed, handler, worker0, worker1, worker2, seedTable };
}

/** A route deleted by hand, one pointed at the wrong worker, orphans, and a route pod-routes must not own. */
async function drift(seed: Awaited<ReturnType<typeof buildTutorialNetwork>>, [worker0, , worker2]: string[]) {
  const rtb = seed.routeTableId;
  const departed = await launch(ec2, seed.subnetId, [{ Key: "Name", Value: "departed" }]);
  await ec2.send(
    new CreateRouteCommand({ RouteTableId: rtb, DestinationCidrBlock: "10.200.7.0/24", InstanceId: departed }),
  );
  await ec2.send(new TerminateInstancesCommand({ InstanceIds: [departed] }));
  await ec2.send(new DeleteRouteCommand({ RouteTableId: rtb, DestinationCidrBlock: "10.200.0.0/24" }));
  await ec2.send(
    new ReplaceRouteCommand({ RouteTableId: rtb, DestinationCidrBlock: "10.200.1.0/24", InstanceId: worker2 }),
  );
  await ec2.send(
    new CreateRouteCommand({ RouteTableId: rtb, DestinationCidrBlock: "10.200.9.0/24", InstanceId: seed.controllerId }),
  );
  await ec2.send(
    new CreateRouteCommand({ RouteTableId: rtb, DestinationCidrBlock: "10.100.0.0/16", InstanceId: worker0 }),
  );
}

describe("full sync", () => {
  it("repairs drift: creates missing routes, fixes wrong targets, deletes orphans, leaves routes it does not own", async () => {
    // Not its own: 10.100.0.0/16 lies outside the cluster CIDR; 10.200.9.0/24 → the controller, no worker.
    const { seed, handler, worker0, worker1, worker2, seedTable } = await seededCluster();
    await drift(seed, [worker0, worker1, worker2]);

    const summary = await handler(scheduled());

    expect(summary.failures).toEqual([]);
    expect(summary.tables[0]!.decisions.filter((d) => d.action !== "keep")).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ action: "create", cidr: "10.200.0.0/24", target: worker0, applied: true }),
        expect.objectContaining({
          action: "replace",
          cidr: "10.200.1.0/24",
          target: worker1,
          previousTarget: worker2,
          applied: true,
        }),
        expect.objectContaining({ action: "delete", cidr: "10.200.7.0/24", applied: true }),
        expect.objectContaining({ action: "unmanaged", cidr: "10.200.9.0/24", target: seed.controllerId }),
      ]),
    );
    expect(await routesOf(ec2, seed.routeTableId)).toEqual(
      [...seedTable, ["10.100.0.0/16", worker0], ["10.200.9.0/24", seed.controllerId]].sort(([a], [b]) =>
        a!.localeCompare(b!, "en", { numeric: true }),
      ),
    );
  });

  it("plans the same repairs in a dry run and changes nothing", async () => {
    const { seed, handler, worker0, worker1, worker2 } = await seededCluster();
    await drift(seed, [worker0, worker1, worker2]);
    const drifted = await routesOf(ec2, seed.routeTableId);

    const summary = await handler({ action: "sync", dryRun: true });
    const forced = await bundledHandler({ ROUTE_TABLE_IDS: seed.routeTableId, DRY_RUN: "true" })({ action: "sync" });

    for (const run of [summary, forced]) {
      expect(run.dryRun).toBe(true);
      expect(
        run.tables[0]!.decisions.filter((d) => d.action !== "keep").map((d) => [d.action, d.cidr, d.applied]),
      ).toEqual(
        expect.arrayContaining([
          ["create", "10.200.0.0/24", false],
          ["replace", "10.200.1.0/24", false],
          ["delete", "10.200.7.0/24", false],
          ["unmanaged", "10.200.9.0/24", false],
        ]),
      );
    }
    expect(await routesOf(ec2, seed.routeTableId)).toEqual(drifted);
  });

  it("runs a full sync on EventBridge Scheduler's tick, whose detail is the string {}", async () => {
    const { seed, handler, worker0 } = await seededCluster();
    await ec2.send(new DeleteRouteCommand({ RouteTableId: seed.routeTableId, DestinationCidrBlock: "10.200.0.0/24" }));

    const summary = await handler(schedulerTick());

    expect(summary.request).toMatchObject({ kind: "sync", trigger: "schedule" });
    expect(await routesOf(ec2, seed.routeTableId)).toContainEqual(["10.200.0.0/24", worker0]);
  });

  it("costs a converged cluster two reads and no change", async () => {
    const { handler } = await seededCluster();

    const summary = await handler(scheduled());

    expect(handlerCalls()).toEqual(["DescribeInstances", "DescribeRouteTables"]);
    expect(summary.tables[0]!.decisions.map((d) => d.action)).toEqual(["keep", "keep", "keep"]);
  });

  it("leaves a CIDR two live workers claim alone, converges the rest, and reports the conflict", async () => {
    const { seed, handler, worker0, worker1 } = await seededCluster();
    const impostor = await launchWorker(ec2, seed.subnetId, "worker-dup", "10.200.1.0/24");
    await ec2.send(new DeleteRouteCommand({ RouteTableId: seed.routeTableId, DestinationCidrBlock: "10.200.0.0/24" }));

    expect((await handler(scheduled())).failures).toEqual([
      {
        kind: "conflict",
        instanceIds: expect.arrayContaining([worker1, impostor]),
        message: expect.stringMatching(
          new RegExp(
            `live workers (${worker1} and ${impostor}|${impostor} and ${worker1}) all claim 10\\.200\\.1\\.0/24`,
          ),
        ),
      },
    ]);

    const routes = await routesOf(ec2, seed.routeTableId);
    expect(routes).toContainEqual(["10.200.1.0/24", worker1]);
    expect(routes).toContainEqual(["10.200.0.0/24", worker0]);
  });

  it("leaves the routes of a worker with a bad tag alone, converges the rest, and reports the tag", async () => {
    const { seed, handler, worker0, worker2 } = await seededCluster();
    const bad = await launchWorker(ec2, seed.subnetId, "worker-bad", "10.200.5.1/24");
    await ec2.send(
      new CreateRouteCommand({
        RouteTableId: seed.routeTableId,
        DestinationCidrBlock: "10.200.5.0/24",
        InstanceId: bad,
      }),
    );
    await ec2.send(new DeleteRouteCommand({ RouteTableId: seed.routeTableId, DestinationCidrBlock: "10.200.2.0/24" }));

    expect((await handler(scheduled())).failures).toEqual([
      {
        kind: "invalid-pod-cidr",
        instanceIds: [bad],
        message: expect.stringContaining(`instance ${bad}: tag pod-cidr="10.200.5.1/24" is not a usable pod CIDR`),
      },
    ]);

    const routes = await routesOf(ec2, seed.routeTableId);
    expect(routes).toContainEqual(["10.200.5.0/24", bad]);
    expect(routes).toContainEqual(["10.200.2.0/24", worker2]);
    expect(routes).toContainEqual(["10.200.0.0/24", worker0]);
  });

  it("routes every worker in each table serving a worker's subnet (its own, else the main table) when no table is configured", async () => {
    const seed = await buildTutorialNetwork(ec2, 1);
    const handler = bundledHandler();
    const bareSubnet = (await ec2.send(new CreateSubnetCommand({ VpcId: seed.vpcId, CidrBlock: "10.240.1.0/24" })))
      .Subnet!.SubnetId!;
    const onMain = await launchWorker(ec2, bareSubnet, "worker-main", "10.200.6.0/24");
    const mainTable = (
      await ec2.send(
        new DescribeRouteTablesCommand({
          Filters: [
            { Name: "vpc-id", Values: [seed.vpcId] },
            { Name: "association.main", Values: ["true"] },
          ],
        }),
      )
    ).RouteTables![0]!.RouteTableId!;

    await handler(scheduled());

    expect(await routesOf(ec2, seed.routeTableId)).toContainEqual(["10.200.0.0/24", seed.workers[0]!.instanceId]);
    expect(await routesOf(ec2, seed.routeTableId)).toContainEqual(["10.200.6.0/24", onMain]);
    expect(await routesOf(ec2, mainTable)).toEqual([
      ["10.200.0.0/24", seed.workers[0]!.instanceId],
      ["10.200.6.0/24", onMain],
      ["10.240.0.0/16", "local"],
    ]);
  });
});

describe("workers with several network interfaces", () => {
  it("are routed through their primary interface, whose source/dest check is turned off", async () => {
    const seed = await buildTutorialNetwork(ec2, 0);
    const handler = bundledHandler({ ROUTE_TABLE_IDS: seed.routeTableId });
    const worker = await launchWorker(ec2, seed.subnetId, "worker-multi", "10.200.3.0/24");
    const secondary = (await ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: seed.subnetId }))).NetworkInterface!
      .NetworkInterfaceId!;
    await ec2.send(
      new AttachNetworkInterfaceCommand({ NetworkInterfaceId: secondary, InstanceId: worker, DeviceIndex: 1 }),
    );
    const interfaces = (
      await ec2.send(
        new DescribeNetworkInterfacesCommand({ Filters: [{ Name: "attachment.instance-id", Values: [worker] }] }),
      )
    ).NetworkInterfaces!;
    const primary = interfaces.find((eni) => eni.Attachment?.DeviceIndex === 0)!.NetworkInterfaceId!;

    await handler(stateChange(worker, "running"));
    const again = await handler(stateChange(worker, "running"));

    expect(await routesOf(ec2, seed.routeTableId)).toContainEqual(["10.200.3.0/24", primary]);
    expect(again.tables[0]!.decisions).toEqual([expect.objectContaining({ action: "keep", target: primary })]);
    const after = (await ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [primary] })))
      .NetworkInterfaces![0]!;
    expect(after.SourceDestCheck).toBe(false);
  });
});

describe("manual invokes", () => {
  it("remove takes a running worker's route out; reconcile puts it back; add refuses a terminated worker", async () => {
    const { seed, handler, worker1 } = await seededCluster();

    await handler({ action: "remove", instanceId: worker1 });
    const removed = await routesOf(ec2, seed.routeTableId);
    await handler({ action: "reconcile", instanceId: worker1 });
    const restored = await routesOf(ec2, seed.routeTableId);
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [worker1] }));

    expect(removed.map(([cidr]) => cidr)).not.toContain("10.200.1.0/24");
    expect(restored).toContainEqual(["10.200.1.0/24", worker1]);
    await expect(handler({ action: "add", instanceId: worker1 })).rejects.toThrow(
      `${worker1} is terminated: add needs a pending or running worker`,
    );
  });

  it("add with dryRun reports the route it would create and creates nothing", async () => {
    const seed = await buildTutorialNetwork(ec2, 1);
    const handler = bundledHandler({ ROUTE_TABLE_IDS: seed.routeTableId });
    const worker = seed.workers[0]!.instanceId;

    const summary = await handler({ action: "add", instanceId: worker, dryRun: true });

    expect(summary.tables[0]!.decisions).toEqual([
      expect.objectContaining({ action: "create", cidr: "10.200.0.0/24", target: worker, applied: false }),
    ]);
    expect(summary.instanceChanges).toEqual([
      expect.objectContaining({ instanceId: worker, change: "disable-source-dest-check", applied: false }),
    ]);
    expect(handlerCalls()).toEqual(["DescribeInstances", "DescribeRouteTables"]);
  });
});
