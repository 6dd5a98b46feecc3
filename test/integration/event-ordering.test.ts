import { StartInstancesCommand, StopInstancesCommand, TerminateInstancesCommand } from "@aws-sdk/client-ec2";
import { describe, expect, it } from "vitest";
import { bundledHandler } from "../support/bundle.js";
import { stateChange } from "../../scripts/cli/sample-events.js";
import { buildTutorialNetwork, launchWorker } from "../../scripts/emulator/network.js";
import { routesOf } from "../support/routes.js";
import { ec2, handlerCalls } from "../support/moto-harness.js";

const HOUR_AGO = new Date(Date.now() - 3_600_000).toISOString();

async function seededCluster(settings: Record<string, string> = {}) {
  const seed = await buildTutorialNetwork(ec2);
  const handler = bundledHandler({ ROUTE_TABLE_IDS: seed.routeTableId, ...settings });
  for (const worker of seed.workers) await handler(stateChange(worker.instanceId, "running"));
  handlerCalls();
  const [worker0, worker1, worker2] = seed.workers.map((w) => w.instanceId) as [string, string, string];
  return { seed, handler, worker0, worker1, worker2 };
}

describe("duplicate, replayed, late and out-of-order events", () => {
  it("changes nothing when an applied event is delivered again or replayed, and reads only twice", async () => {
    const { seed, handler, worker1 } = await seededCluster();
    const before = await routesOf(ec2, seed.routeTableId);

    const duplicate = await handler(stateChange(worker1, "running", { id: "evt-1" }));
    const duplicateCalls = handlerCalls();
    const replay = await handler(
      stateChange(worker1, "running", { id: "evt-1", time: HOUR_AGO, replayName: "nightly" }),
    );
    const replayCalls = handlerCalls();

    expect(await routesOf(ec2, seed.routeTableId)).toEqual(before);
    expect(duplicateCalls).toEqual(["DescribeInstances", "DescribeRouteTables"]);
    expect(replayCalls).toEqual(["DescribeInstances", "DescribeRouteTables"]);
    for (const summary of [duplicate, replay]) {
      expect(summary.tables[0]!.decisions).toEqual([
        expect.objectContaining({ action: "keep", cidr: "10.200.1.0/24", applied: false }),
      ]);
    }
  });

  it("removes a terminated worker's route and only that one", async () => {
    const { seed, handler, worker0, worker1, worker2 } = await seededCluster();
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [worker1] }));

    const summary = await handler(stateChange(worker1, "terminated"));

    expect(summary.tables[0]!.decisions).toEqual([
      expect.objectContaining({ action: "delete", cidr: "10.200.1.0/24", target: worker1, applied: true }),
    ]);
    expect(await routesOf(ec2, seed.routeTableId)).toEqual([
      ["0.0.0.0/0", seed.internetGatewayId],
      ["10.200.0.0/24", worker0],
      ["10.200.2.0/24", worker2],
      ["10.240.0.0/16", "local"],
    ]);
  });

  it("ignores a stale replay of a running event after the worker terminated", async () => {
    const { seed, handler, worker1 } = await seededCluster();
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [worker1] }));
    await handler(stateChange(worker1, "terminated"));

    await handler(stateChange(worker1, "running", { time: HOUR_AGO, replayName: "replay-after-incident" }));

    expect((await routesOf(ec2, seed.routeTableId)).map(([cidr]) => cidr)).not.toContain("10.200.1.0/24");
  });

  it("follows the instance's current state when events arrive out of order", async () => {
    const seed = await buildTutorialNetwork(ec2, 0);
    const handler = bundledHandler({ ROUTE_TABLE_IDS: seed.routeTableId });
    const worker = await launchWorker(ec2, seed.subnetId, "worker-7", "10.200.7.0/24");
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [worker] }));

    // terminated first, then the launch's late pending and running notifications
    await handler(stateChange(worker, "terminated"));
    await handler(stateChange(worker, "pending"));
    await handler(stateChange(worker, "running"));

    expect((await routesOf(ec2, seed.routeTableId)).map(([cidr]) => cidr)).not.toContain("10.200.7.0/24");
  });

  it("routes a reused CIDR to the replacement worker and keeps it there when the old worker's terminate event comes late", async () => {
    const { seed, handler, worker1 } = await seededCluster();
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [worker1] }));
    const replacement = await launchWorker(ec2, seed.subnetId, "worker-1", "10.200.1.0/24");

    const launch = await handler(stateChange(replacement, "running"));
    const lateTerminate = await handler(stateChange(worker1, "terminated"));

    expect(launch.tables[0]!.decisions).toEqual([
      expect.objectContaining({
        action: "replace",
        cidr: "10.200.1.0/24",
        target: replacement,
        previousTarget: worker1,
        applied: true,
      }),
    ]);
    expect(lateTerminate.tables[0]!.decisions).toEqual([
      expect.objectContaining({ action: "skip", cidr: "10.200.1.0/24" }),
    ]);
    expect(await routesOf(ec2, seed.routeTableId)).toContainEqual(["10.200.1.0/24", replacement]);
  });

  it("refuses to take a CIDR from a live worker, then hands it over once the old worker is gone", async () => {
    const { seed, handler, worker1 } = await seededCluster();
    const replacement = await launchWorker(ec2, seed.subnetId, "worker-1b", "10.200.1.0/24");

    expect((await handler(stateChange(replacement, "running"))).failures).toEqual([
      {
        kind: "conflict",
        instanceIds: [replacement],
        message: expect.stringMatching(
          new RegExp(`10\\.200\\.1\\.0/24 routes to live worker ${worker1}; ${replacement} claims it too`),
        ),
      },
    ]);
    expect(await routesOf(ec2, seed.routeTableId)).toContainEqual(["10.200.1.0/24", worker1]);

    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [worker1] }));
    await handler(stateChange(replacement, "running"));
    expect(await routesOf(ec2, seed.routeTableId)).toContainEqual(["10.200.1.0/24", replacement]);
  });

  it("keeps a stopped worker's route by default", async () => {
    const { seed, handler, worker2 } = await seededCluster();
    await ec2.send(new StopInstancesCommand({ InstanceIds: [worker2] }));

    const stopped = await handler(stateChange(worker2, "stopped"));

    expect(stopped.tables[0]!.decisions).toEqual([expect.objectContaining({ action: "keep", cidr: "10.200.2.0/24" })]);
    expect(await routesOf(ec2, seed.routeTableId)).toContainEqual(["10.200.2.0/24", worker2]);
  });

  it("removes a stopped worker's route with ON_STOP=remove and restores it when the worker starts again", async () => {
    const { seed, handler, worker2 } = await seededCluster({ ON_STOP: "remove" });
    await ec2.send(new StopInstancesCommand({ InstanceIds: [worker2] }));
    await handler(stateChange(worker2, "stopped"));
    const whileStopped = await routesOf(ec2, seed.routeTableId);

    await ec2.send(new StartInstancesCommand({ InstanceIds: [worker2] }));
    await handler(stateChange(worker2, "running"));

    expect(whileStopped.map(([cidr]) => cidr)).not.toContain("10.200.2.0/24");
    expect(await routesOf(ec2, seed.routeTableId)).toContainEqual(["10.200.2.0/24", worker2]);
  });
});
