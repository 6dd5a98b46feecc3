import { describe, expect, it } from "vitest";
import { scheduled } from "../../scripts/cli/sample-events.js";
import { CLUSTER_TAG_KEY, tutorialWorld, useFakeCloud, workerTags } from "../support/worlds.js";

const GROUP = "hard-k8s-workers";
const HOOK = "pod-routes-launch";

/** The scheduled sync completes launches whose message was lost or dead-lettered, once they are routed. */
describe("the sync as a safety net for launches", () => {
  const aws = useFakeCloud();

  async function scheduledSync(settings: Record<string, string>) {
    const events = aws.queue();
    events.send([scheduled()]);
    await events.drain(aws.handler(settings));
  }

  function cluster(hooks = [{ name: HOOK, transition: "launch" as const }]) {
    const world = tutorialWorld(aws.cloud, { workers: 1 });
    aws.cloud.group(GROUP, hooks);
    return { world, settings: { ROUTE_TABLE_IDS: world.tableId, WORKER_GROUP_NAMES: GROUP } };
  }

  it("routes a worker waiting on pod-routes' hook with no message, and continues its launch by instance id", async () => {
    const { world, settings } = cluster();
    const { instanceId } = aws.cloud.launchIntoGroup(GROUP, world.subnetId, { tags: workerTags(5) });

    await scheduledSync(settings);

    expect(aws.cloud.routesOf(world.tableId)["10.200.5.0/24"]).toBe(instanceId);
    expect(aws.cloud.completions).toEqual([{ group: GROUP, hook: HOOK, instanceId, result: "CONTINUE" }]);
    const completion = aws.cloud.calls.find((call) => call.action === "CompleteLifecycleAction")!;
    expect(completion.input).toMatchObject({ InstanceId: instanceId, LifecycleActionResult: "CONTINUE" });
  });

  it("allocates the block of an untagged worker left waiting, then continues", async () => {
    const { world, settings } = cluster();
    const { instanceId } = aws.cloud.launchIntoGroup(GROUP, world.subnetId, {
      tags: { [CLUSTER_TAG_KEY]: "owned" },
    });

    await scheduledSync({ ...settings, ALLOCATE_POD_CIDR: "true" });

    expect(aws.cloud.instances.get(instanceId)!.tags.get("pod-cidr")).toBe("10.200.1.0/24");
    expect(aws.cloud.completions.map((c) => c.result)).toEqual(["CONTINUE"]);
  });

  it("gives up no launch it found waiting: one it cannot route is left to the hook's timeout", async () => {
    const { world, settings } = cluster();
    aws.cloud.launchIntoGroup(GROUP, world.subnetId, { tags: workerTags(5, "10.200.5.7/24") });

    await scheduledSync(settings);

    expect(aws.cloud.completions).toEqual([]);
    expect(aws.cloud.openActions()).toHaveLength(1);
  });

  it("completes no other hook's action", async () => {
    const { world, settings } = cluster([{ name: "node-drainer", transition: "launch" }]);
    aws.cloud.launchIntoGroup(GROUP, world.subnetId, { tags: workerTags(5) });

    await scheduledSync(settings);

    expect(aws.cloud.completions).toEqual([]);
  });

  it.each([
    [
      "with worker groups configured, one Auto Scaling read",
      { WORKER_GROUP_NAMES: GROUP },
      ["DescribeAutoScalingGroups"],
    ],
    ["without, none", {}, []],
  ])("costs a converged sync %s", async (_case, groups, autoScalingCalls) => {
    const { world } = cluster();
    // One execution environment for both: its first sync also reads the route quota, once.
    const handler = aws.handler({ ROUTE_TABLE_IDS: world.tableId, ...groups });
    const sync = () => {
      const events = aws.queue();
      events.send([scheduled()]);
      return events.drain(handler);
    };
    await sync();
    expect(aws.cloud.takeCalls().filter((call) => call.action === "GetServiceQuota")).toHaveLength(1);

    await sync();

    expect(aws.cloud.takeCalls().map((call) => call.action)).toEqual([
      ...autoScalingCalls,
      "DescribeInstances",
      "DescribeRouteTables",
    ]);
  });
});
