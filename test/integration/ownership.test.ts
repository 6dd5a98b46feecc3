import {
  AttachNetworkInterfaceCommand,
  CreateNetworkInterfaceCommand,
  DescribeInstancesCommand,
  CreateRouteCommand,
  CreateTagsCommand,
  DeleteTagsCommand,
  type EC2Client,
} from "@aws-sdk/client-ec2";
import { describe, expect, it } from "vitest";
import { scheduled, stateChange, tagChange } from "../../scripts/cli/sample-events.js";
import { bundledHandler } from "../support/bundle.js";
import { buildNetwork, launch, launchWorker } from "../../scripts/emulator/network.js";
import { routesOf } from "../support/routes.js";
import { ec2 } from "../support/moto-harness.js";

/**
 * "Kubernetes the hard way on AWS" as it stands before migration: the workers carry their pod CIDR only
 * in their user data, so none is tagged, and the table routes 10.200.N.0/24 to worker N statically.
 */
async function untaggedTutorialCluster() {
  const network = await buildNetwork(ec2, "10.240.0.0/16", "10.240.0.0/24");
  const controllerId = await launch(ec2, network.subnetId, [{ Key: "Name", Value: "controller-0" }]);
  const workers = [];
  for (const n of [0, 1, 2]) {
    const instanceId = await launch(ec2, network.subnetId, [{ Key: "Name", Value: `worker-${n}` }]);
    const podCidr = `10.200.${n}.0/24`;
    await route(ec2, network.routeTableId, podCidr, { InstanceId: instanceId });
    workers.push({ instanceId, podCidr });
  }
  return { ...network, controllerId, workers };
}

function route(client: EC2Client, routeTableId: string, cidr: string, target: Record<string, string>) {
  return client.send(new CreateRouteCommand({ RouteTableId: routeTableId, DestinationCidrBlock: cidr, ...target }));
}

describe("routes pod-routes does not own", () => {
  it("an untagged tutorial cluster survives a scheduled sync unchanged: each route reported as unmanaged", async () => {
    const cluster = await untaggedTutorialCluster();
    const before = await routesOf(ec2, cluster.routeTableId);
    const handler = bundledHandler({ ROUTE_TABLE_IDS: cluster.routeTableId });

    const summary = await handler(scheduled());

    expect(await routesOf(ec2, cluster.routeTableId)).toEqual(before);
    expect(summary.failures).toEqual([]);
    expect(summary.tables[0]!.decisions.map(({ action, cidr, target }) => ({ action, cidr, target }))).toEqual(
      cluster.workers.map((w) => ({ action: "unmanaged", cidr: w.podCidr, target: w.instanceId })),
    );
  });

  it("migration cuts no route, whatever order the workers are tagged in and the syncs run", async () => {
    const cluster = await untaggedTutorialCluster();
    const before = await routesOf(ec2, cluster.routeTableId);
    const handler = bundledHandler({ ROUTE_TABLE_IDS: cluster.routeTableId });

    for (const worker of [cluster.workers[1]!, cluster.workers[2]!, cluster.workers[0]!]) {
      await ec2.send(
        new CreateTagsCommand({ Resources: [worker.instanceId], Tags: [{ Key: "pod-cidr", Value: worker.podCidr }] }),
      );
      await handler(stateChange(worker.instanceId, "running"));
      expect(await routesOf(ec2, cluster.routeTableId)).toEqual(before);
      await handler(scheduled());
      expect(await routesOf(ec2, cluster.routeTableId)).toEqual(before);
    }
    const summary = await handler(scheduled());
    expect(summary.tables[0]!.decisions.map((d) => d.action)).toEqual(["keep", "keep", "keep"]);
  });

  it("leaves an appliance's routes alone: a live instance that is no worker, and an ENI of no instance", async () => {
    const network = await buildNetwork(ec2, "10.240.0.0/16", "10.240.0.0/24");
    const vpn = await launch(ec2, network.subnetId, [{ Key: "Name", Value: "vpn" }]);
    const eni = (await ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: network.subnetId }))).NetworkInterface!;
    await route(ec2, network.routeTableId, "10.200.50.0/24", { InstanceId: vpn });
    await route(ec2, network.routeTableId, "10.200.51.0/24", { NetworkInterfaceId: eni.NetworkInterfaceId! });
    const worker = await launchWorker(ec2, network.subnetId, "worker-0", "10.200.0.0/24");
    const handler = bundledHandler({ ROUTE_TABLE_IDS: network.routeTableId });

    const summary = await handler(scheduled());

    expect(summary.failures).toEqual([]);
    expect(await routesOf(ec2, network.routeTableId)).toEqual(
      expect.arrayContaining([
        ["10.200.0.0/24", worker],
        ["10.200.50.0/24", vpn],
        ["10.200.51.0/24", eni.NetworkInterfaceId],
      ]),
    );
    expect(summary.tables[0]!.decisions.filter((d) => d.action === "unmanaged").map((d) => d.cidr)).toEqual([
      "10.200.50.0/24",
      "10.200.51.0/24",
    ]);
  });

  it("reports a route inside a worker's pod CIDR as an overlap naming both, and still routes the worker", async () => {
    const network = await buildNetwork(ec2, "10.240.0.0/16", "10.240.0.0/24");
    await route(ec2, network.routeTableId, "10.200.0.128/25", { GatewayId: network.internetGatewayId });
    const worker = await launchWorker(ec2, network.subnetId, "worker-0", "10.200.0.0/24");
    const handler = bundledHandler({ ROUTE_TABLE_IDS: network.routeTableId });

    const summary = await handler(stateChange(worker, "running"));

    expect(summary.failures).toEqual([
      {
        kind: "conflict",
        instanceIds: [worker],
        message: expect.stringMatching(
          /overlap in rtb-\w+: 10\.200\.0\.128\/25 → igw-\w+ lies inside 10\.200\.0\.0\/24 → i-\w+ \(its pod CIDR\)/,
        ),
      },
    ]);
    expect(await routesOf(ec2, network.routeTableId)).toEqual(
      expect.arrayContaining([
        ["10.200.0.0/24", worker],
        ["10.200.0.128/25", network.internetGatewayId],
      ]),
    );
  });

  it("a manual remove takes the cluster routes to an instance that is not a worker", async () => {
    const cluster = await untaggedTutorialCluster();
    const [worker0] = cluster.workers;
    const handler = bundledHandler({ ROUTE_TABLE_IDS: cluster.routeTableId });

    const summary = await handler({ action: "remove", instanceId: worker0!.instanceId });

    expect(summary.tables[0]!.decisions).toEqual([
      expect.objectContaining({ action: "delete", cidr: worker0!.podCidr, target: worker0!.instanceId, applied: true }),
    ]);
    expect((await routesOf(ec2, cluster.routeTableId)).map(([cidr]) => cidr)).not.toContain(worker0!.podCidr);
  });

  it("moves a worker's route from a secondary interface to the primary one, whose check is off", async () => {
    const network = await buildNetwork(ec2, "10.240.0.0/16", "10.240.0.0/24");
    const worker = await launchWorker(ec2, network.subnetId, "worker-0", "10.200.0.0/24");
    const secondary = (await ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: network.subnetId })))
      .NetworkInterface!.NetworkInterfaceId!;
    await ec2.send(
      new AttachNetworkInterfaceCommand({ InstanceId: worker, NetworkInterfaceId: secondary, DeviceIndex: 1 }),
    );
    await route(ec2, network.routeTableId, "10.200.0.0/24", { NetworkInterfaceId: secondary });
    const primary = (
      await ec2.send(new DescribeInstancesCommand({ InstanceIds: [worker] }))
    ).Reservations![0]!.Instances![0]!.NetworkInterfaces!.find(
      (eni) => eni.Attachment?.DeviceIndex === 0,
    )!.NetworkInterfaceId!;

    const summary = await bundledHandler({ ROUTE_TABLE_IDS: network.routeTableId })(stateChange(worker, "running"));

    expect(summary.tables[0]!.decisions).toEqual([
      expect.objectContaining({ action: "replace", target: primary, previousTarget: secondary, applied: true }),
    ]);
    expect(await routesOf(ec2, network.routeTableId)).toContainEqual(["10.200.0.0/24", primary]);
  });
});

describe("tag changes", () => {
  async function routedWorker() {
    const network = await buildNetwork(ec2, "10.240.0.0/16", "10.240.0.0/24");
    const worker = await launchWorker(ec2, network.subnetId, "worker-0", "10.200.0.0/24", [
      { Key: "kubernetes.io/cluster/hard-k8s", Value: "owned" },
    ]);
    const handler = bundledHandler({
      ROUTE_TABLE_IDS: network.routeTableId,
      CLUSTER_TAG: "kubernetes.io/cluster/hard-k8s=owned",
    });
    await handler(stateChange(worker, "running"));
    return { network, worker, handler, cidrs: async () => (await routesOf(ec2, network.routeTableId)).map(([c]) => c) };
  }

  it("a new pod-CIDR value moves the worker's route at once, freeing the old block", async () => {
    const { worker, handler, cidrs } = await routedWorker();
    await ec2.send(new CreateTagsCommand({ Resources: [worker], Tags: [{ Key: "pod-cidr", Value: "10.200.5.0/24" }] }));

    await handler(tagChange(worker, { changed: ["pod-cidr"], tags: { "pod-cidr": "10.200.5.0/24" } }));

    expect(await cidrs()).toContain("10.200.5.0/24");
    expect(await cidrs()).not.toContain("10.200.0.0/24");
  });

  it.each([
    ["pod-cidr", { "kubernetes.io/cluster/hard-k8s": "owned" }],
    ["kubernetes.io/cluster/hard-k8s", { "pod-cidr": "10.200.0.0/24" }],
  ])("removing the worker's %s tag removes its routes", async (key, tags) => {
    const { worker, handler, cidrs } = await routedWorker();
    await ec2.send(new DeleteTagsCommand({ Resources: [worker], Tags: [{ Key: key }] }));

    const summary = await handler(tagChange(worker, { changed: [key], tags }));

    expect(summary.tables[0]!.decisions).toEqual([expect.objectContaining({ action: "delete", applied: true })]);
    expect(await cidrs()).not.toContain("10.200.0.0/24");
  });

  it("a removal replayed after the tag came back changes nothing: the current tags decide", async () => {
    const { worker, handler, cidrs } = await routedWorker();

    await handler({ ...tagChange(worker, { changed: ["pod-cidr"], tags: {} }), "replay-name": "late" });

    expect(await cidrs()).toContain("10.200.0.0/24");
  });

  it("adding a cluster tag to an untagged worker with a static route cuts nothing", async () => {
    const cluster = await untaggedTutorialCluster();
    const before = await routesOf(ec2, cluster.routeTableId);
    const handler = bundledHandler({
      ROUTE_TABLE_IDS: cluster.routeTableId,
      CLUSTER_TAG: "kubernetes.io/cluster/hard-k8s=owned",
    });
    const [worker0] = cluster.workers;
    const clusterTag = { Key: "kubernetes.io/cluster/hard-k8s", Value: "owned" };
    await ec2.send(new CreateTagsCommand({ Resources: [worker0!.instanceId], Tags: [clusterTag] }));

    await handler(tagChange(worker0!.instanceId, { changed: [clusterTag.Key], tags: { [clusterTag.Key]: "owned" } }));

    expect(await routesOf(ec2, cluster.routeTableId)).toEqual(before);
  });
});
