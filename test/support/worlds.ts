import { afterEach, beforeEach, vi } from "vitest";
import { CLUSTER_CIDR_V6, podCidrsOf } from "../../scripts/emulator/network.js";
import { createHandler } from "../../functions/pod-routes/entry/handler.js";
import { FakeCloud, type CloudOptions } from "./fake-cloud.js";
import { FakeFifoQueue } from "./fake-queue.js";

export const CLUSTER_TAG_KEY = "kubernetes.io/cluster/hard-k8s";
export const CLUSTER_TAG = `${CLUSTER_TAG_KEY}=owned`;

/** The tags of worker N of the tutorial, tagged for pod-routes. */
export function workerTags(n: number, podCidr = `10.200.${n}.0/24`): Record<string, string> {
  return { Name: `worker-${n}`, "pod-cidr": podCidr, [CLUSTER_TAG_KEY]: "owned" };
}

/**
 * "Kubernetes the hard way" on the fake cloud: one VPC, one subnet with its own table, the controller
 * and `workers` tagged workers, not yet routed.
 */
export function tutorialWorld(cloud: FakeCloud, { workers = 3 } = {}) {
  const network = cloud.vpc({ subnets: 1, tablePerSubnet: true });
  const subnetId = network.subnetIds[0]!;
  const tableId = network.tableIds[0]!;
  const controllerId = cloud.launch(subnetId, { tags: { Name: "controller-0" } });
  const workerIds = Array.from({ length: workers }, (_, n) => cloud.launch(subnetId, { tags: workerTags(n) }));
  return { ...network, subnetId, tableId, controllerId, workerIds };
}

/** Worker N's dual-stack pod CIDRs, as the emulator's dual-stack workers carry them. */
export function dualStackCidrs(n: number): string {
  return podCidrsOf(n, true);
}

/**
 * The tutorial's cluster, dual-stack: its VPC has an Amazon-provided IPv6 block, and each of `workers`
 * workers is tagged with an IPv4 and an IPv6 pod CIDR, not yet routed.
 */
export function dualStackWorld(cloud: FakeCloud, { workers = 2, interfaces = 1 } = {}) {
  const network = cloud.vpc({ ipv6Cidr: "2600:1f18:abcd:ef00::/56", subnets: 1, tablePerSubnet: true });
  const subnetId = network.subnetIds[0]!;
  const tableId = network.tableIds[0]!;
  const workerIds = Array.from({ length: workers }, (_, n) =>
    cloud.launch(subnetId, { tags: workerTags(n, dualStackCidrs(n)), interfaces }),
  );
  return { ...network, subnetId, tableId, workerIds, settings: { ROUTE_TABLE_IDS: tableId, CLUSTER_CIDR_V6 } };
}

/**
 * The tutorial's cluster across two zones: one VPC, a subnet per zone with its own table (the main table
 * serves neither), `perZone` tagged workers in each, not yet routed.
 */
export function multiZoneWorld(cloud: FakeCloud, { perZone = 2 } = {}) {
  const network = cloud.vpc({ subnets: 2, tablePerSubnet: true });
  let n = 0;
  const zones = network.subnetIds.map((subnetId, zone) => ({
    subnetId,
    tableId: network.tableIds[zone]!,
    workerIds: Array.from({ length: perZone }, () => cloud.launch(subnetId, { tags: workerTags(n++) })),
  }));
  return { ...network, zones, workerIds: zones.flatMap((zone) => zone.workerIds) };
}

/**
 * A fresh fake cloud for every test, answering the SDK clients of this test file; `handler(settings)`
 * builds the function's handler as Lambda would, with the tutorial's cluster tag unless overridden.
 */
export function useFakeCloud(options: CloudOptions = {}) {
  const context = { cloud: new FakeCloud(options) };
  let restores: Array<() => void> = [];
  beforeEach(() => {
    context.cloud = new FakeCloud(options);
    restores = [context.cloud.install()];
    // The SDK clients read their region from the process, as in Lambda.
    vi.stubEnv("AWS_REGION", "us-east-1");
  });
  afterEach(() => {
    for (const restore of restores.reverse()) restore();
    vi.unstubAllEnvs();
  });
  return {
    get cloud() {
      return context.cloud;
    },
    /** The event queue on this cloud, answering the function's SQS client, for this test. */
    queue(settings: ConstructorParameters<typeof FakeFifoQueue>[1] = {}) {
      const queue = new FakeFifoQueue(context.cloud, settings);
      restores.push(queue.install());
      return queue;
    },
    handler(settings: Record<string, string> = {}) {
      return createHandler({ AWS_REGION: "us-east-1", CLUSTER_TAG, ...settings }, context.cloud.clock);
    },
  };
}
