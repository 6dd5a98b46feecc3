import { blocksInUse, freeBlocks, poolCapacity, type Pool } from "../core/allocator.js";
import { contains, familyName, parseBlock, type Family } from "../core/cidr.js";
import type { Config } from "../core/config.js";
import { awsErrorCode, NotAWorkerError, PodCidrPoolExhaustedError, RouteLimitError } from "../core/errors.js";
import { pointsAt, quotaRoutesIn, type ObservedTable, type Worker } from "../core/model.js";
import { tagBlocks } from "../core/pod-cidr.js";
import type { RouteQuota } from "../core/quota.js";
import type { InstanceView } from "../adapters/instance-fields.js";
import type { Dependencies } from "./dependencies.js";
import { claimTable } from "../core/tables.js";
import type { Allocation, Changes, PoolUse } from "./summary.js";

/** One family's part of an allocation: the block already routed to the worker, or the free ones to try. */
export type FamilyPlan =
  | { readonly pool: Pool; readonly adopted: string }
  | {
      readonly pool: Pool;
      readonly candidates: Iterable<string>;
      /** Blocks in use with this worker's, and the pool's size. */
      readonly usage: PoolUse;
    };

/**
 * How an untagged worker gets its pod CIDRs (pure): a block of each routed family, each the one already
 * routed to it in its home table (a retry after a claim whose tagging failed), or the free blocks to try,
 * lowest first; or why it cannot.
 */
export type AllocationPlan =
  | { readonly error: Error }
  | { readonly worker: Worker; readonly home: ObservedTable; readonly families: readonly FamilyPlan[] };

export interface Allocated {
  readonly worker: Worker;
  /** The tables as they are after the claims: the claimed routes are in the worker's home table. */
  readonly tables: readonly ObservedTable[];
  readonly allocation: Allocation;
  /** The blocks claimed now, by creating their routes in the home table. */
  readonly claimed: readonly string[];
}

/** The blocks in the worker's home table already routed to it: it claimed them before and was not tagged. */
export function adoptedBlocks(untagged: Worker, tables: readonly ObservedTable[], config: Config): Map<Family, string> {
  const home = claimTable(tables, untagged.vpcId, config.routeTableIds);
  const adopted = new Map<Family, string>();
  for (const pool of config.pools) {
    const route = home?.routes.find((r) => pointsAt(r, untagged) && inPool(pool, r.destination));
    if (route) adopted.set(pool.clusterCidr.family, route.destination);
  }
  return adopted;
}

/**
 * Plans an allocation from what was read: the tables, and every instance EC2 still lists with a pod-CIDR
 * tag (`holders`; shutting-down and terminated ones too, for about an hour, since conntrack entries,
 * endpoints and the old Node object still point at their addresses). Taken: blocks routed in any table,
 * claimed by a holder's tag, or part of the VPC; a route that merely covers a cluster CIDR uses none.
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
  const adopted = adoptedBlocks(untagged, tables, config);
  // A route around a whole cluster CIDR (a default route, a VPN's supernet) takes no block; the VPC's own do.
  const claimed = tables
    .flatMap((table) => table.routes.flatMap((route) => parseBlock(route.destination) ?? []))
    .concat(
      holders.flatMap((instance) => tagBlocks(instance.Tags?.find((t) => t.Key === config.podCidrTag)?.Value ?? "")),
    );
  const vpcBlocks = home.vpcCidrs.flatMap((cidr) => parseBlock(cidr) ?? []);
  const families: FamilyPlan[] = [];
  for (const pool of config.pools) {
    const family = pool.clusterCidr.family;
    const block = adopted.get(family);
    if (block) {
      families.push({ pool, adopted: block });
      continue;
    }
    const full =
      quota.source === "assumed"
        ? undefined
        : tables.find((table) => table.vpcId === untagged.vpcId && quotaRoutesIn(table, family) >= quota.limit);
    if (full) {
      const held = quotaRoutesIn(full, family);
      return {
        error: new RouteLimitError(
          full.routeTableId,
          { held, needed: held + 1, limit: quota.limit, family },
          undefined,
        ),
      };
    }
    const taken = [...claimed.filter((block) => contains(pool.clusterCidr, block)), ...vpcBlocks];
    // Counted before the claim, so this worker's block is the one added.
    const usage = { inUse: Number(blocksInUse(pool, taken)) + 1, capacity: Number(poolCapacity(pool)) };
    families.push({ pool, candidates: freeBlocks(pool, taken), usage });
  }
  return { worker: untagged, home, families };
}

/**
 * Carries out a plan, one family after the other. Each block is claimed with CreateRoute, which succeeds
 * for exactly one caller: concurrent launches that lose the race move on to the next block. Only then is
 * the instance tagged, with every family's block (`IPv4,IPv6`), so a tag always names blocks routed to
 * its worker. A dry run claims and tags nothing.
 */
export async function allocate(
  plan: Exclude<AllocationPlan, { error: Error }>,
  tables: readonly ObservedTable[],
  { dryRun }: { readonly dryRun: boolean },
  deps: Dependencies,
): Promise<Allocated> {
  const { worker: untagged, home } = plan;
  const given: Array<{ family: Family; cidr: string; how: Allocation["how"]; pool?: PoolUse }> = [];
  for (const planned of plan.families) {
    const family = planned.pool.clusterCidr.family;
    given.push(
      "adopted" in planned
        ? { family, cidr: planned.adopted, how: "adopted" }
        : { family, ...(await claimFirstFree(untagged, home, planned, { dryRun }, deps)) },
    );
  }
  const cidr = given.map((block) => block.cidr).join(",");
  const how = dryRun ? "planned" : given.some((block) => block.how === "claimed") ? "claimed" : "adopted";
  const poolOf = (family: Family) => given.find((block) => block.family === family)?.pool;
  const [pool, poolV6] = [poolOf("ipv4"), poolOf("ipv6")];
  const allocation: Allocation = {
    cidr,
    routeTableId: home.routeTableId,
    how,
    ...(pool ? { pool } : {}),
    ...(poolV6 ? { poolV6 } : {}),
  };
  if (!dryRun) await deps.ec2.tagInstance(untagged.instanceId, deps.config.podCidrTag, cidr);
  deps.log.info("pod CIDR allocated", { instanceId: untagged.instanceId, ...allocation, dryRun });
  const worker = { ...untagged, podCidrTag: cidr };
  const claimed = given.filter((block) => block.how === "claimed").map((block) => block.cidr);
  const claimedRoutes = claimed.map((destination) => ({
    destination,
    [worker.routeTarget.kind === "instance" ? "instanceId" : "networkInterfaceId"]: worker.routeTarget.id,
    blackhole: false,
  }));
  const added = (family: Family) => claimed.filter((block) => parseBlock(block)?.family === family).length;
  return {
    worker,
    tables: tables.map((table) =>
      table === home && claimed.length > 0
        ? {
            ...table,
            routes: [...table.routes, ...claimedRoutes],
            quotaRoutes: { ipv4: table.quotaRoutes.ipv4 + added("ipv4"), ipv6: table.quotaRoutes.ipv6 + added("ipv6") },
          }
        : table,
    ),
    allocation,
    claimed,
  };
}

/** Claims the first candidate no one else claims first. */
async function claimFirstFree(
  untagged: Worker,
  home: ObservedTable,
  plan: Extract<FamilyPlan, { candidates: Iterable<string> }>,
  { dryRun }: { readonly dryRun: boolean },
  deps: Dependencies,
): Promise<{ cidr: string; how: "claimed" | "planned"; pool: PoolUse }> {
  const { usage, pool } = plan;
  const routeTableId = home.routeTableId;
  const family = pool.clusterCidr.family;
  for (const cidr of plan.candidates) {
    if (dryRun) return { cidr, how: "planned", pool: usage };
    try {
      await deps.ec2.createRoute(routeTableId, cidr, untagged.routeTarget);
      return { cidr, how: "claimed", pool: usage };
    } catch (error) {
      if (awsErrorCode(error) === "RouteAlreadyExists") {
        // Taken, perhaps by this very claim: a retry after a lost success answers RouteAlreadyExists too.
        const [fresh] = await deps.ec2.describeRouteTables({ routeTableIds: [routeTableId] });
        const holder = fresh?.routes.find((route) => parseBlock(route.destination)?.text === cidr);
        if (holder && pointsAt(holder, untagged)) return { cidr, how: "claimed", pool: usage };
        continue;
      }
      if (awsErrorCode(error) === "RouteLimitExceeded") {
        const held = quotaRoutesIn(home, family);
        throw new RouteLimitError(routeTableId, { held, needed: held + 1, family }, error);
      }
      throw error;
    }
  }
  const [cluster, prefix] =
    family === "ipv4" ? ["CLUSTER_CIDR", "POD_CIDR_PREFIX_LENGTH"] : ["CLUSTER_CIDR_V6", "POD_CIDR_V6_PREFIX_LENGTH"];
  throw new PodCidrPoolExhaustedError(
    `no free ${familyName(family)} /${pool.prefixLength} block in ${cluster} ${pool.clusterCidr.text} for ` +
      `${untagged.instanceId}: ${usage.inUse - 1} of ${usage.capacity} in use; widen ${cluster} or lengthen ${prefix}`,
  );
}

function inPool(pool: Pool, destination: string): boolean {
  const block = parseBlock(destination);
  return block !== undefined && block.prefixLength === pool.prefixLength && contains(pool.clusterCidr, block);
}

/**
 * A claim's CreateRoute made the worker's route, which the plan then found in place: reported as the
 * create it was, in place of that keep, so the report shows the route the invocation made.
 */
export function withClaimedRoutes(changes: Changes, allocated: readonly Allocated[]): Changes {
  const claims = allocated.filter(({ claimed }) => claimed.length > 0);
  if (claims.length === 0) return changes;
  const tables = changes.tables.map((table) => ({
    ...table,
    decisions: table.decisions.map((decision) => {
      const claim = claims.find(
        ({ worker, allocation, claimed }) =>
          decision.action === "keep" &&
          decision.routeTableId === allocation.routeTableId &&
          claimed.includes(decision.cidr ?? "") &&
          decision.instanceId === worker.instanceId,
      );
      if (!claim) return decision;
      const { worker } = claim;
      const reason = `${worker.instanceId} was given ${decision.cidr}, the lowest free block, claimed by creating its route`;
      return { ...decision, action: "create" as const, applied: true, reason };
    }),
  }));
  return { ...changes, tables };
}
