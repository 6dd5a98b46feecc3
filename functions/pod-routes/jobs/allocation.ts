import { blocksInUse, freeBlocks, poolCapacity, type Pool } from "../core/allocator.js";
import { contains, parseIpv4Block, type Ipv4Block } from "../core/cidr.js";
import { awsErrorCode, NotAWorkerError, PodCidrPoolExhaustedError, RouteLimitError } from "../core/errors.js";
import { pointsAt, type ObservedTable, type Worker } from "../core/model.js";
import type { Dependencies } from "./dependencies.js";
import { claimTable } from "../core/tables.js";
import type { Allocation } from "./summary.js";

export interface Allocated {
  readonly worker: Worker;
  /** The tables as they are after the claim: the claimed route is in the worker's home table. */
  readonly tables: readonly ObservedTable[];
  readonly allocation: Allocation;
}

/**
 * Gives an untagged worker the lowest free pod CIDR. The block is claimed with CreateRoute, which
 * succeeds for exactly one caller: concurrent launches that lose the race move on to the next block.
 * Only then is the instance tagged, so a tag always names a block that is routed to its worker.
 */
export async function allocatePodCidr(
  untagged: Worker,
  tables: readonly ObservedTable[],
  dryRun: boolean,
  deps: Dependencies,
): Promise<Allocated> {
  const { config, ec2 } = deps;
  const home = claimTable(tables, untagged.vpcId, config.routeTableIds);
  if (!home)
    throw new NotAWorkerError(
      `${untagged.instanceId} is in ${untagged.vpcId}: no route table there to allocate a pod CIDR in`,
    );
  const pool: Pool = { clusterCidr: config.clusterCidr, prefixLength: config.podCidrPrefixLength };
  // A retry after a claim whose tagging failed finds its block already routed to it.
  const adopted = home.routes.find((route) => pointsAt(route, untagged) && inPool(pool, route.destination));
  let allocation: Allocation | undefined = adopted && {
    cidr: adopted.destination,
    routeTableId: home.routeTableId,
    how: "adopted",
  };

  if (!allocation) {
    // Every instance EC2 still lists holds its block, shutting-down and terminated ones too (for about an
    // hour): conntrack entries, endpoints and the old Node object still point at its addresses.
    const holders = await ec2.describeInstances({ tagKey: config.podCidrTag });
    // Blocks routed in any table, claimed by an instance's tag, or part of the VPC; a route that merely
    // covers the cluster CIDR (the default route) uses none of them.
    const taken = [
      ...tables.flatMap((table) => table.routes.map((route) => route.destination)),
      ...holders.map((instance) => instance.Tags?.find((tag) => tag.Key === config.podCidrTag)?.Value ?? ""),
    ]
      .flatMap((cidr) => parseIpv4Block(cidr) ?? [])
      .filter((block) => contains(pool.clusterCidr, block))
      .concat(home.vpcCidrs.flatMap((cidr) => parseIpv4Block(cidr) ?? []));
    // Counted before the claim, so this worker's block is the one added.
    const usage = { inUse: blocksInUse(pool, taken) + 1, capacity: poolCapacity(pool) };
    for (const cidr of freeBlocks(pool, taken)) {
      if (dryRun) {
        allocation = { cidr, routeTableId: home.routeTableId, how: "planned", pool: usage };
        break;
      }
      try {
        await ec2.createRoute(home.routeTableId, cidr, untagged.routeTarget);
        allocation = { cidr, routeTableId: home.routeTableId, how: "claimed", pool: usage };
        break;
      } catch (error) {
        if (awsErrorCode(error) === "RouteAlreadyExists") {
          // Taken, perhaps by this very claim: a retry after a lost success answers RouteAlreadyExists too.
          const [fresh] = await ec2.describeRouteTables({ routeTableIds: [home.routeTableId] });
          const holder = fresh?.routes.find((route) => route.destination === cidr);
          if (holder && pointsAt(holder, untagged)) {
            allocation = { cidr, routeTableId: home.routeTableId, how: "claimed", pool: usage };
            break;
          }
          continue;
        }
        if (awsErrorCode(error) === "RouteLimitExceeded")
          throw new RouteLimitError(
            home.routeTableId,
            { held: home.routes.length, needed: home.routes.length + 1 },
            error,
          );
        throw error;
      }
    }
    if (!allocation) {
      throw new PodCidrPoolExhaustedError(
        `no free /${pool.prefixLength} block in CLUSTER_CIDR ${pool.clusterCidr.text} for ${untagged.instanceId}: ` +
          `${usage.inUse - 1} of ${usage.capacity} in use; widen CLUSTER_CIDR or lengthen POD_CIDR_PREFIX_LENGTH`,
      );
    }
  }

  if (!dryRun) await ec2.tagInstance(untagged.instanceId, config.podCidrTag, allocation.cidr);
  deps.log.info("pod CIDR allocated", { instanceId: untagged.instanceId, ...allocation, dryRun });
  const worker = { ...untagged, podCidrTag: allocation.cidr };
  const claimedRoute = {
    destination: allocation.cidr,
    [worker.routeTarget.kind === "instance" ? "instanceId" : "networkInterfaceId"]: worker.routeTarget.id,
    blackhole: false,
  };
  return {
    worker,
    tables:
      allocation.how === "claimed"
        ? tables.map((table) => (table === home ? { ...table, routes: [...table.routes, claimedRoute] } : table))
        : tables,
    allocation,
  };
}

function inPool(pool: Pool, destination: string): boolean {
  const block: Ipv4Block | undefined = parseIpv4Block(destination);
  return block !== undefined && block.prefixLength === pool.prefixLength && contains(pool.clusterCidr, block);
}
