import { CreateTagsCommand, TerminateInstancesCommand } from "@aws-sdk/client-ec2";
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { lifecycleAction, scheduled, stateChange } from "../../scripts/cli/sample-events.js";
import { bundledHandler } from "../support/bundle.js";
import { createEventQueue, pollUntilEmpty } from "../support/event-queue.js";
import { expectRouting } from "../support/invariants.js";
import { buildTutorialNetwork, launchTaggedWorkers } from "../../scripts/emulator/network.js";
import { routesOf } from "../support/routes.js";
import { buildWorkerGroup } from "../../scripts/emulator/worker-group.js";
import { autoScaling, ec2, handlerRequests, injectFaults, motoEndpoint } from "../support/moto-harness.js";

const CLUSTER = /^10\.200\./;
const podRoutes = async (rtb: string) => (await routesOf(ec2, rtb)).filter(([cidr]) => CLUSTER.test(cidr));

/** The function as its event source mapping calls it, with these settings. */
function consumer(settings: Record<string, string>): (event: SQSEvent) => Promise<SQSBatchResponse> {
  const handler = bundledHandler(settings);
  return (event) => handler(event);
}

/** The results each lifecycle action was completed with, by token: the handler's CompleteLifecycleAction calls. */
function completions(calls: ReturnType<typeof handlerRequests>): Map<string, string[]> {
  const byToken = new Map<string, string[]>();
  for (const call of calls.filter((c) => c.action === "CompleteLifecycleAction")) {
    const token = call.params["LifecycleActionToken"] ?? "";
    byToken.set(token, [...(byToken.get(token) ?? []), call.params["LifecycleActionResult"] ?? ""]);
  }
  return byToken;
}

/** Each launch action continued, once. */
const continuedOnce = (launches: ReadonlyArray<ReturnType<typeof lifecycleAction>>) =>
  new Map(launches.map((launch) => [launch.detail.LifecycleActionToken, ["CONTINUE"]]));

describe("one writer: events through the FIFO queue, in batches", () => {
  it("100 launch actions: batches of 10, two reads a batch, 100 creates and checks, every launch continued", async () => {
    const seed = await buildTutorialNetwork(ec2, 0);
    const group = await buildWorkerGroup(ec2, autoScaling, seed.subnetId, 100);
    for (const [n, id] of group.instanceIds.entries()) {
      await ec2.send(
        new CreateTagsCommand({ Resources: [id], Tags: [{ Key: "pod-cidr", Value: `10.200.${n}.0/24` }] }),
      );
    }
    const queue = await createEventQueue(motoEndpoint);
    const launches = group.instanceIds.map((id) =>
      lifecycleAction("launch", id, { group: group.name, hook: group.launchHook }),
    );
    await queue.send(launches);
    handlerRequests();

    const report = await pollUntilEmpty(motoEndpoint, queue, consumer({ ROUTE_TABLE_IDS: seed.routeTableId }));

    // The calls the handler made; the SDK's own retries of a slow answer are not the handler's doing.
    const calls = handlerRequests().filter((call) => call.attempt === 1);
    const count = (action: string) => calls.filter((call) => call.action === action).length;
    expect(report).toEqual({ batches: Array(10).fill(10), retried: 0, thrown: 0 });
    expect({
      DescribeInstances: count("DescribeInstances"),
      DescribeRouteTables: count("DescribeRouteTables"),
      CreateRoute: count("CreateRoute"),
      ModifyInstanceAttribute: count("ModifyInstanceAttribute"),
      ReplaceRoute: count("ReplaceRoute"),
      DeleteRoute: count("DeleteRoute"),
    }).toEqual({
      DescribeInstances: 10,
      DescribeRouteTables: 10,
      CreateRoute: 100,
      ModifyInstanceAttribute: 100,
      ReplaceRoute: 0,
      DeleteRoute: 0,
    });
    expect(completions(calls)).toEqual(continuedOnce(launches));
    expect((await podRoutes(seed.routeTableId)).sort()).toEqual(
      group.instanceIds.map((id, n) => [`10.200.${n}.0/24`, id]).sort(),
    );
    expect(await queue.depth()).toEqual({ queued: 0, deadLetters: 0 });
  });

  it("30 replacements racing their predecessors' terminations, in any order: the replacements hold every block", async () => {
    const seed = await buildTutorialNetwork(ec2, 0);
    const rtb = seed.routeTableId;
    const queue = await createEventQueue(motoEndpoint);
    const old = await launchTaggedWorkers(ec2, seed.subnetId, 30, (n) => `10.200.${n}.0/24`);
    await queue.send(old.map((id) => stateChange(id, "running")));
    await pollUntilEmpty(motoEndpoint, queue, consumer({ ROUTE_TABLE_IDS: rtb }));
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: old }));
    const replacements = await launchTaggedWorkers(ec2, seed.subnetId, 30, (n) => `10.200.${n}.0/24`);

    await queue.send(
      [...replacements.map((id) => stateChange(id, "running")), ...old.map((id) => stateChange(id, "terminated"))].sort(
        () => 0.5 - pseudoRandom(),
      ),
    );
    const report = await pollUntilEmpty(motoEndpoint, queue, consumer({ ROUTE_TABLE_IDS: rtb }));

    expect(report.retried).toBe(0);
    expect(await podRoutes(rtb)).toEqual(replacements.map((id, n) => [`10.200.${n}.0/24`, id]));
    await expectRouting(ec2, rtb, { everyWorkerRouted: true });
  });

  it("20 launches allocating blocks with syncs in between: 20 distinct blocks, each routed to its tagged worker", async () => {
    const seed = await buildTutorialNetwork(ec2, 0);
    const rtb = seed.routeTableId;
    const group = await buildWorkerGroup(ec2, autoScaling, seed.subnetId, 20);
    const queue = await createEventQueue(motoEndpoint);
    const launches = group.instanceIds.map((id) =>
      lifecycleAction("launch", id, { group: group.name, hook: group.launchHook }),
    );
    await queue.send(launches.flatMap((launch, n) => (n % 3 === 2 ? [launch, scheduled()] : [launch])));
    handlerRequests();

    const report = await pollUntilEmpty(
      motoEndpoint,
      queue,
      consumer({ ROUTE_TABLE_IDS: rtb, ALLOCATE_POD_CIDR: "true" }),
    );

    expect(report.retried).toBe(0);
    const routes = await podRoutes(rtb);
    expect(new Set(routes.map(([cidr]) => cidr)).size).toBe(20);
    expect(routes.map(([, target]) => target).sort()).toEqual([...group.instanceIds].sort());
    expect(completions(handlerRequests())).toEqual(continuedOnce(launches));
    await expectRouting(ec2, rtb, { everyWorkerRouted: true });
  });

  it("direct syncs racing queued launches: every invocation succeeds, the table ends exact", async () => {
    const seed = await buildTutorialNetwork(ec2, 0);
    const rtb = seed.routeTableId;
    const queue = await createEventQueue(motoEndpoint);
    const workers = await launchTaggedWorkers(ec2, seed.subnetId, 40, (n) => `10.200.${n}.0/24`);
    await queue.send(workers.map((id) => stateChange(id, "running")));

    const direct = bundledHandler({ ROUTE_TABLE_IDS: rtb });
    const [report, ...syncs] = await Promise.all([
      pollUntilEmpty(motoEndpoint, queue, consumer({ ROUTE_TABLE_IDS: rtb })),
      ...Array.from({ length: 4 }, () => direct(scheduled())),
    ]);

    expect(report.retried).toBe(0);
    expect(syncs.flatMap((summary) => summary.failures)).toEqual([]);
    expect(await podRoutes(rtb)).toEqual(workers.map((id, n) => [`10.200.${n}.0/24`, id]));
    await expectRouting(ec2, rtb, { everyWorkerRouted: true });
  });

  it("a message that keeps failing transiently moves to the dead-letter queue after maxReceiveCount; the rest go on", async () => {
    const seed = await buildTutorialNetwork(ec2, 0);
    const rtb = seed.routeTableId;
    const queue = await createEventQueue(motoEndpoint, { maxReceiveCount: 2 });
    const [healthy, doomed] = await launchTaggedWorkers(ec2, seed.subnetId, 2, (n) => `10.200.${n}.0/24`);
    await queue.send([stateChange(healthy!, "running")]);
    await pollUntilEmpty(motoEndpoint, queue, consumer({ ROUTE_TABLE_IDS: rtb }));
    injectFaults({ seed: 1, rate: 1, faults: ["internal-before"], actions: ["CreateRoute"] });

    await queue.send([stateChange(doomed!, "running")]);
    const report = await pollUntilEmpty(motoEndpoint, queue, consumer({ ROUTE_TABLE_IDS: rtb }));
    injectFaults(undefined);

    expect(report.retried).toBe(2);
    expect(await queue.depth()).toEqual({ queued: 0, deadLetters: 1 });
    expect(await podRoutes(rtb)).toEqual([["10.200.0.0/24", healthy]]);
  });
});

let state = 4242;
/** A fixed shuffle: the same order on every run. */
function pseudoRandom(): number {
  state = (state * 1103515245 + 12345) % 2 ** 31;
  return state / 2 ** 31;
}
