import { describe, expect, it } from "vitest";
import { lifecycleAction, stateChange } from "../../scripts/cli/sample-events.js";
import { CLUSTER_TAG_KEY, tutorialWorld, useFakeCloud, workerTags } from "../support/worlds.js";

const GROUP = "hard-k8s-workers";
const HOOK = "pod-routes-launch";

/** Launches as EC2 really answers them: not listed at once, and refusing a route while pending. */
describe("launches on AWS as it behaves", () => {
  const aws = useFakeCloud();

  it("routes a worker EC2 does not show for a few seconds after its launch event, within the invocation", async () => {
    const world = tutorialWorld(aws.cloud, { workers: 0 });
    const worker = aws.cloud.launch(world.subnetId, { tags: workerTags(0), state: "pending" });
    aws.cloud.hideById(worker, 2_500);

    await aws.handler({ ROUTE_TABLE_IDS: world.tableId })(stateChange(worker, "pending"));

    expect(aws.cloud.routesOf(world.tableId)["10.200.0.0/24"]).toBe(worker);
  });

  it("routes a pending worker that refuses routes (IncorrectInstanceState) for a few seconds, then continues its launch", async () => {
    const world = tutorialWorld(aws.cloud, { workers: 0 });
    aws.cloud.group(GROUP, [{ name: HOOK, transition: "launch" }]);
    const { instanceId, tokens } = aws.cloud.launchIntoGroup(GROUP, world.subnetId, { tags: workerTags(0) });
    aws.cloud.refuseRoutes(instanceId, 3_000);

    const summary = await aws.handler({ ROUTE_TABLE_IDS: world.tableId })(
      lifecycleAction("launch", instanceId, { group: GROUP, hook: HOOK, token: tokens[HOOK] }),
    );

    expect(summary.failures).toEqual([]);
    expect(aws.cloud.routesOf(world.tableId)["10.200.0.0/24"]).toBe(instanceId);
    expect(aws.cloud.completions).toEqual([{ group: GROUP, hook: HOOK, instanceId, result: "CONTINUE" }]);
  });

  it("leaves the launch open for the retry when the worker stays unroutable past the invocation's patience", async () => {
    const world = tutorialWorld(aws.cloud, { workers: 0 });
    aws.cloud.group(GROUP, [{ name: HOOK, transition: "launch" }]);
    const { instanceId, tokens } = aws.cloud.launchIntoGroup(GROUP, world.subnetId, {
      tags: { [CLUSTER_TAG_KEY]: "owned", "pod-cidr": "10.200.0.0/24" },
    });
    aws.cloud.refuseRoutes(instanceId, 60_000);

    await expect(
      aws.handler({ ROUTE_TABLE_IDS: world.tableId })(
        lifecycleAction("launch", instanceId, { group: GROUP, hook: HOOK, token: tokens[HOOK] }),
      ),
    ).rejects.toThrow(/IncorrectInstanceState/);
    expect(aws.cloud.completions).toEqual([]);
    expect(aws.cloud.openActions()).toHaveLength(1);
  });

  it("fails a fresh launch event for an instance EC2 never shows, so it is retried; an hour-old one is stale", async () => {
    const world = tutorialWorld(aws.cloud, { workers: 0 });
    const handler = aws.handler({ ROUTE_TABLE_IDS: world.tableId });
    const hourAgo = new Date(Date.now() - 3_600_000).toISOString();

    await expect(handler(stateChange("i-0123456789abcdef0", "pending"))).rejects.toMatchObject({
      name: "InstanceNotVisibleError",
    });
    await expect(handler(stateChange("i-0123456789abcdef0", "running", { time: hourAgo }))).resolves.toMatchObject({
      failures: [],
    });
  });

  it("retries, never abandons, a warm-pool launch while EC2 still shows the instance stopped", async () => {
    const world = tutorialWorld(aws.cloud, { workers: 0 });
    aws.cloud.group(GROUP, [{ name: HOOK, transition: "launch" }]);
    const { instanceId, tokens } = aws.cloud.launchIntoGroup(GROUP, world.subnetId, { tags: workerTags(4) });
    aws.cloud.setState(instanceId, "stopped");
    const action = lifecycleAction("launch", instanceId, { group: GROUP, hook: HOOK, token: tokens[HOOK] });

    const failure = aws.handler({ ROUTE_TABLE_IDS: world.tableId })({
      ...action,
      detail: { ...action.detail, Origin: "WarmPool" },
    });

    await expect(failure).rejects.toMatchObject({ name: "InstanceNotReadyError" });
    expect(aws.cloud.completions).toEqual([]);
    expect(aws.cloud.openActions()).toHaveLength(1);
  });
});
