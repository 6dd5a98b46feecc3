import {
  adoptedBlocks,
  allocate,
  planAllocation,
  withClaimedRoutes,
  type Allocated,
  type AllocationPlan,
} from "./allocation.js";
import { assertClusterCidrOutside } from "../core/config.js";
import { claimFor, claimOfJob, type JobClaim } from "./claims.js";
import { converge, resolveTargets, UNKNOWN } from "./converge.js";
import { asError } from "../core/errors.js";
import { pointsAt, type ObservedTable, type TargetFacts, type Worker } from "../core/model.js";
import { clusterTargets, contestedTargets, desireFor, type Claim, type TablePlanInput } from "../core/planner.js";
import type { Dependencies } from "./dependencies.js";
import { handOver, handOversOf } from "./hand-over.js";
import { holdsPodRoutes, readInstances, readPodCidrHolders, tablesOf } from "./observe.js";
import { combined, NO_CHANGES, type Allocation, type Changes, type Failure, type TableReport } from "./summary.js";
import { targetFactsOf, workersOf } from "../adapters/worker.js";
/**
 * What to do with one instance. `reconcile` follows its current state; `add` and `launch` need a live
 * worker (`launch` comes from a lifecycle hook and may allocate its pod CIDR); `remove` takes its
 * routes out whatever its state; `stop` treats it as stopped (it is headed for a warm pool).
 */
export type Intent = "reconcile" | "add" | "remove" | "launch";

export interface InstanceJob {
  readonly instanceId: string;
  readonly intent: Intent;
  readonly dryRun: boolean;
  /** Who asked, for the reasons in the report, e.g. "manual add" or "terminate lifecycle action". */
  readonly source: string;
  readonly reportedState?: string;
  readonly eventTime?: string;
  /** A launch action that may no longer be active (replayed, or older than any hook waits). */
  readonly actionMayBeOver?: boolean;
  /** A launch out of a warm pool: EC2 may still show the instance stopped for a moment. */
  readonly fromWarmPool?: boolean;
  /** The Auto Scaling group a lifecycle action names: the instance's own group tag must confirm it. */
  readonly group?: string;
  /** When the instance is not a worker, remove its cluster routes rather than ignore it (a manual remove). */
  readonly removesRoutesOfNonWorker?: boolean;
  /**
   * The event says the instance lost its pod-CIDR or cluster tag: its cluster routes go if EC2 confirms
   * it was a worker of this cluster, that is, shows it still carrying exactly one of the two tags.
   */
  readonly untagged?: boolean;
}

/** What became of one job in a reconcile: left alone, failed before any change, or planned. */
export interface JobOutcome {
  readonly job: InstanceJob;
  readonly ignored?: string;
  /** This job's own failure (a bad tag, not a worker, not visible yet): nothing was planned for it. */
  readonly error?: Error;
  readonly allocation?: Allocation;
}

export interface Reconciled extends Changes {
  /** One per job, in the order given. */
  readonly jobs: readonly JobOutcome[];
}

export interface ReconcileOptions {
  /** Every worker and table too, not only the jobs' instances. */
  readonly sync: boolean;
  /** Plan and report only. */
  readonly dryRun: boolean;
}

/** A job whose instance has routes to decide on. */
type Wanting = Extract<JobClaim, { worker: Worker }>;

/**
 * Reconciles a set of instances, and with `sync` every worker, in one pass. Everything is read first:
 * the instances (one DescribeInstances for the workers, one for the named instances it leaves out), the
 * tables (one DescribeRouteTables), and the instances behind the routes that decide ownership. What each
 * job and worker claims is decided from those facts alone, and a job's own failure (its tag, its state)
 * is its outcome, a value: the others go on. Then blocks are allocated, each table is planned and its
 * changes applied, and a deleted route whose CIDR a live worker now carries is handed over to it.
 */
export async function reconcile(
  jobs: readonly InstanceJob[],
  { sync, dryRun }: ReconcileOptions,
  deps: Dependencies,
): Promise<Reconciled> {
  const { config } = deps;
  // Observe the instances; claim (pure): what each job asks of its instance.
  const { listed, byId } = await readInstances(
    jobs.map((job) => job.instanceId),
    sync,
    deps,
  );
  const asked = new Map(jobs.map((job) => [job, claimOfJob(job, byId.get(job.instanceId), config, deps.now())]));
  const wanting = [...asked].filter((entry): entry is [InstanceJob, Wanting] => "worker" in entry[1]);
  const outcomes = new Map<InstanceJob, Omit<JobOutcome, "job">>(
    [...asked].flatMap(([job, claim]) => ("worker" in claim ? [] : [[job, claim]])),
  );
  const report = (changes: Changes): Reconciled => ({
    jobs: jobs.map((job) => ({ job, ...outcomes.get(job) })),
    ...changes,
  });
  if (!sync && wanting.length === 0) return report(NO_CHANGES);

  // Observe the tables. One that holds no pod route yet (a new zone's, a newly tagged one) needs every
  // worker's route, not only this event's: the event widens to a sync.
  const listedWorkers = workersOf(listed, config);
  const tables = await tablesOf([...listedWorkers, ...wanting.map(([, claim]) => claim.worker)], deps);
  assertClusterCidrOutside(config, tables);
  const newPodTable = (worker: Worker) =>
    tables.some((table) => table.vpcId === worker.vpcId && !holdsPodRoutes(table, config.pools));
  if (
    !sync &&
    config.routeTableIds.length === 0 &&
    wanting.some(([, claim]) => claim.desire === "ensure" && newPodTable(claim.worker))
  )
    return reconcile(jobs, { sync: true, dryRun }, deps);

  // Observe, in a sync, the instance behind every route in the cluster CIDR: whether a route is ours
  // depends on who it points at. A worker the tag-filtered listing missed (it lags behind launches and
  // tag changes) is found here by id, and claims its route like any other.
  const known = new Map<string, TargetFacts>([...byId.values()].flatMap((instance) => targetFactsOf(instance, config)));
  for (const [, { worker }] of wanting) if (worker.lifecycle === "unknown") known.set(worker.instanceId, UNKNOWN);
  const resolved = sync
    ? await resolveTargets(
        tables.flatMap((table) => config.pools.flatMap(({ clusterCidr }) => clusterTargets(table, clusterCidr))),
        known,
        deps,
      )
    : { facts: known, instances: [] };

  // Claim (pure): every worker's claim on its pod CIDR, and every job's. One claim per instance: a job's
  // stands over the sync's, and an ensure over any other. A worker whose tag is invalid holds its routes.
  const claims = new Map<string, Claim>();
  const invalid = new Map<string, Failure>();
  const held = new Set<string>();
  for (const worker of [...listedWorkers, ...workersOf(resolved.instances, config)]) {
    const { desire, because } = desireFor(worker, config.onStop);
    const claim = claimFor(worker, desire, because, config);
    if ("invalid" in claim) {
      invalid.set(claim.invalid.message, {
        kind: "invalid-pod-cidr",
        instanceIds: [worker.instanceId],
        message: `${claim.invalid.name}: ${claim.invalid.message}`,
      });
      for (const id of [worker.instanceId, ...worker.interfaceIds]) held.add(id);
    } else {
      claims.set(worker.instanceId, claim);
    }
  }
  const jobClaims = new Map<string, Claim>();
  const claimJob = (job: InstanceJob, { worker, desire, because }: Wanting, allocation?: Allocation) => {
    const claim = claimFor(worker, desire, because, config);
    if ("invalid" in claim) return outcomes.set(job, { error: claim.invalid });
    if (jobClaims.get(worker.instanceId)?.desire !== "ensure") jobClaims.set(worker.instanceId, claim);
    outcomes.set(job, allocation ? { allocation } : {});
  };
  const allocating = wanting.filter(([, claim]) => claim.needsAllocation);
  for (const [job, claim] of wanting) if (!claim.needsAllocation) claimJob(job, claim);

  // Observe what the claims contest (the instances behind routes to others on a CIDR a job's worker
  // claims), and, to allocate, every block a tag holds.
  const contested = sync
    ? []
    : tables.flatMap((table) =>
        contestedTargets(
          table,
          [...jobClaims.values()].filter((claim) => belongsTo(claim.worker, table)),
        ),
      );
  const { facts: targets } = await resolveTargets(contested, resolved.facts, deps);
  const holders = allocating.some(([, { worker }]) => adoptedBlocks(worker, tables, config).size < config.pools.length)
    ? await readPodCidrHolders(deps)
    : [];

  // Allocate: plan (pure) from what was read, then claim each block (a write), one launch at a time.
  let allocatedTables: readonly ObservedTable[] = tables;
  const allocations: Allocated[] = [];
  const quota = allocating.length > 0 ? await deps.routeQuota() : undefined;
  for (const [job, claim] of allocating) {
    const plan: AllocationPlan = planAllocation(claim.worker, allocatedTables, holders, config, quota!);
    if ("error" in plan) {
      outcomes.set(job, { error: plan.error });
      continue;
    }
    try {
      const allocated = await allocate(plan, allocatedTables, { dryRun }, deps);
      allocatedTables = allocated.tables;
      allocations.push(allocated);
      claimJob(job, { ...claim, worker: allocated.worker }, allocated.allocation);
    } catch (error) {
      outcomes.set(job, { error: asError(error) });
    }
  }
  for (const [instanceId, claim] of jobClaims) claims.set(instanceId, claim);

  // Plan each table (pure), and apply.
  const skipped: TableReport[] = partlyIgnored([...claims.values()], allocatedTables, deps);
  const plans: TablePlanInput[] = [];
  for (const table of allocatedTables) {
    const members = [...claims.values()].filter((claim) => belongsTo(claim.worker, table));
    if (config.routeTableIds.length > 0 || config.routeTableTag)
      skipped.push(...elsewhere(table, [...jobClaims.values()]));
    if (!sync && members.length === 0) continue;
    // One plan per family: each has its own routes, cluster CIDR and quota.
    for (const { clusterCidr } of config.pools)
      plans.push({
        table,
        clusterCidr,
        claims: members,
        scope: sync ? "table" : "claims",
        held,
        targets,
        onStop: config.onStop,
      });
  }
  const applied = withClaimedRoutes(await converge(plans, { dryRun }, deps), allocations);
  const handedOver = await handOver(handOversOf(applied.tables, new Set(jobClaims.keys())), deps);
  return report(
    combined({ ...NO_CHANGES, failures: [...invalid.values()] }, applied, handedOver, {
      ...NO_CHANGES,
      tables: skipped,
    }),
  );
}

/**
 * Whether the worker's routes live in the table: every pod table of its VPC, since pods in any subnet
 * may reach it. A vanished instance's: the tables whose routes point at it.
 */
function belongsTo(worker: Worker, table: ObservedTable): boolean {
  if (worker.vpcId === undefined) return table.routes.some((route) => pointsAt(route, worker));
  return table.vpcId === worker.vpcId;
}

/**
 * Reports once, in the first of its tables, each worker whose tag names a block of a family that is not
 * routed (an IPv6 block while CLUSTER_CIDR_V6 is unset): its other block is routed as usual.
 */
function partlyIgnored(claims: readonly Claim[], tables: readonly ObservedTable[], deps: Dependencies): TableReport[] {
  return claims.flatMap(({ worker, ignored }) => {
    const table = tables.find((candidate) => belongsTo(worker, candidate));
    if (ignored === undefined || !table) return [];
    deps.log.warn("pod-CIDR tag partly ignored", {
      instanceId: worker.instanceId,
      podCidrTag: worker.podCidrTag,
      reason: ignored,
    });
    const routeTableId = table.routeTableId;
    const decision = { action: "skip" as const, routeTableId, instanceId: worker.instanceId, reason: ignored };
    return [{ routeTableId, decisions: [{ ...decision, applied: false }] }];
  });
}

/** Reports, for a configured table in another VPC, each named worker it cannot route. */
function elsewhere(table: ObservedTable, claims: readonly Claim[]): TableReport[] {
  const strangers = claims.filter((c) => c.worker.vpcId !== undefined && c.worker.vpcId !== table.vpcId);
  if (strangers.length === 0) return [];
  return [
    {
      routeTableId: table.routeTableId,
      decisions: strangers.map(({ worker }) => ({
        action: "skip" as const,
        routeTableId: table.routeTableId,
        instanceId: worker.instanceId,
        reason: `${worker.instanceId} is in ${worker.vpcId}, the table in ${table.vpcId}`,
        applied: false,
      })),
    },
  ];
}
