import { CreateRouteCommand, DescribeInstancesCommand } from "@aws-sdk/client-ec2";
import { describe, expect, it } from "vitest";
import { bundledHandler } from "../support/bundle.js";
import { stateChange } from "../../scripts/cli/sample-events.js";
import { buildNetwork, buildTutorialNetwork, launch, launchWorker } from "../../scripts/emulator/network.js";
import { routesOf } from "../support/routes.js";
import { ec2, handlerCalls } from "../support/moto-harness.js";

describe("input pod-routes must refuse or ignore", () => {
  it.each([
    ["banana", /not an IPv4 CIDR block/],
    ["10.200.3.5/24", /host bits are set; the block's network address is 10\.200\.3\.0\/24/],
    ["0.0.0.0/0", /outside CLUSTER_CIDR 10\.200\.0\.0\/16/],
    ["10.201.0.0/24", /outside CLUSTER_CIDR 10\.200\.0\.0\/16/],
    ["10.200.0.0/16", /a \/16; each worker claims one \/24 block/],
    ["10.200.16.0/20", /a \/20; each worker claims one \/24 block/],
    ["10.200.5.9/32", /a \/32; each worker claims one \/24 block/],
  ])("refuses a worker tagged %s, naming instance, tag and value, and changes nothing", async (value, reason) => {
    // The delivered event reports it (no retry can fix a tag); a manual add fails with the named error.
    const seed = await buildTutorialNetwork(ec2);
    const handler = bundledHandler({ ROUTE_TABLE_IDS: seed.routeTableId });
    const bad = await launchWorker(ec2, seed.subnetId, "worker-bad", value);
    const before = await routesOf(ec2, seed.routeTableId);

    const summary = await handler(stateChange(bad, "running"));
    const failure = handler({ action: "add", instanceId: bad });

    expect(summary.failures).toEqual([
      { kind: "invalid-pod-cidr", instanceIds: [bad], message: expect.stringMatching(reason) },
    ]);
    await expect(failure).rejects.toMatchObject({
      name: "InvalidPodCidrError",
      instanceId: bad,
      tag: "pod-cidr",
      value,
    });
    await expect(failure).rejects.toThrow(reason);
    expect(await routesOf(ec2, seed.routeTableId)).toEqual(before);
    const instance = (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [bad] }))).Reservations![0]!
      .Instances![0]!;
    expect(instance.SourceDestCheck).toBe(true);
  });

  it("refuses a cluster CIDR that overlaps the VPC: the invocation fails with a ConfigError naming both, nothing changed", async () => {
    const seed = await buildTutorialNetwork(ec2, 0);
    const handler = bundledHandler({ ROUTE_TABLE_IDS: seed.routeTableId, CLUSTER_CIDR: "10.0.0.0/8" });
    const bad = await launchWorker(ec2, seed.subnetId, "worker-bad", "10.240.5.0/24");

    await expect(handler(stateChange(bad, "running"))).rejects.toMatchObject({
      name: "ConfigError",
      message: expect.stringMatching(
        /^CLUSTER_CIDR="10\.0\.0\.0\/8" is invalid: overlaps 10\.240\.0\.0\/16, a CIDR block of vpc-/,
      ),
    });
    expect((await routesOf(ec2, seed.routeTableId)).map(([cidr]) => cidr)).toEqual(["0.0.0.0/0", "10.240.0.0/16"]);
  });

  it("ignores instances that are not workers: no pod-CIDR tag, or not carrying the cluster tag", async () => {
    const seed = await buildTutorialNetwork(ec2, 0);
    const handler = bundledHandler({
      ROUTE_TABLE_IDS: seed.routeTableId,
      CLUSTER_TAG: "kubernetes.io/cluster/hard-k8s=owned",
    });
    const otherCluster = await launchWorker(ec2, seed.subnetId, "worker-x", "10.200.5.0/24", [
      { Key: "kubernetes.io/cluster/hard-k8s", Value: "shared" },
    ]);

    const controller = await handler(stateChange(seed.controllerId, "running"));
    const stranger = await handler(stateChange(otherCluster, "running"));

    expect(controller).toMatchObject({ ignored: `${seed.controllerId} has no pod-cidr tag`, failures: [] });
    expect(stranger).toMatchObject({
      ignored: `${otherCluster} does not carry the cluster tag kubernetes.io/cluster/hard-k8s=owned`,
    });
    expect(handlerCalls()).toEqual(["DescribeInstances", "DescribeInstances"]);
    expect((await routesOf(ec2, seed.routeTableId)).map(([cidr]) => cidr)).toEqual(["0.0.0.0/0", "10.240.0.0/16"]);
  });

  it("routes a worker carrying the cluster tag", async () => {
    const seed = await buildTutorialNetwork(ec2, 0);
    const handler = bundledHandler({
      ROUTE_TABLE_IDS: seed.routeTableId,
      CLUSTER_TAG: "kubernetes.io/cluster/hard-k8s",
    });
    const worker = await launchWorker(ec2, seed.subnetId, "worker-5", "10.200.5.0/24", [
      { Key: "kubernetes.io/cluster/hard-k8s", Value: "owned" },
    ]);

    await handler(stateChange(worker, "running"));

    expect(await routesOf(ec2, seed.routeTableId)).toContainEqual(["10.200.5.0/24", worker]);
  });

  it("leaves a worker in another VPC alone: a skip, success, nothing changed", async () => {
    const seed = await buildTutorialNetwork(ec2, 0);
    const handler = bundledHandler({ ROUTE_TABLE_IDS: seed.routeTableId });
    const elsewhere = await buildNetwork(ec2, "10.250.0.0/16", "10.250.0.0/24");
    const foreign = await launchWorker(ec2, elsewhere.subnetId, "worker-other-vpc", "10.200.8.0/24");

    const summary = await handler(stateChange(foreign, "running"));

    expect(summary.failures).toEqual([]);
    expect(summary.tables[0]!.decisions).toEqual([
      expect.objectContaining({
        action: "skip",
        reason: `${foreign} is in ${elsewhere.vpcId}, the table in ${seed.vpcId}`,
      }),
    ]);
    expect((await routesOf(ec2, seed.routeTableId)).map(([cidr]) => cidr)).toEqual(["0.0.0.0/0", "10.240.0.0/16"]);
  });

  it("reports two live workers claiming one CIDR as a conflict naming both, and changes nothing", async () => {
    const seed = await buildTutorialNetwork(ec2);
    const handler = bundledHandler({ ROUTE_TABLE_IDS: seed.routeTableId });
    for (const worker of seed.workers) await handler(stateChange(worker.instanceId, "running"));
    const impostor = await launchWorker(ec2, seed.subnetId, "worker-dup", "10.200.0.0/24");
    const before = await routesOf(ec2, seed.routeTableId);

    const summary = await handler(stateChange(impostor, "running"));

    expect(summary.failures).toEqual([
      {
        kind: "conflict",
        instanceIds: [impostor],
        message: expect.stringContaining(
          `10.200.0.0/24 routes to live worker ${seed.workers[0]!.instanceId}; ${impostor} claims it too`,
        ),
      },
    ]);
    expect(await routesOf(ec2, seed.routeTableId)).toEqual(before);
  });

  it("never replaces a route whose target is a gateway", async () => {
    const seed = await buildTutorialNetwork(ec2, 0);
    const handler = bundledHandler({ ROUTE_TABLE_IDS: seed.routeTableId });
    await ec2.send(
      new CreateRouteCommand({
        RouteTableId: seed.routeTableId,
        DestinationCidrBlock: "10.200.4.0/24",
        GatewayId: seed.internetGatewayId,
      }),
    );
    const worker = await launchWorker(ec2, seed.subnetId, "worker-4", "10.200.4.0/24");

    expect((await handler(stateChange(worker, "running"))).failures).toEqual([
      {
        kind: "conflict",
        instanceIds: [worker],
        message: expect.stringContaining(
          `10.200.4.0/24 routes to ${seed.internetGatewayId}, which pod-routes never changes`,
        ),
      },
    ]);
    expect(await routesOf(ec2, seed.routeTableId)).toContainEqual(["10.200.4.0/24", seed.internetGatewayId]);
  });

  it("refuses an event it does not handle before making any AWS call", async () => {
    const handler = bundledHandler();
    const event = { source: "aws.s3", "detail-type": "Object Created", detail: {} };

    await expect(handler(event)).rejects.toMatchObject({ name: "UnsupportedEventError" });
    await expect(handler({ action: "add" })).rejects.toThrow(/manual "add" needs instanceId "i-…", got missing/);
    expect(handlerCalls()).toEqual([]);
  });

  it.each(["__proto__", "constructor", "toString"])(
    "refuses a lifecycle-like event with detail-type %s before any AWS call: no route deleted, nothing completed",
    async (detailType) => {
      const seed = await buildTutorialNetwork(ec2, 1);
      const handler = bundledHandler({ ROUTE_TABLE_IDS: seed.routeTableId });
      await handler(stateChange(seed.workers[0]!.instanceId, "running"));
      handlerCalls();
      const detail = {
        EC2InstanceId: seed.workers[0]!.instanceId,
        AutoScalingGroupName: "g",
        LifecycleHookName: "pod-routes",
      };

      await expect(handler({ source: "aws.autoscaling", "detail-type": detailType, detail })).rejects.toMatchObject({
        name: "UnsupportedEventError",
      });
      expect(handlerCalls()).toEqual([]);
    },
  );

  it("quotes at most about 200 characters of a 5 MB field in its error", async () => {
    const failure = await bundledHandler()({ action: "add", instanceId: "i-".padEnd(5_000_000, "0") }).catch(
      (error: Error) => error,
    );
    expect(failure).toMatchObject({ name: "UnsupportedEventError" });
    expect((failure as Error).message.length).toBeLessThan(600);
  });

  it("names the variable when a setting is invalid, before any AWS call", async () => {
    const handler = bundledHandler({ ON_STOP: "delete" });

    await expect(handler({ action: "sync" })).rejects.toThrow(
      'ON_STOP="delete" is invalid: expected one of: keep, remove',
    );
    expect(handlerCalls()).toEqual([]);
  });

  it("names the configured table when it does not exist, failing the invocation", async () => {
    const handler = bundledHandler({ ROUTE_TABLE_IDS: "rtb-0123456789abcdef0" });
    const seed = await buildTutorialNetwork(ec2, 1);

    await expect(handler(stateChange(seed.workers[0]!.instanceId, "running"))).rejects.toMatchObject({
      name: "RouteTableNotFoundError",
      message: expect.stringMatching(/rtb-0123456789abcdef0 not found/),
    });
    await expect(handler({ action: "sync" })).rejects.toMatchObject({ name: "RouteTableNotFoundError" });
  });

  it("refuses a manual add for an instance that is not a worker", async () => {
    const seed = await buildTutorialNetwork(ec2, 0);
    const handler = bundledHandler({ ROUTE_TABLE_IDS: seed.routeTableId });
    const bastion = await launch(ec2, seed.subnetId, [{ Key: "Name", Value: "bastion" }]);

    await expect(handler({ action: "add", instanceId: bastion })).rejects.toMatchObject({
      name: "NotAWorkerError",
      message: `${bastion} has no pod-cidr tag: add needs a worker tagged pod-cidr=<pod CIDR>`,
    });
  });
});
