import type { ObservedTable, Worker } from "../core/model.js";
import type { Pool } from "../core/allocator.js";
import { clusterTargets } from "../core/planner.js";
import { tableForSubnet } from "../core/tables.js";
import type { InstanceView } from "../adapters/instance-fields.js";
import { WORKER_STATES } from "../adapters/worker.js";
import type { Dependencies } from "./dependencies.js";

/**
 * The instances a reconcile looks at, by id: with `sync`, every worker EC2 lists (one call, filtered by
 * the tags), and the named instances that listing leaves out (one more). `listed` is the sync's listing.
 */
export async function readInstances(
  instanceIds: readonly string[],
  sync: boolean,
  { config, ec2 }: Dependencies,
): Promise<{ listed: InstanceView[]; byId: Map<string, InstanceView> }> {
  const listed = sync
    ? await ec2.describeInstances({
        tagKey: config.podCidrTag,
        ...(config.clusterTag ? { clusterTag: config.clusterTag } : {}),
        states: WORKER_STATES,
      })
    : [];
  const byId = new Map(listed.map((instance) => [instance.InstanceId ?? "", instance]));
  const named = [...new Set(instanceIds)].filter((id) => !byId.has(id));
  const described = named.length > 0 ? await ec2.describeInstances({ instanceIds: named }) : [];
  for (const instance of described) byId.set(instance.InstanceId ?? "", instance);
  return { listed, byId };
}

/**
 * The tables pods need routes in: the configured ones; else every table carrying ROUTE_TABLE_TAG; else
 * those of the workers' VPCs that serve a subnet holding one of the workers (its own table, else the
 * VPC's main table) or already hold pod routes. One DescribeRouteTables, and one more for the tables of
 * named instances EC2 no longer shows (they have no VPC): found by the routes pointing at them.
 */
export async function tablesOf(workers: readonly Worker[], deps: Dependencies): Promise<ObservedTable[]> {
  const { config, ec2 } = deps;
  if (config.routeTableIds.length > 0) return ec2.describeRouteTables({ routeTableIds: config.routeTableIds });
  const vpcIds = [...new Set(workers.flatMap((worker) => (worker.vpcId ? [worker.vpcId] : [])))];
  const vanished = workers.filter((worker) => worker.vpcId === undefined).map((worker) => worker.instanceId);
  let tables: ObservedTable[] = [];
  if (config.routeTableTag) tables = await ec2.describeRouteTables({ tag: config.routeTableTag });
  else if (vpcIds.length > 0) {
    const inVpcs = await ec2.describeRouteTables({ vpcIds });
    const serving = new Set(workers.map((worker) => tableForSubnet(inVpcs, worker.vpcId, worker.subnetId)));
    tables = inVpcs.filter((table) => serving.has(table) || holdsPodRoutes(table, config.pools));
  }
  const routing =
    vanished.length > 0
      ? (await ec2.describeRouteTables({ routeToInstanceIds: vanished })).filter(
          (table) => !tables.some((t) => t.routeTableId === table.routeTableId),
        )
      : [];
  return [...tables, ...routing];
}

/** A table that already routes part of a cluster CIDR (of either family) to an instance or interface. */
export function holdsPodRoutes(table: ObservedTable, pools: readonly Pool[]): boolean {
  return pools.some(({ clusterCidr }) => clusterTargets(table, clusterCidr).length > 0);
}

/** Every instance EC2 still lists with a pod-CIDR tag: the blocks an allocation may not give away. */
export function readPodCidrHolders({ config, ec2 }: Dependencies): Promise<InstanceView[]> {
  return ec2.describeInstances({ tagKey: config.podCidrTag });
}
