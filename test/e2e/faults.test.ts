import { CompleteLifecycleActionCommand } from "@aws-sdk/client-auto-scaling";
import {
  CreateRouteCommand,
  DeleteRouteCommand,
  DescribeInstancesCommand,
  TerminateInstancesCommand,
} from "@aws-sdk/client-ec2";
import { describe, expect, it } from "vitest";
import { lifecycleAction, scheduled, stateChange } from "../../scripts/cli/sample-events.js";
import { bundledHandler, type Handler } from "../support/bundle.js";
import { expectRouting, type RoutingExpectation } from "../support/invariants.js";
import { buildTutorialNetwork } from "../../scripts/emulator/network.js";
import { routesOf } from "../support/routes.js";
import { buildWorkerGroup } from "../../scripts/emulator/worker-group.js";
import { autoScaling, ec2, injectedFaults, injectFaults } from "../support/moto-harness.js";

const CLUSTER = /^10\.200\./;
const SEEDS = [1, 7, 42];

/**
 * Lambda's way: the invocation, then up to two retries while it fails. After each, whatever failed,
 * no cluster route sends traffic to the wrong worker (see expectRouting).
 */
async function withRetries(
  handler: Handler,
  event: unknown,
  routeTableId: string,
  expectation: RoutingExpectation = {},
): Promise<number> {
  for (let attempt = 1; attempt <= 3; attempt++) {
    const outcome = await handler(event).then(
      () => "ok",
      (error: Error) => error,
    );
    await expectRouting(ec2, routeTableId, expectation);
    if (outcome === "ok") return attempt;
  }
  throw new Error(`still failing after three invocations: ${JSON.stringify(event).slice(0, 200)}`);
}

describe.each(SEEDS)("with 3 in 10 AWS calls failing (seed %i)", (seed) => {
  const plan = { seed, rate: 0.3, faults: ["throttle", "internal-before", "internal-after"] as const };

  it("launches, replays, a terminate and a drifted full sync each end with the correct table within three invocations", async () => {
    const cluster = await buildTutorialNetwork(ec2);
    const rtb = cluster.routeTableId;
    const handler = bundledHandler({ ROUTE_TABLE_IDS: rtb });
    const [worker0, worker1, worker2] = cluster.workers.map((w) => w.instanceId) as [string, string, string];
    injectFaults(plan);

    for (const id of [worker0, worker1, worker2]) await withRetries(handler, stateChange(id, "running"), rtb);
    const routed = await routesOf(ec2, rtb);
    expect(routed.filter(([cidr]) => CLUSTER.test(cidr))).toEqual([
      ["10.200.0.0/24", worker0],
      ["10.200.1.0/24", worker1],
      ["10.200.2.0/24", worker2],
    ]);
    await expectRouting(ec2, rtb, { everyWorkerRouted: true });

    for (const id of [worker0, worker1, worker2])
      await withRetries(handler, stateChange(id, "running", { replayName: "faults" }), rtb);
    expect(await routesOf(ec2, rtb)).toEqual(routed);

    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [worker1] }));
    await withRetries(handler, stateChange(worker1, "terminated"), rtb);
    expect((await routesOf(ec2, rtb)).map(([cidr]) => cidr)).not.toContain("10.200.1.0/24");

    await ec2.send(new DeleteRouteCommand({ RouteTableId: rtb, DestinationCidrBlock: "10.200.0.0/24" }));
    await ec2.send(
      new CreateRouteCommand({
        RouteTableId: rtb,
        DestinationCidrBlock: "10.200.9.0/24",
        InstanceId: cluster.controllerId,
      }),
    );
    // An orphan to the terminated worker-1, which the sync removes.
    await ec2.send(
      new CreateRouteCommand({ RouteTableId: rtb, DestinationCidrBlock: "10.200.8.0/24", InstanceId: worker1 }),
    );
    // The drift routes 10.200.9.0/24 to the controller: not a worker, so the sync leaves it alone.
    await withRetries(handler, scheduled(), rtb, { untagged: [cluster.controllerId] });
    expect((await routesOf(ec2, rtb)).filter(([cidr]) => CLUSTER.test(cidr))).toEqual([
      ["10.200.0.0/24", worker0],
      ["10.200.2.0/24", worker2],
      ["10.200.9.0/24", cluster.controllerId],
    ]);
    await expectRouting(ec2, rtb, { everyWorkerRouted: true, untagged: [cluster.controllerId] });

    const faults = injectedFaults();
    expect(faults.throttle + faults["internal-before"] + faults["internal-after"]).toBeGreaterThan(5);
  });

  it("lifecycle launches with allocation and terminations end routed, tagged and completed within three invocations", async () => {
    const cluster = await buildTutorialNetwork(ec2, 0);
    const rtb = cluster.routeTableId;
    const group = await buildWorkerGroup(ec2, autoScaling, cluster.subnetId, 3);
    const handler = bundledHandler({ ROUTE_TABLE_IDS: rtb, ALLOCATE_POD_CIDR: "true" });
    const actions = group.instanceIds.map((id) =>
      lifecycleAction("launch", id, { group: group.name, hook: group.launchHook }),
    );
    injectFaults(plan);

    for (const action of actions) await withRetries(handler, action, rtb, { untagged: group.instanceIds });
    await expectRouting(ec2, rtb, { everyWorkerRouted: true });

    const routes = await routesOf(ec2, rtb);
    const instances = (
      await ec2.send(new DescribeInstancesCommand({ InstanceIds: [...group.instanceIds] }))
    ).Reservations!.flatMap((r) => r.Instances!);
    for (const instance of instances) {
      const tag = instance.Tags?.find((t) => t.Key === "pod-cidr")?.Value;
      expect(routes.filter(([, target]) => target === instance.InstanceId)).toEqual([[tag, instance.InstanceId]]);
    }
    expect(new Set(instances.map((i) => i.Tags?.find((t) => t.Key === "pod-cidr")?.Value)).size).toBe(3);
    // Each action is done: completing it again is refused as no longer active.
    for (const action of actions) {
      const again = autoScaling.send(
        new CompleteLifecycleActionCommand({
          AutoScalingGroupName: group.name,
          LifecycleHookName: group.launchHook,
          LifecycleActionResult: "CONTINUE",
          LifecycleActionToken: action.detail.LifecycleActionToken,
        }),
      );
      await expect(again).rejects.toThrow(/No active Lifecycle Action/);
    }

    const leaving = group.instanceIds[0]!;
    await withRetries(
      handler,
      lifecycleAction("terminate", leaving, { group: group.name, hook: group.terminateHook }),
      rtb,
    );
    // The route stays while the instance drains; the group terminates it once its action is complete,
    // and the state change takes the route. The others stay routed.
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [leaving] }));
    await withRetries(handler, stateChange(leaving, "terminated"), rtb);
    expect((await routesOf(ec2, rtb)).some(([, target]) => target === leaving)).toBe(false);
    await expectRouting(ec2, rtb, { everyWorkerRouted: true });
  });
});

describe("lost successes: half the changes made but answered with an error", () => {
  it.each([
    ["launch events", false],
    ["lifecycle launches with allocation", true],
  ])("%s still leave exactly one route per worker", async (_case, allocate) => {
    const cluster = await buildTutorialNetwork(ec2, allocate ? 0 : 3);
    const rtb = cluster.routeTableId;
    const group = allocate ? await buildWorkerGroup(ec2, autoScaling, cluster.subnetId, 3) : undefined;
    const handler = bundledHandler({ ROUTE_TABLE_IDS: rtb, ALLOCATE_POD_CIDR: String(allocate) });
    const ids = group ? group.instanceIds : cluster.workers.map((w) => w.instanceId);
    injectFaults({
      seed: 5,
      rate: 0.5,
      faults: ["internal-after"],
      actions: ["CreateRoute", "CreateTags", "ModifyInstanceAttribute", "CompleteLifecycleAction"],
    });

    for (const id of ids) {
      await withRetries(
        handler,
        group
          ? lifecycleAction("launch", id, { group: group.name, hook: group.launchHook })
          : stateChange(id, "running"),
        rtb,
        { untagged: group?.instanceIds ?? [] },
      );
    }
    await expectRouting(ec2, rtb, { everyWorkerRouted: true });

    const routes = (await routesOf(ec2, rtb)).filter(([cidr]) => CLUSTER.test(cidr));
    expect(routes.map(([, target]) => target).sort()).toEqual([...ids].sort());
    expect(injectedFaults()["internal-after"]).toBeGreaterThanOrEqual(ids.length);
  });
});

describe("the invocation's deadline", () => {
  it("stops AWS calls before the Lambda timeout with a clear error, and the next invocation converges", async () => {
    const cluster = await buildTutorialNetwork(ec2, 1);
    const handler = bundledHandler({ ROUTE_TABLE_IDS: cluster.routeTableId });
    const worker = cluster.workers[0]!.instanceId;
    injectFaults({ seed: 3, rate: 1, faults: ["slow"], slowMs: 1500 });
    const context = { functionName: "pod-routes", getRemainingTimeInMillis: () => 4000 } as Parameters<Handler>[1];

    const started = Date.now();
    const failure = await handler(stateChange(worker, "running"), context).catch((error: Error) => error);
    const took = Date.now() - started;

    expect(failure).toMatchObject({
      name: "DeadlineExceededError",
      message: expect.stringContaining("stopped 3 s before the Lambda timeout (pod-routes)"),
    });
    expect(took).toBeLessThan(4000);
    injectFaults(undefined);
    await handler(stateChange(worker, "running"));
    expect(await routesOf(ec2, cluster.routeTableId)).toContainEqual(["10.200.0.0/24", worker]);
  });
});
