import { allocatePodCidr } from "./allocation.js";
import { assertClusterCidrOutside, type Config } from "../core/config.js";
import { converge, resolveTargets, UNKNOWN } from "./converge.js";
import {
  asError,
  InstanceNotReadyError,
  InstanceNotVisibleError,
  InvalidPodCidrError,
  NotAWorkerError,
  quote,
  UntrustedEventError,
} from "../core/errors.js";
import type { InstanceView } from "../adapters/instance-fields.js";
import { pointsAt, type ObservedTable, type TargetFacts, type Worker } from "../core/model.js";
import { checkPodCidr } from "../core/pod-cidr.js";
import type { Ipv4Block } from "../core/cidr.js";
import {
  clusterTargets,
  contestedTargets,
  desireFor,
  type Claim,
  type Desire,
  type TablePlanInput,
} from "../core/planner.js";
import type { Dependencies } from "./dependencies.js";
import { combined, NO_CHANGES, type Allocation, type Changes, type Failure, type TableReport } from "./summary.js";
import { tableForSubnet } from "../core/tables.js";
import { classifyInstance, lifecycleOf, targetFactsOf, WORKER_STATES, workersOf } from "../adapters/worker.js";

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

/** The tag Auto Scaling puts on its instances; the aws: prefix is AWS's alone to write. */
const AUTO_SCALING_GROUP_TAG = "aws:autoscaling:groupName";

/** How long after a launch event EC2 may still not show the instance (eventual consistency). */
const LAUNCH_VISIBILITY_GRACE_MS = 5 * 60_000;

/** What became of one job in a reconcile: left alone, failed before any change, or planned. */
export interface JobOutcome {
  readonly job: InstanceJob;
  readonly ignored?: string;
  /** Thrown for this job alone (a bad tag, not a worker, not visible yet): nothing was planned for it. */
  readonly error?: Error;
  readonly allocation?: Allocation;
}

export interface Reconciled extends Changes {
  /** One per job, in the order given. */
  readonly jobs: readonly JobOutcome[];
}

/**
 * Reconciles a set of instances, and with `sync` every worker, in one pass: one DescribeInstances for
 * the workers and one for the named instances they leave out, one DescribeRouteTables, one plan per
 * table, then the changes. A job's own failure (its tag, its state) is its outcome; the others go on.
 */
export interface ReconcileOptions {
  /** Every worker and table too, not only the jobs' instances. */
  readonly sync: boolean;
  /** Plan and report only. */
  readonly dryRun: boolean;
}

export async function reconcile(
  jobs: readonly InstanceJob[],
  { sync, dryRun }: ReconcileOptions,
  deps: Dependencies,
): Promise<Reconciled> {
  const { config, ec2 } = deps;
  const synced = sync
    ? await ec2.describeInstances({
        tagKey: config.podCidrTag,
        ...(config.clusterTag ? { clusterTag: config.clusterTag } : {}),
        states: WORKER_STATES,
      })
    : [];
  const seen = new Map(synced.map((instance) => [instance.InstanceId ?? "", instance]));
  const named = [...new Set(jobs.map((job) => job.instanceId))].filter((id) => !seen.has(id));
  const described = named.length > 0 ? await ec2.describeInstances({ instanceIds: named }) : [];
  for (const instance of described) seen.set(instance.InstanceId ?? "", instance);

  const outcomes: JobOutcome[] = [];
  const found = new Map<InstanceJob, { worker: Worker; needsAllocation?: boolean; desire: Desire; because: string }>();
  for (const job of jobs) {
    try {
      const instance = seen.get(job.instanceId);
      const recognised = instance ? recognise(instance, job, config) : unseen(job, deps.now());
      if ("ignored" in recognised) {
        outcomes.push({ job, ignored: recognised.ignored });
        continue;
      }
      const { desire, because } =
        recognised.notWorker === undefined
          ? desireOf(job, recognised.worker, config)
          : { desire: "remove" as const, because: `${recognised.notWorker}; ${job.source}` };
      found.set(job, { ...recognised, desire, because });
    } catch (error) {
      outcomes.push({ job, error: asError(error) });
    }
  }

  if (!sync && found.size === 0) {
    return { jobs: jobs.map((job) => outcomes.find((o) => o.job === job)!), ...NO_CHANGES };
  }
  const listedWorkers = workersOf(synced, config);
  const jobWorkers = [...found.values()].map((f) => f.worker);
  let tables: readonly ObservedTable[] = await tablesOf([...listedWorkers, ...jobWorkers], deps);
  assertClusterCidrOutside(config.clusterCidr, tables);
  // A table found by tag or by its subnets that holds no pod route yet (a new zone's, a newly tagged
  // one) needs every worker's route, not only this event's: the event widens to a sync.
  const newPodTable = (worker: Worker) =>
    tables.some((table) => table.vpcId === worker.vpcId && !holdsPodRoutes(table, config.clusterCidr));
  if (
    !sync &&
    config.routeTableIds.length === 0 &&
    [...found.values()].some((f) => f.desire === "ensure" && newPodTable(f.worker))
  )
    return reconcile(jobs, { sync: true, dryRun }, deps);

  const known = new Map<string, TargetFacts>([...seen.values()].flatMap((instance) => targetFactsOf(instance, config)));
  for (const { worker } of found.values()) if (worker.lifecycle === "unknown") known.set(worker.instanceId, UNKNOWN);
  // A sync decides on every route in the cluster CIDR: whether one is ours depends on who it points at.
  // A worker that the tag-filtered listing missed (it lags behind launches and tag changes) is found
  // here by id, and claims its route like any other.
  const resolved = sync
    ? await resolveTargets(
        tables.flatMap((table) => clusterTargets(table, config.clusterCidr)),
        known,
        deps,
      )
    : { facts: known, instances: [] };
  const syncWorkers = [...listedWorkers, ...workersOf(resolved.instances, config)];

  const allocations = new Map<InstanceJob, Allocation>();
  for (const [job, f] of found) {
    if (!f.needsAllocation) continue;
    try {
      const allocated = await allocatePodCidr(f.worker, tables, dryRun, deps);
      ({ tables } = allocated);
      found.set(job, { ...f, worker: allocated.worker });
      allocations.set(job, allocated.allocation);
    } catch (error) {
      found.delete(job);
      outcomes.push({ job, error: asError(error) });
    }
  }

  // One claim per instance: a job's claim stands over the sync's, and an ensure over any other.
  const claims = new Map<string, Claim>();
  const invalid = new Map<string, Failure>();
  const held = new Set<string>();
  for (const worker of syncWorkers) {
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
  for (const [job, f] of found) {
    try {
      const claim = claimFor(f.worker, f.desire, f.because, config);
      if ("invalid" in claim) throw claim.invalid;
      const earlier = jobClaims.get(f.worker.instanceId);
      if (earlier?.desire !== "ensure") jobClaims.set(f.worker.instanceId, claim);
      outcomes.push({ job, ...(allocations.has(job) ? { allocation: allocations.get(job) } : {}) });
    } catch (error) {
      outcomes.push({ job, error: asError(error) });
    }
  }
  for (const [instanceId, claim] of jobClaims) claims.set(instanceId, claim);

  const skipped: TableReport[] = [];
  const plans: TablePlanInput[] = [];
  for (const table of tables) {
    const members = [...claims.values()].filter((claim) => belongsTo(claim.worker, table));
    if (config.routeTableIds.length > 0 || config.routeTableTag)
      skipped.push(...elsewhere(table, [...jobClaims.values()]));
    if (!sync && members.length === 0) continue;
    plans.push({
      table,
      clusterCidr: config.clusterCidr,
      claims: members,
      scope: sync ? "table" : "claims",
      held,
      targets: resolved.facts,
      onStop: config.onStop,
    });
  }
  const { facts: targets } = sync
    ? resolved
    : await resolveTargets(
        plans.flatMap((plan) => contestedTargets(plan.table, plan.claims)),
        resolved.facts,
        deps,
      );
  const outcome = await converge(
    plans.map((plan) => ({ ...plan, targets })),
    { dryRun },
    deps,
  );
  const handedOver = await handOver(outcome.tables, new Set(jobClaims.keys()), deps);
  return {
    jobs: jobs.map((job) => outcomes.find((o) => o.job === job)!),
    ...combined({ ...NO_CHANGES, failures: [...invalid.values()] }, outcome, handedOver, {
      ...NO_CHANGES,
      tables: skipped,
    }),
  };
}

/**
 * Whether the worker's routes live in the table: every pod table of its VPC, since pods in any subnet
 * may reach it. A vanished instance's: the tables whose routes point at it.
 */
function belongsTo(worker: Worker, table: ObservedTable): boolean {
  if (worker.vpcId === undefined) return table.routes.some((route) => pointsAt(route, worker));
  return table.vpcId === worker.vpcId;
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

/**
 * EC2 has no conditional delete: between reading a route and deleting it, a replacement worker's
 * event may have pointed it at the replacement, and the delete then takes the replacement's route.
 * So after deleting a named instance's route, the CIDR goes to the live worker tagged with it, if there
 * is one: the window in which it is unrouted is the few milliseconds between the two calls.
 */
async function handOver(
  reports: readonly TableReport[],
  removed: ReadonlySet<string>,
  deps: Dependencies,
): Promise<Changes> {
  const deleted = reports.flatMap((report) =>
    report.decisions
      .filter((d) => d.action === "delete" && d.applied && d.cidr !== undefined && removed.has(d.instanceId ?? ""))
      .map((d) => ({ routeTableId: d.routeTableId, cidr: d.cidr!, instanceId: d.instanceId! })),
  );
  const { config, ec2 } = deps;
  const outcomes: Changes[] = [];
  for (const { routeTableId, cidr, instanceId } of deleted) {
    const instances = await ec2.describeInstances({
      tag: { key: config.podCidrTag, value: cidr },
      ...(config.clusterTag ? { clusterTag: config.clusterTag } : {}),
      states: ["pending", "running"],
    });
    const heirs = workersOf(instances, config).filter((heir) => heir.instanceId !== instanceId);
    if (heirs.length === 0) continue;
    const [table] = await ec2.describeRouteTables({ routeTableIds: [routeTableId] });
    if (!table) continue;
    const claims = heirs.flatMap((heir) => {
      const claim = claimFor(
        heir,
        "ensure",
        `${heir.instanceId} is ${heir.state} and tagged ${cidr}, whose route was just removed`,
        config,
      );
      return "invalid" in claim ? [] : [claim];
    });
    outcomes.push(
      await converge(
        [
          {
            table,
            clusterCidr: config.clusterCidr,
            claims,
            scope: "claims",
            held: new Set(),
            targets: new Map(),
            onStop: config.onStop,
          },
        ],
        // Only applied deletes are handed over: never in a dry run.
        { dryRun: false },
        deps,
      ),
    );
  }
  return combined(...outcomes);
}

type Found =
  | {
      readonly worker: Worker;
      readonly needsAllocation?: boolean;
      /** Set when the instance is not a worker and its cluster routes are to go: why it is not. */
      readonly notWorker?: string;
    }
  | { readonly ignored: string };

/** Our worker, a launching worker still to be given a pod CIDR, or a reason to leave the instance alone. */
function recognise(instance: InstanceView, job: InstanceJob, config: Config): Found {
  if (job.group !== undefined) {
    // Only Auto Scaling writes aws: tags: this one says which group really launched the instance.
    const group = instance.Tags?.find((tag) => tag.Key === AUTO_SCALING_GROUP_TAG)?.Value;
    if (group !== job.group)
      throw new UntrustedEventError(
        `${job.instanceId} is ${group === undefined ? "in no Auto Scaling group" : `in group ${quote(group)}`}, ` +
          `not ${quote(job.group)} as its lifecycle action says: nothing allocated, routed or completed`,
      );
  }
  if (job.intent === "launch" && job.actionMayBeOver && lifecycleOf(instance.State?.Name) === "gone") {
    return { ignored: `${job.instanceId} is ${instance.State?.Name}; its launch action is no longer active` };
  }
  const classified = classifyInstance(instance, config);
  if ("worker" in classified) return classified;
  if (job.intent === "launch" && config.allocatePodCidr) {
    // Classify as if tagged: the cluster tag must still match before a block is given away.
    const provisional = classifyInstance(withoutPodCidr(instance, config.podCidrTag), config);
    if ("worker" in provisional) return { worker: provisional.worker, needsAllocation: true };
  }
  if (job.intent === "add" || job.intent === "launch") {
    const allocationHint = job.intent === "launch" ? " or set ALLOCATE_POD_CIDR=true" : "";
    throw new NotAWorkerError(
      `${classified.notWorker}: ${job.intent} needs a worker tagged ${config.podCidrTag}=<pod CIDR>${allocationHint}`,
    );
  }
  if (job.removesRoutesOfNonWorker || (job.untagged && halfTagged(instance, config))) {
    // Read it as a worker with no pod CIDR, so exactly the cluster routes pointing at it go.
    const named = classifyInstance(withoutPodCidr(instance, config.podCidrTag), { podCidrTag: config.podCidrTag });
    if ("worker" in named) return { worker: named.worker, notWorker: classified.notWorker };
  }
  return { ignored: classified.notWorker };
}

/**
 * True when EC2 shows the instance carrying exactly one of the two tags that make a worker: it was one of
 * this cluster's workers until the other was removed. An instance carrying neither (a VPN box) never
 * was, whatever an event's body says; without CLUSTER_TAG, nothing can show it.
 */
function halfTagged(instance: InstanceView, config: Config): boolean {
  if (!config.clusterTag) return false;
  const tags = new Map((instance.Tags ?? []).map((tag) => [tag.Key ?? "", tag.Value ?? ""]));
  const { key, value } = config.clusterTag;
  const member = tags.has(key) && (value === undefined || tags.get(key) === value);
  return member !== tags.has(config.podCidrTag);
}

/** The instance as if tagged with an empty pod CIDR: to be read as a worker that has no block yet. */
function withoutPodCidr(instance: InstanceView, podCidrTag: string): InstanceView {
  return { ...instance, Tags: [...(instance.Tags ?? []), { Key: podCidrTag, Value: "" }] };
}

/** An instance EC2 does not show: too new to see yet (retry), or gone long enough to be forgotten. */
function unseen(job: InstanceJob, now: number): Found {
  if (job.intent === "add")
    throw new NotAWorkerError(`instance ${job.instanceId} not found: add needs a running worker`);
  if (job.intent === "launch" && job.actionMayBeOver) {
    return { ignored: `instance ${job.instanceId} is not found; its launch action is no longer active` };
  }
  if (job.intent === "launch" || mayStillBeLaunching(job, now)) {
    throw new InstanceNotVisibleError(
      `instance ${job.instanceId} is launching but EC2 does not show it yet; the retry will find it`,
    );
  }
  // Only routes pointing at this very instance id can be ours to remove.
  return {
    worker: {
      instanceId: job.instanceId,
      state: "not-found",
      lifecycle: "unknown",
      podCidrTag: "",
      routeTarget: { kind: "instance", id: job.instanceId },
      interfaceIds: [],
    },
  };
}

function desireOf(job: InstanceJob, worker: Worker, config: Config): { desire: Desire; because: string } {
  switch (job.intent) {
    case "add":
    case "launch":
      if (worker.lifecycle === "stopped" && job.fromWarmPool) {
        throw new InstanceNotReadyError(
          `${worker.instanceId} is ${worker.state}: it is still coming out of the warm pool; the retry will find it running`,
        );
      }
      if (worker.lifecycle !== "live")
        throw new NotAWorkerError(
          `${worker.instanceId} is ${worker.state}: ${job.intent} needs a pending or running worker`,
        );
      return { desire: "ensure", because: `${worker.instanceId} is ${worker.state} (${job.source})` };
    case "remove":
      return { desire: "remove", because: `${worker.instanceId} is ${worker.state}; ${job.source}` };
    case "reconcile":
      return desireFor(worker, config.onStop);
  }
}

function claimFor(
  worker: Worker,
  desire: Desire,
  because: string,
  config: Config,
): Claim | { invalid: InvalidPodCidrError } {
  const check = checkPodCidr(worker.podCidrTag, config.clusterCidr, config.podCidrPrefixLength);
  if ("block" in check) return { worker, desire, because, podCidr: check.block };
  if (desire === "remove") return { worker, desire, because };
  return { invalid: new InvalidPodCidrError(worker.instanceId, config.podCidrTag, worker.podCidrTag, check.invalid) };
}

/**
 * The tables pods need routes in: the configured ones; else every table carrying ROUTE_TABLE_TAG; else
 * those of the workers' VPCs that serve a subnet holding one of the workers (its own table, else the
 * VPC's main table) or already hold pod routes. One DescribeRouteTables, and one more for the tables of
 * named instances EC2 no longer shows (they have no VPC): found by the routes pointing at them.
 */
async function tablesOf(workers: readonly Worker[], deps: Dependencies): Promise<ObservedTable[]> {
  const { config, ec2 } = deps;
  if (config.routeTableIds.length > 0) return ec2.describeRouteTables({ routeTableIds: config.routeTableIds });
  const vpcIds = [...new Set(workers.flatMap((worker) => (worker.vpcId ? [worker.vpcId] : [])))];
  const vanished = workers.filter((worker) => worker.vpcId === undefined).map((worker) => worker.instanceId);
  let tables: ObservedTable[] = [];
  if (config.routeTableTag) tables = await ec2.describeRouteTables({ tag: config.routeTableTag });
  else if (vpcIds.length > 0) {
    const inVpcs = await ec2.describeRouteTables({ vpcIds });
    const serving = new Set(workers.map((worker) => tableForSubnet(inVpcs, worker.vpcId, worker.subnetId)));
    tables = inVpcs.filter((table) => serving.has(table) || holdsPodRoutes(table, config.clusterCidr));
  }
  const routing =
    vanished.length > 0
      ? (await ec2.describeRouteTables({ routeToInstanceIds: vanished })).filter(
          (table) => !tables.some((t) => t.routeTableId === table.routeTableId),
        )
      : [];
  return [...tables, ...routing];
}

/** A table that already routes part of the cluster CIDR to an instance or interface. */
function holdsPodRoutes(table: ObservedTable, clusterCidr: Ipv4Block): boolean {
  return clusterTargets(table, clusterCidr).length > 0;
}

function mayStillBeLaunching(job: InstanceJob, now: number): boolean {
  if (job.reportedState !== "pending" && job.reportedState !== "running") return false;
  const eventTime = job.eventTime === undefined ? Number.NaN : Date.parse(job.eventTime);
  return Number.isFinite(eventTime) && now - eventTime < LAUNCH_VISIBILITY_GRACE_MS;
}
