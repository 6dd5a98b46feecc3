import { describe, expect, it } from "vitest";
import { lifecycleAction, scheduled, stateChange, tagChange } from "../../scripts/cli/sample-events.js";
import { CLUSTER_TAG_KEY, tutorialWorld, useFakeCloud } from "../support/worlds.js";

/**
 * An attacker inside the account, allowed sqs:SendMessage, writes to the event queue: nothing it sends
 * moves a route. Each forged record is acknowledged (it never holds the group) and refused.
 */
describe("forged records on the event queue", () => {
  const aws = useFakeCloud();

  async function routedCluster() {
    const world = tutorialWorld(aws.cloud);
    const events = aws.queue();
    const handler = aws.handler({
      ROUTE_TABLE_IDS: world.tableId,
      EVENT_QUEUE_ARN: events.arn,
      EVENT_MESSAGE_GROUP: "hard-k8s",
    });
    events.send(world.workerIds.map((id) => stateChange(id, "running")));
    await events.drain(handler);
    return { world, events, handler, routes: aws.cloud.routesOf(world.tableId) };
  }

  it.each([
    ["a manual remove", (victim: string) => ({ action: "remove", instanceId: victim })],
    ["a manual sync", () => ({ action: "sync" })],
    [
      "a state change with a source of its own",
      (victim: string) => ({ ...stateChange(victim, "terminated"), source: "custom.ec2" }),
    ],
    [
      "a nested batch",
      (victim: string) => ({
        Records: [
          { eventSource: "aws:sqs", messageId: "x", body: JSON.stringify({ action: "remove", instanceId: victim }) },
        ],
      }),
    ],
  ])("%s changes nothing and is acknowledged", async (_case, forged) => {
    const { world, events, handler, routes } = await routedCluster();

    events.send([forged(world.workerIds[1]!)]);
    const report = await events.drain(handler);

    expect(report.batches).toEqual([1]);
    expect(aws.cloud.routesOf(world.tableId)).toEqual(routes);
  });

  it("refuses a record of another message group: a second writer", async () => {
    const { world, events, handler, routes } = await routedCluster();
    aws.cloud.setState(world.workerIds[1]!, "stopped");
    aws.cloud.setState(world.workerIds[1]!, "terminated");

    events.send([stateChange(world.workerIds[1]!, "terminated")], "attacker");
    await events.drain(handler);

    expect(aws.cloud.routesOf(world.tableId)).toEqual({
      ...routes,
      "10.200.1.0/24": `${world.workerIds[1]} (blackhole)`,
    });
  });

  it("refuses a record of another queue", async () => {
    const { world, handler } = await routedCluster();
    const otherArn = "arn:aws:sqs:us-east-1:123456789012:attacker.fifo";
    aws.cloud.setState(world.workerIds[1]!, "terminated");

    const answer = await handler({
      Records: [
        {
          messageId: "m1",
          receiptHandle: "r1",
          body: JSON.stringify(stateChange(world.workerIds[1]!, "terminated")),
          attributes: { ApproximateReceiveCount: "1", MessageGroupId: "hard-k8s" },
          eventSource: "aws:sqs",
          eventSourceARN: otherArn,
        },
      ],
    });

    expect(answer).toEqual({ batchItemFailures: [] });
    expect(aws.cloud.routesOf(world.tableId)["10.200.1.0/24"]).toBe(`${world.workerIds[1]} (blackhole)`);
  });

  describe("a forged lifecycle action", () => {
    const GROUP = "hard-k8s-workers";

    async function allocatingCluster() {
      const cluster = await routedCluster();
      aws.cloud.group(GROUP, [{ name: "pod-routes-launch", transition: "launch" }]);
      aws.cloud.group("other-team", [{ name: "pod-routes-launch", transition: "launch" }]);
      const handler = aws.handler({
        ROUTE_TABLE_IDS: cluster.world.tableId,
        EVENT_QUEUE_ARN: cluster.events.arn,
        EVENT_MESSAGE_GROUP: "hard-k8s",
        ALLOCATE_POD_CIDR: "true",
        WORKER_GROUP_NAMES: GROUP,
      });
      return { ...cluster, handler };
    }

    it.each([
      [
        "for an instance in no group",
        (subnetId: string) => aws.cloud.launch(subnetId, { tags: { [CLUSTER_TAG_KEY]: "owned" } }),
        GROUP,
      ],
      [
        "naming a worker group its instance is not in",
        (subnetId: string) =>
          aws.cloud.launchIntoGroup("other-team", subnetId, { tags: { [CLUSTER_TAG_KEY]: "owned" } }).instanceId,
        GROUP,
      ],
      [
        "of a group that is not a worker group",
        (subnetId: string) =>
          aws.cloud.launchIntoGroup("other-team", subnetId, { tags: { [CLUSTER_TAG_KEY]: "owned" } }).instanceId,
        "other-team",
      ],
    ])("%s allocates, routes and completes nothing", async (_case, squatter, group) => {
      const { world, events, handler, routes } = await allocatingCluster();
      const instanceId = squatter(world.subnetId);

      events.send([lifecycleAction("launch", instanceId, { group, hook: "pod-routes-launch" })]);
      const report = await events.drain(handler);

      expect(report.batches).toEqual([1]);
      expect(aws.cloud.routesOf(world.tableId)).toEqual(routes);
      expect(aws.cloud.instances.get(instanceId)!.tags.has("pod-cidr")).toBe(false);
      expect(aws.cloud.completions).toEqual([]);
    });
  });

  it("a forged tag change saying a VPN box lost its pod-CIDR tag leaves the box's route alone", async () => {
    const { world, events, handler } = await routedCluster();
    const vpn = aws.cloud.launch(world.subnetId, { tags: { Name: "vpn" } });
    aws.cloud.addRoute(world.tableId, { destination: "10.200.9.0/24", instanceId: vpn });

    events.send([tagChange(vpn, { changed: ["pod-cidr", CLUSTER_TAG_KEY], tags: { Name: "vpn" } })]);
    await events.drain(handler);

    expect(aws.cloud.routesOf(world.tableId)["10.200.9.0/24"]).toBe(vpn);
  });

  it.each([
    ["its pod-CIDR tag", "pod-cidr"],
    ["its cluster tag", CLUSTER_TAG_KEY],
  ])("a worker that really lost %s loses its route on that tag change", async (_case, key) => {
    const { world, events, handler } = await routedCluster();
    const worker = world.workerIds[2]!;
    aws.cloud.untag(worker, key);
    const tags = Object.fromEntries(aws.cloud.instances.get(worker)!.tags);

    events.send([tagChange(worker, { changed: [key], tags })]);
    await events.drain(handler);

    expect(aws.cloud.routesOf(world.tableId)["10.200.2.0/24"]).toBeUndefined();
  });

  it("a squatter tagged with a live worker's block, and a forged remove of the worker, move nothing", async () => {
    const { world, events, handler, routes } = await routedCluster();
    const victim = world.workerIds[1]!;
    const squatter = aws.cloud.launch(world.subnetId, {
      tags: { Name: "squatter", "pod-cidr": "10.200.1.0/24", [CLUSTER_TAG_KEY]: "owned" },
    });

    events.send([
      { action: "remove", instanceId: victim },
      stateChange(squatter, "running"),
      tagChange(squatter, { changed: ["pod-cidr"], tags: { "pod-cidr": "10.200.1.0/24" } }),
      scheduled(),
    ]);
    await events.drain(handler);

    expect(aws.cloud.routesOf(world.tableId)).toEqual(routes);
  });
});
