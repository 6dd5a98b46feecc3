import { DescribeInstancesCommand } from "@aws-sdk/client-ec2";
import { describe, expect, it } from "vitest";
import { bundledHandler } from "../support/bundle.js";
import { stateChange } from "../../scripts/cli/sample-events.js";
import { buildTutorialNetwork } from "../../scripts/emulator/network.js";
import { routesOf } from "../support/routes.js";
import { ec2, handlerCalls } from "../support/moto-harness.js";

describe("the seed's cluster (Kubernetes the hard way on AWS)", () => {
  it("ends with exactly the seed's route table once every instance's running event is handled", async () => {
    const seed = await buildTutorialNetwork(ec2);
    const handler = bundledHandler({ ROUTE_TABLE_IDS: seed.routeTableId });

    for (const instanceId of [seed.controllerId, ...seed.workers.map((w) => w.instanceId)]) {
      await handler(stateChange(instanceId, "running"));
    }

    expect(await routesOf(ec2, seed.routeTableId)).toEqual([
      ["0.0.0.0/0", seed.internetGatewayId],
      ["10.200.0.0/24", seed.workers[0]!.instanceId],
      ["10.200.1.0/24", seed.workers[1]!.instanceId],
      ["10.200.2.0/24", seed.workers[2]!.instanceId],
      ["10.240.0.0/16", "local"],
    ]);
  });

  it("turns off source/dest check on each routed worker, and leaves the controller alone", async () => {
    const seed = await buildTutorialNetwork(ec2);
    const handler = bundledHandler({ ROUTE_TABLE_IDS: seed.routeTableId });

    for (const instanceId of [seed.controllerId, ...seed.workers.map((w) => w.instanceId)]) {
      await handler(stateChange(instanceId, "running"));
    }

    const output = await ec2.send(new DescribeInstancesCommand({}));
    const checks = Object.fromEntries(
      output.Reservations!.flatMap((r) => r.Instances!).map((i) => [i.InstanceId!, i.SourceDestCheck]),
    );
    expect(checks).toEqual({
      [seed.controllerId]: true,
      [seed.workers[0]!.instanceId]: false,
      [seed.workers[1]!.instanceId]: false,
      [seed.workers[2]!.instanceId]: false,
    });
  });

  it("costs a launch four calls: one read of the instance, one of the table, the route, the source/dest check", async () => {
    const seed = await buildTutorialNetwork(ec2);
    const handler = bundledHandler({ ROUTE_TABLE_IDS: seed.routeTableId });

    await handler(stateChange(seed.workers[0]!.instanceId, "running"));

    expect(handlerCalls()).toEqual([
      "DescribeInstances",
      "DescribeRouteTables",
      "CreateRoute",
      "ModifyInstanceAttribute",
    ]);
  });

  it("finds the worker's table by its subnet when no route table is configured", async () => {
    const seed = await buildTutorialNetwork(ec2);
    const handler = bundledHandler();

    const summary = await handler(stateChange(seed.workers[1]!.instanceId, "running"));

    expect(summary.tables.map((t) => t.routeTableId)).toEqual([seed.routeTableId]);
    expect(await routesOf(ec2, seed.routeTableId)).toContainEqual(["10.200.1.0/24", seed.workers[1]!.instanceId]);
  });
});
