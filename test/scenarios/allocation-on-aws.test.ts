import { describe, expect, it } from "vitest";
import { lifecycleAction, stateChange } from "../../scripts/cli/sample-events.js";
import { CLUSTER_TAG_KEY, tutorialWorld, useFakeCloud, workerTags } from "../support/worlds.js";

const GROUP = "hard-k8s-workers";
const HOOK = "pod-routes-launch";

describe("allocation on AWS as it behaves", () => {
  const aws = useFakeCloud();

  function routedCluster() {
    const world = tutorialWorld(aws.cloud);
    aws.cloud.group(GROUP, [{ name: HOOK, transition: "launch" }]);
    const handler = aws.handler({ ROUTE_TABLE_IDS: world.tableId, ALLOCATE_POD_CIDR: "true" });
    return { world, handler };
  }

  async function launchOne(handler: ReturnType<typeof aws.handler>, subnetId: string) {
    const { instanceId, tokens } = aws.cloud.launchIntoGroup(GROUP, subnetId, { tags: { [CLUSTER_TAG_KEY]: "owned" } });
    const summary = await handler(
      lifecycleAction("launch", instanceId, { group: GROUP, hook: HOOK, token: tokens[HOOK] }),
    );
    return { instanceId, summary };
  }

  it.each(["shutting-down", "terminated"] as const)(
    "does not hand out again the block of a %s worker, which EC2 still lists",
    async (state) => {
      const { world, handler } = routedCluster();
      for (const id of world.workerIds) await handler(stateChange(id, "running"));
      const departed = aws.cloud.launch(world.subnetId, { tags: workerTags(3) });
      await handler(stateChange(departed, "running"));
      aws.cloud.setState(departed, state);
      await handler(stateChange(departed, state));
      expect(aws.cloud.routesOf(world.tableId)["10.200.3.0/24"]).toBeUndefined();

      const { instanceId, summary } = await launchOne(handler, world.subnetId);

      expect(summary.allocation).toMatchObject({ cidr: "10.200.4.0/24", how: "claimed" });
      expect(aws.cloud.routesOf(world.tableId)["10.200.4.0/24"]).toBe(instanceId);
      expect(aws.cloud.completions).toEqual([{ group: GROUP, hook: HOOK, instanceId, result: "CONTINUE" }]);
    },
  );

  it("reports the route its claim created as created, not as found in place", async () => {
    const { world, handler } = routedCluster();

    const { instanceId, summary } = await launchOne(handler, world.subnetId);

    const decisions = summary.tables.flatMap((table) => table.decisions);
    expect(decisions.filter((d) => d.cidr === "10.200.3.0/24")).toEqual([
      expect.objectContaining({
        action: "create",
        applied: true,
        instanceId,
        target: instanceId,
        reason: `${instanceId} was given 10.200.3.0/24, the lowest free block, claimed by creating its route`,
      }),
    ]);
  });

  it("hands the block out again once EC2 has forgotten the terminated worker", async () => {
    const { world, handler } = routedCluster();
    const departed = aws.cloud.launch(world.subnetId, { tags: workerTags(0) });
    aws.cloud.setState(departed, "terminated");
    aws.cloud.untag(world.workerIds[0]!, "pod-cidr");
    aws.cloud.advance(2 * 3_600_000);

    const { summary } = await launchOne(handler, world.subnetId);

    expect(summary.allocation).toMatchObject({ cidr: "10.200.0.0/24" });
  });

  describe("with ALLOCATE_POD_CIDR=launch: workers no lifecycle hook announces", () => {
    function launchMode() {
      const world = tutorialWorld(aws.cloud);
      const handler = aws.handler({ ROUTE_TABLE_IDS: world.tableId, ALLOCATE_POD_CIDR: "launch" });
      return { world, handler };
    }

    it("gives a pending member of the cluster a block, tags and routes it; its running event changes nothing", async () => {
      const { world, handler } = launchMode();
      // As Karpenter launches: the cluster tag, no pod-CIDR tag, no Auto Scaling group.
      const launched = aws.cloud.launch(world.subnetId, { tags: { [CLUSTER_TAG_KEY]: "owned" }, state: "pending" });

      const pending = await handler(stateChange(launched, "pending"));

      expect(pending.allocation).toMatchObject({ cidr: "10.200.3.0/24", how: "claimed" });
      expect(aws.cloud.routesOf(world.tableId)["10.200.3.0/24"]).toBe(launched);
      expect(aws.cloud.instances.get(launched)!.tags.get("pod-cidr")).toBe("10.200.3.0/24");
      expect(pending.changed.routes).toEqual([expect.objectContaining({ action: "create", cidr: "10.200.3.0/24" })]);

      aws.cloud.setState(launched, "running");
      const running = await handler(stateChange(launched, "running"));
      expect(running.changed.routes).toEqual([]);
      expect(running.allocation).toBeUndefined();
      expect(Object.values(aws.cloud.routesOf(world.tableId)).filter((target) => target === launched)).toHaveLength(1);
    });

    it("leaves an instance without the cluster tag alone", async () => {
      const { world, handler } = launchMode();
      const stranger = aws.cloud.launch(world.subnetId, { tags: { Name: "bastion" }, state: "pending" });

      const summary = await handler(stateChange(stranger, "pending"));

      expect(summary.ignored).toContain("has no pod-cidr tag");
      expect(aws.cloud.instances.get(stranger)!.tags.get("pod-cidr")).toBeUndefined();
    });
  });
});
