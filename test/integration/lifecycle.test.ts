import {
  CreateRouteCommand,
  CreateTagsCommand,
  DescribeInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
} from "@aws-sdk/client-ec2";
import { describe, expect, it } from "vitest";
import { bundledHandler } from "../support/bundle.js";
import { lifecycleAction, stateChange } from "../../scripts/cli/sample-events.js";
import { buildTutorialNetwork } from "../../scripts/emulator/network.js";
import { routesOf } from "../support/routes.js";
import { buildWorkerGroup, type WorkerGroup } from "../../scripts/emulator/worker-group.js";
import { autoScaling, ec2, handlerCalls, handlerRequests } from "../support/moto-harness.js";

const launch = (group: WorkerGroup, instanceId: string, token?: string) =>
  lifecycleAction("launch", instanceId, { group: group.name, hook: group.launchHook, ...(token ? { token } : {}) });
const terminate = (group: WorkerGroup, instanceId: string, destination?: string) =>
  lifecycleAction("terminate", instanceId, { group: group.name, hook: group.terminateHook, destination });

/** CompleteLifecycleAction calls since the last look: group, hook, result and token, one line each. */
function completions(): string[] {
  return handlerRequests()
    .filter((call) => call.action === "CompleteLifecycleAction")
    .map(
      ({ params }) =>
        `${params["AutoScalingGroupName"]} ${params["LifecycleHookName"]} ${params["LifecycleActionResult"]} ${params["LifecycleActionToken"]}`,
    );
}

async function tagsOf(instanceIds: readonly string[]): Promise<Record<string, string | undefined>> {
  const output = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [...instanceIds] }));
  return Object.fromEntries(
    output
      .Reservations!.flatMap((r) => r.Instances!)
      .map((i) => [i.InstanceId!, i.Tags?.find((t) => t.Key === "pod-cidr")?.Value]),
  );
}

async function taggedGroup(size: number, cidrs: string[]) {
  const seed = await buildTutorialNetwork(ec2, 0);
  const group = await buildWorkerGroup(ec2, autoScaling, seed.subnetId, size);
  await Promise.all(
    group.instanceIds.map((id, n) =>
      ec2.send(new CreateTagsCommand({ Resources: [id], Tags: [{ Key: "pod-cidr", Value: cidrs[n]! }] })),
    ),
  );
  handlerCalls();
  return { seed, group };
}

describe("Auto Scaling lifecycle actions", () => {
  it("routes a launching worker, then completes its action with CONTINUE, once", async () => {
    const { seed, group } = await taggedGroup(1, ["10.200.4.0/24"]);
    const worker = group.instanceIds[0]!;
    const handler = bundledHandler({ ROUTE_TABLE_IDS: seed.routeTableId });

    const summary = await handler(launch(group, worker, "11111111-2222-3333-4444-555555555555"));

    expect(summary.lifecycle).toEqual({ result: "CONTINUE", completion: "completed" });
    expect(await routesOf(ec2, seed.routeTableId)).toContainEqual(["10.200.4.0/24", worker]);
    expect(completions()).toEqual([`${group.name} pod-routes-launch CONTINUE 11111111-2222-3333-4444-555555555555`]);
  });

  it("treats a duplicate delivery of a completed action as done", async () => {
    const { seed, group } = await taggedGroup(1, ["10.200.4.0/24"]);
    const handler = bundledHandler({ ROUTE_TABLE_IDS: seed.routeTableId });
    const action = launch(group, group.instanceIds[0]!);
    await handler(action);

    const again = await handler(action);

    expect(again).toMatchObject({ lifecycle: { result: "CONTINUE", completion: "no-longer-active" }, failures: [] });
    expect(again.tables[0]!.decisions).toEqual([expect.objectContaining({ action: "keep" })]);
  });

  it("lets a terminating worker go with CONTINUE at once, keeping its route until EC2 reports it shutting down", async () => {
    const { seed, group } = await taggedGroup(2, ["10.200.4.0/24", "10.200.5.0/24"]);
    const [leaving, staying] = group.instanceIds as [string, string];
    const handler = bundledHandler({ ROUTE_TABLE_IDS: seed.routeTableId });
    for (const id of group.instanceIds) await handler(launch(group, id));
    handlerCalls();

    const summary = await handler(terminate(group, leaving));

    expect(summary.lifecycle).toEqual({ result: "CONTINUE", completion: "completed" });
    expect(handlerCalls()).toEqual(["CompleteLifecycleAction"]);
    expect(await routesOf(ec2, seed.routeTableId)).toContainEqual(["10.200.4.0/24", leaving]);

    // The group terminates it; the state change removes the route.
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [leaving] }));
    await handler(stateChange(leaving, "shutting-down"));
    const routes = await routesOf(ec2, seed.routeTableId);
    expect(routes.map(([cidr]) => cidr)).not.toContain("10.200.4.0/24");
    expect(routes).toContainEqual(["10.200.5.0/24", staying]);
  });

  it.each([
    ["keep", true],
    ["remove", false],
  ])("follows ON_STOP=%s once a worker headed into the warm pool is stopped", async (onStop, kept) => {
    const { seed, group } = await taggedGroup(1, ["10.200.4.0/24"]);
    const worker = group.instanceIds[0]!;
    const handler = bundledHandler({ ROUTE_TABLE_IDS: seed.routeTableId, ON_STOP: onStop });
    await handler(launch(group, worker));

    const summary = await handler(terminate(group, worker, "WarmPool"));
    expect(summary.lifecycle?.result).toBe("CONTINUE");
    expect((await routesOf(ec2, seed.routeTableId)).some(([cidr]) => cidr === "10.200.4.0/24")).toBe(true);

    await ec2.send(new StopInstancesCommand({ InstanceIds: [worker] }));
    await handler(stateChange(worker, "stopped"));
    expect((await routesOf(ec2, seed.routeTableId)).some(([cidr]) => cidr === "10.200.4.0/24")).toBe(kept);
  });

  it.each([
    [{}, "ABANDON"],
    [{ LAUNCH_FAILURE_RESULT: "CONTINUE" }, "CONTINUE"],
  ])("gives up a launch whose tag is unusable (%j → %s) and reports the error", async (settings, result) => {
    const { seed, group } = await taggedGroup(1, ["10.200.4.7/24"]);
    const handler = bundledHandler({ ROUTE_TABLE_IDS: seed.routeTableId, ...settings });

    const summary = await handler(launch(group, group.instanceIds[0]!, "11111111-2222-3333-4444-555555555555"));

    expect(summary.failures).toEqual([
      {
        kind: "invalid-pod-cidr",
        instanceIds: [group.instanceIds[0]],
        message: expect.stringMatching(/^InvalidPodCidrError: /),
      },
    ]);

    expect(completions()).toEqual([`${group.name} pod-routes-launch ${result} 11111111-2222-3333-4444-555555555555`]);
    expect((await routesOf(ec2, seed.routeTableId)).map(([cidr]) => cidr)).toEqual(["0.0.0.0/0", "10.240.0.0/16"]);
  });

  it("never completes another hook's action (a drain hook): no call at all", async () => {
    const { seed, group } = await taggedGroup(1, ["10.200.4.0/24"]);
    const handler = bundledHandler({ ROUTE_TABLE_IDS: seed.routeTableId });
    handlerCalls();

    const summary = await handler(
      lifecycleAction("terminate", group.instanceIds[0]!, { group: group.name, hook: "node-drain" }),
    );

    expect(summary.ignored).toMatch(/hook node-drain is not one of LIFECYCLE_HOOK_NAMES/);
    expect(handlerCalls()).toEqual([]);
  });

  it.each([
    ["replayed from an archive", { "replay-name": "r1" }],
    ["older than any hook waits", { time: "2026-01-01T00:00:00Z" }],
  ])("acknowledges a launch action %s of a terminated instance without completing it", async (_name, extra) => {
    const { seed, group } = await taggedGroup(1, ["10.200.4.0/24"]);
    const gone = group.instanceIds[0]!;
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [gone] }));
    handlerCalls();

    const summary = await bundledHandler({ ROUTE_TABLE_IDS: seed.routeTableId })({ ...launch(group, gone), ...extra });

    expect(summary.ignored).toMatch(/launch action is no longer active/);
    expect(handlerCalls()).toEqual(["DescribeInstances"]);
    expect((await routesOf(ec2, seed.routeTableId)).map(([cidr]) => cidr)).not.toContain("10.200.4.0/24");
  });

  it("ignores Auto Scaling's test notification without a call", async () => {
    const handler = bundledHandler();
    const summary = await handler({
      ...lifecycleAction("launch", "i-0123456789abcdef0", { group: "g", hook: "h" }),
      detail: { Service: "AWS Auto Scaling", Event: "autoscaling:TEST_NOTIFICATION", AutoScalingGroupName: "g" },
    });
    expect(summary.ignored).toBe("Auto Scaling test notification");
    expect(handlerCalls()).toEqual([]);
  });
});

describe("pod CIDR allocation", () => {
  const N = 6;

  it(`gives ${N} concurrent launches ${N} distinct free blocks, each routed, tagged and completed`, async () => {
    const seed = await buildTutorialNetwork(ec2, 2);
    // A block routed to something else and a block only tagged on a worker are both in use.
    await ec2.send(
      new CreateRouteCommand({
        RouteTableId: seed.routeTableId,
        DestinationCidrBlock: "10.200.3.0/24",
        GatewayId: seed.internetGatewayId,
      }),
    );
    const tagged = (await buildWorkerGroup(ec2, autoScaling, seed.subnetId, 1, "tagged-only")).instanceIds[0]!;
    await ec2.send(new CreateTagsCommand({ Resources: [tagged], Tags: [{ Key: "pod-cidr", Value: "10.200.2.0/24" }] }));
    for (const worker of seed.workers)
      await bundledHandler({ ROUTE_TABLE_IDS: seed.routeTableId })(stateChange(worker.instanceId, "running"));
    const group = await buildWorkerGroup(ec2, autoScaling, seed.subnetId, N);
    handlerCalls();

    // Separate handlers, as separate Lambda environments would run them.
    const summaries = await Promise.all(
      group.instanceIds.map((id) =>
        bundledHandler({ ROUTE_TABLE_IDS: seed.routeTableId, ALLOCATE_POD_CIDR: "true" })(launch(group, id)),
      ),
    );

    const expected = Array.from({ length: N }, (_, n) => `10.200.${n + 4}.0/24`);
    const tags = await tagsOf(group.instanceIds);
    const routes = new Map((await routesOf(ec2, seed.routeTableId)).map(([cidr, target]) => [target, cidr]));
    expect(Object.values(tags).sort(byNumber)).toEqual(expected);
    for (const id of group.instanceIds) expect(routes.get(id)).toBe(tags[id]);
    expect(summaries.map((s) => s.allocation?.cidr).sort(byNumber)).toEqual(expected);
    expect(summaries.every((s) => s.lifecycle?.result === "CONTINUE" && s.lifecycle.completion === "completed")).toBe(
      true,
    );
    const calls = handlerRequests();
    expect(
      calls.filter((c) => c.action === "CompleteLifecycleAction" && c.params["LifecycleActionResult"] === "CONTINUE"),
    ).toHaveLength(N);
  });

  it("does not hand a terminated worker's block to the next launch while EC2 still lists it", async () => {
    const seed = await buildTutorialNetwork(ec2, 0);
    const group = await buildWorkerGroup(ec2, autoScaling, seed.subnetId, 3);
    const handler = bundledHandler({ ROUTE_TABLE_IDS: seed.routeTableId, ALLOCATE_POD_CIDR: "true" });
    for (const id of group.instanceIds) await handler(launch(group, id));
    const [, leaving] = group.instanceIds as [string, string, string];
    const freed = (await tagsOf([leaving]))[leaving];
    await handler(terminate(group, leaving));
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [leaving] }));
    await handler(stateChange(leaving, "terminated"));
    const second = await buildWorkerGroup(ec2, autoScaling, seed.subnetId, 1, "second-group");

    const summary = await handler(launch(second, second.instanceIds[0]!));

    // Reuse once EC2 has forgotten the instance (about an hour) is shown on the fake cloud: moto never forgets.
    expect(freed).toBe("10.200.1.0/24");
    expect(summary.allocation).toEqual({
      cidr: "10.200.3.0/24",
      routeTableId: seed.routeTableId,
      how: "claimed",
      pool: { inUse: 4, capacity: 256 },
    });
  });

  it("abandons a launch when every block is taken, saying how many are in use", async () => {
    const seed = await buildTutorialNetwork(ec2, 2);
    const settings = { ROUTE_TABLE_IDS: seed.routeTableId, ALLOCATE_POD_CIDR: "true", CLUSTER_CIDR: "10.200.0.0/23" };
    for (const worker of seed.workers) await bundledHandler(settings)(stateChange(worker.instanceId, "running"));
    const group = await buildWorkerGroup(ec2, autoScaling, seed.subnetId, 1);
    handlerCalls();

    const summary = await bundledHandler(settings)(launch(group, group.instanceIds[0]!));

    expect(summary.failures).toEqual([
      {
        kind: "pool-exhausted",
        instanceIds: [group.instanceIds[0]],
        message: expect.stringMatching(
          /^PodCidrPoolExhaustedError: no free IPv4 \/24 block in CLUSTER_CIDR 10\.200\.0\.0\/23 .*2 of 2 in use/,
        ),
      },
    ]);
    expect(completions()[0]).toMatch(/ ABANDON /);
  });

  it("never allocates for an untagged instance seen in a state-change event", async () => {
    const seed = await buildTutorialNetwork(ec2, 0);
    const group = await buildWorkerGroup(ec2, autoScaling, seed.subnetId, 1);
    const handler = bundledHandler({ ROUTE_TABLE_IDS: seed.routeTableId, ALLOCATE_POD_CIDR: "true" });

    const summary = await handler(stateChange(group.instanceIds[0]!, "running"));

    expect(summary.ignored).toMatch(/has no pod-cidr tag/);
    expect(await tagsOf(group.instanceIds)).toEqual({ [group.instanceIds[0]!]: undefined });
  });
});

function byNumber(a: string | undefined, b: string | undefined): number {
  return (a ?? "").localeCompare(b ?? "", "en", { numeric: true });
}
