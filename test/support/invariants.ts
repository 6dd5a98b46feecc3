import { DescribeInstancesCommand, DescribeRouteTablesCommand, type EC2Client } from "@aws-sdk/client-ec2";
import { expect } from "vitest";

const CLUSTER = /^10\.200\./;
const LIVE = new Set(["pending", "running"]);

export interface RoutingExpectation {
  /**
   * Live untagged instances a cluster route may point at: put there by the test, or claimed by an
   * allocation that has not tagged its worker yet (allocation claims first, then tags, by design).
   */
  readonly untagged?: readonly string[];
  /** Every live tagged worker has its route: true once a scenario has converged. */
  readonly everyWorkerRouted?: boolean;
}

/**
 * The routing invariant, read from EC2: no route in the cluster CIDR sends traffic to the wrong
 * worker, whether it names the instance or one of its interfaces. A route to a live instance must name
 * that instance's own pod CIDR; to a live untagged instance, only where the test expects one. Routes to
 * instances that are gone or stopped carry no traffic to a wrong worker and are left to the next event.
 */
export async function expectRouting(
  ec2: EC2Client,
  routeTableId: string,
  expectation: RoutingExpectation = {},
): Promise<void> {
  const table = (await ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: [routeTableId] }))).RouteTables![0]!;
  const instances = ((await ec2.send(new DescribeInstancesCommand({}))).Reservations ?? []).flatMap(
    (reservation) => reservation.Instances ?? [],
  );
  const owner = new Map(
    instances.flatMap((instance) => [
      [instance.InstanceId!, instance] as const,
      ...(instance.NetworkInterfaces ?? []).map((eni) => [eni.NetworkInterfaceId!, instance] as const),
    ]),
  );
  const podCidrOf = (instance: (typeof instances)[number]) => instance.Tags?.find((t) => t.Key === "pod-cidr")?.Value;
  const clusterRoutes = (table.Routes ?? []).filter((route) => CLUSTER.test(route.DestinationCidrBlock ?? ""));

  for (const route of clusterRoutes) {
    const target = route.InstanceId ?? route.NetworkInterfaceId;
    const instance = target === undefined ? undefined : owner.get(target);
    if (!instance || !LIVE.has(instance.State?.Name ?? "")) continue;
    const about = `${route.DestinationCidrBlock} → ${target} (${instance.InstanceId})`;
    const tag = podCidrOf(instance);
    if (tag === undefined) expect(expectation.untagged ?? [], `${about}: untagged`).toContain(instance.InstanceId);
    else expect(tag, about).toBe(route.DestinationCidrBlock);
  }

  if (expectation.everyWorkerRouted) {
    for (const worker of instances.filter((i) => LIVE.has(i.State?.Name ?? "") && podCidrOf(i) !== undefined)) {
      const route = clusterRoutes.find((r) => r.DestinationCidrBlock === podCidrOf(worker));
      const target = route?.InstanceId ?? route?.NetworkInterfaceId;
      expect(target && owner.get(target)?.InstanceId, `${podCidrOf(worker)} routed to ${worker.InstanceId}`).toBe(
        worker.InstanceId,
      );
    }
  }
}
