import { blocksInUse, freeBlocks, poolCapacity, type Pool } from "../core/allocator.js";
import { contains, parseIpv4Block, type Ipv4Block } from "../core/cidr.js";
import type { Config } from "../core/config.js";
import { awsErrorCode, NotAWorkerError, PodCidrPoolExhaustedError, RouteLimitError } from "../core/errors.js";
import { pointsAt, type ObservedTable, type Worker } from "../core/model.js";
import type { InstanceView } from "../adapters/instance-fields.js";
import type { Dependencies } from "./dependencies.js";
import { claimTable } from "../core/tables.js";
import type { RouteQuota } from "../core/quota.js";
import type { Allocation, Changes } from "./summary.js";

/**
 * How an untagged worker gets its pod CIDR (pure): the block already routed to it in its home table (a
 * retry after a claim whose tagging failed), or the free blocks to try, lowest first; or why it cannot.
 */
export type AllocationPlan =
  | { readonly error: Error }
  | { readonly worker: Worker; readonly home: ObservedTable; readonly adopted: string }
  | {
      readonly worker: Worker;
      readonly home: ObservedTable;
      readonly candidates: Iterable<string>;
      /** Blocks in use with this worker's, and the pool's size. */
      readonly usage: { readonly inUse: number; readonly capacity: number };
    };

export interface Allocated {
  readonly worker: Worker;
  /** The tables as they are after the claim: the claimed route is in the worker's home table. */
  readonly tables: readonly ObservedTable[];
  readonly allocation: Allocation;
}

/** The block in the worker's home table already routed to it: it claimed it before and was not tagged. */
export function adoptedBlock(untagged: Worker, tables: readonly ObservedTable[], config: Config): string | undefined {
  const home = claimTable(tables, untagged.vpcId, config.routeTableIds);
  const pool = poolOf(config);
  return home?.routes.find((route) => pointsAt(route, untagged) && inPool(pool, route.destination))?.destination;
}

/**
 * Plans an allocation from what was read: the tables, and every instance EC2 still lists with a pod-CIDR
 * tag (`holders`; shutting-down and terminated ones too, for about an hour, since conntrack entries,
 * endpoints and the old Node object still point at their addresses). Taken: blocks routed in any table,
 * claimed by a holder's tag, or part of the VPC; a route that merely covers the cluster CIDR uses none.
 * A worker whose route a table of its VPC has no room for under the route quota gets no block.
 */
export function planAllocation(
  untagged: Worker,
  tables: readonly ObservedTable[],
  holders: readonly InstanceView[],
  config: Config,
  quota: RouteQuota,
): AllocationPlan {
  const home = claimTable(tables, untagged.vpcId, config.routeTableIds);
  if (!home)
    return {
      error: new NotAWorkerError(
        `${untagged.instanceId} is in ${untagged.vpcId}: no route table there to allocate a pod CIDR in`,
      ),
    };
  const adopted = adoptedBlock(untagged, tables, config);
  if (adopted) return { worker: untagged, home, adopted };
  const full =
    quota.source === "assumed"
      ? undefined
      : tables.find((table) => table.vpcId === untagged.vpcId && table.quotaRoutes >= quota.limit);
  if (full) {
    const counts = { held: full.quotaRoutes, needed: full.quotaRoutes + 1, limit: quota.limit };
    return { error: new RouteLimitError(full.routeTableId, counts, undefined) };
  }
  const pool = poolOf(config);
  const taken = [
    ...tables.flatMap((table) => table.routes.map((route) => route.destination)),
    ...holders.map((instance) => instance.Tags?.find((tag) => tag.Key === config.podCidrTag)?.Value ?? ""),
  ]
    .flatMap((cidr) => parseIpv4Block(cidr) ?? [])
    .filter((block) => contains(pool.clusterCidr, block))
    .concat(home.vpcCidrs.flatMap((cidr) => parseIpv4Block(cidr) ?? []));
  // Counted before the claim, so this worker's block is the one added.
  const usage = { inUse: blocksInUse(pool, taken) + 1, capacity: poolCapacity(pool) };
  return { worker: untagged, home, candidates: freeBlocks(pool, taken), usage };
}

/**
 * Carries out a plan. The block is claimed with CreateRoute, which succeeds for exactly one caller:
 * concurrent launches that lose the race move on to the next block. Only then is the instance tagged,
 * so a tag always names a block that is routed to its worker. A dry run claims and tags nothing.
 */
export async function allocate(
  plan: Exclude<AllocationPlan, { error: Error }>,
  tables: readonly ObservedTable[],
  { dryRun }: { readonly dryRun: boolean },
  deps: Dependencies,
): Promise<Allocated> {
  const { worker: untagged, home } = plan;
  const allocation =
    "adopted" in plan
      ? { cidr: plan.adopted, routeTableId: home.routeTableId, how: "adopted" as const }
      : await claimFirstFree(plan, { dryRun }, deps);
  if (!dryRun) await deps.ec2.tagInstance(untagged.instanceId, deps.config.podCidrTag, allocation.cidr);
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
        ? tables.map((table) =>
            table === home
              ? { ...table, routes: [...table.routes, claimedRoute], quotaRoutes: table.quotaRoutes + 1 }
              : table,
          )
        : tables,
    allocation,
  };
}

/** Claims the first candidate no one else claims first. */
async function claimFirstFree(
  plan: Extract<AllocationPlan, { candidates: Iterable<string> }>,
  { dryRun }: { readonly dryRun: boolean },
  deps: Dependencies,
): Promise<Allocation> {
  const { worker: untagged, home, usage } = plan;
  const routeTableId = home.routeTableId;
  for (const cidr of plan.candidates) {
    if (dryRun) return { cidr, routeTableId, how: "planned", pool: usage };
    try {
      await deps.ec2.createRoute(routeTableId, cidr, untagged.routeTarget);
      return { cidr, routeTableId, how: "claimed", pool: usage };
    } catch (error) {
      if (awsErrorCode(error) === "RouteAlreadyExists") {
        // Taken, perhaps by this very claim: a retry after a lost success answers RouteAlreadyExists too.
        const [fresh] = await deps.ec2.describeRouteTables({ routeTableIds: [routeTableId] });
        const holder = fresh?.routes.find((route) => route.destination === cidr);
        if (holder && pointsAt(holder, untagged)) return { cidr, routeTableId, how: "claimed", pool: usage };
        continue;
      }
      if (awsErrorCode(error) === "RouteLimitExceeded")
        throw new RouteLimitError(routeTableId, { held: home.routes.length, needed: home.routes.length + 1 }, error);
      throw error;
    }
  }
  const pool = poolOf(deps.config);
  throw new PodCidrPoolExhaustedError(
    `no free /${pool.prefixLength} block in CLUSTER_CIDR ${pool.clusterCidr.text} for ${untagged.instanceId}: ` +
      `${usage.inUse - 1} of ${usage.capacity} in use; widen CLUSTER_CIDR or lengthen POD_CIDR_PREFIX_LENGTH`,
  );
}

function poolOf(config: Config): Pool {
  return { clusterCidr: config.clusterCidr, prefixLength: config.podCidrPrefixLength };
}

function inPool(pool: Pool, destination: string): boolean {
  const block: Ipv4Block | undefined = parseIpv4Block(destination);
  return block !== undefined && block.prefixLength === pool.prefixLength && contains(pool.clusterCidr, block);
}

/**
 * A claim's CreateRoute made the worker's route, which the plan then found in place: reported as the
 * create it was, in place of that keep, so the report shows the route the invocation made.
 */
export function withClaimedRoutes(changes: Changes, allocated: readonly Allocated[]): Changes {
  const claims = allocated.filter(({ allocation }) => allocation.how === "claimed");
  if (claims.length === 0) return changes;
  const tables = changes.tables.map((table) => ({
    ...table,
    decisions: table.decisions.map((decision) => {
      const claim = claims.find(
        ({ worker, allocation }) =>
          decision.action === "keep" &&
          decision.routeTableId === allocation.routeTableId &&
          decision.cidr === allocation.cidr &&
          decision.instanceId === worker.instanceId,
      );
      if (!claim) return decision;
      const { worker, allocation } = claim;
      const reason = `${worker.instanceId} was given ${allocation.cidr}, the lowest free block, claimed by creating its route`;
      return { ...decision, action: "create" as const, applied: true, reason };
    }),
  }));
  return { ...changes, tables };
}
