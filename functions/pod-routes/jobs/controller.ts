import { allocatePodCidr } from "./allocation.js";
import { assertClusterCidrOutside, type Config } from "../core/config.js";
import { converge, resolveTargets, type Converged } from "./converge.js";
import {
  InstanceNotReadyError,
  InstanceNotVisibleError,
  InvalidPodCidrError,
  NotAWorkerError,
} from "../core/errors.js";
import type { Request, SyncRequest } from "../core/request.js";
import type { InstanceView } from "../adapters/instance-fields.js";
import type { ObservedTable, TargetFacts, Worker } from "../core/model.js";
import { checkPodCidr } from "../core/pod-cidr.js";
import {
  clusterTargets,
  contestedTargets,
  desireFor,
  type Claim,
  type Desire,
  type TablePlanInput,
} from "../core/planner.js";
import type { Dependencies } from "./dependencies.js";
import { emptySummary, type Allocation, type Failure, type Summary, type TableReport } from "./summary.js";
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
  /** When the instance is not a worker, remove its cluster routes rather than ignore it (see run.ts). */
  readonly removesRoutesOfNonWorker?: boolean;
}

/** How long after a launch event EC2 may still not show the instance (eventual consistency). */
const LAUNCH_VISIBILITY_GRACE_MS = 5 * 60_000;

export async function reconcileInstance(request: Request, job: InstanceJob, deps: Dependencies): Promise<Summary> {
  const { config, ec2 } = deps;
  const { dryRun } = job;
  const [instance] = await ec2.describeInstances({ instanceIds: [job.instanceId] });
  const found = instance ? recognise(instance, job, config) : unseen(job, deps.now());
  if ("ignored" in found) return emptySummary(request, dryRun, { ignored: found.ignored });
  let worker = found.worker;
  const { desire, because } =
    found.notWorker === undefined
      ? desireOf(job, worker, config)
      : { desire: "remove" as const, because: `${found.notWorker}; ${job.source}` };
  let tables: readonly ObservedTable[] = await tablesFor(worker, deps);
  assertClusterCidrOutside(config.clusterCidr, tables);
  let allocation: Allocation | undefined;
  if (found.needsAllocation) {
    ({ worker, tables, allocation } = await allocatePodCidr(worker, tables, dryRun, deps));
  }

  const plans: TablePlanInput[] = [];
  const skipped: TableReport[] = [];
  for (const table of tables) {
    if (worker.vpcId !== undefined && table.vpcId !== worker.vpcId) {
      const reason = `${worker.instanceId} is in ${worker.vpcId}, the table in ${table.vpcId}`;
      skipped.push({
        routeTableId: table.routeTableId,
        decisions: [
          { action: "skip", routeTableId: table.routeTableId, instanceId: worker.instanceId, reason, applied: false },
        ],
      });
      continue;
    }
    const claim = claimFor(worker, desire, because, config);
    if ("invalid" in claim) throw claim.invalid;
    plans.push({
      table,
      clusterCidr: config.clusterCidr,
      claims: [claim],
      scope: "claims",
      held: new Set(),
      targets: new Map(),
    });
  }
  const targets = await resolveTargets(
    plans.flatMap((plan) => contestedTargets(plan.table, plan.claims)),
    new Map(),
    deps,
  );
  const outcome = await converge(
    plans.map((plan) => ({ ...plan, targets })),
    dryRun,
    deps,
  );
  const handedOver = await handOver(outcome.tables, worker, deps);
  return {
    request,
    dryRun,
    ...(allocation ? { allocation } : {}),
    tables: [...outcome.tables, ...handedOver.tables, ...skipped],
    instanceChanges: [...outcome.instanceChanges, ...handedOver.instanceChanges],
    failures: [...outcome.failures, ...handedOver.failures],
  };
}

/**
 * EC2 has no conditional delete: between reading a route and deleting it, a replacement worker's
 * event may have pointed it at the replacement, and the delete then takes the replacement's route.
 * So after deleting a route, the CIDR goes to the live worker tagged with it, if there is one: the
 * window in which it is unrouted is the few milliseconds between the two calls.
 */
async function handOver(reports: readonly TableReport[], removed: Worker, deps: Dependencies): Promise<Converged> {
  const deleted = reports.flatMap((report) =>
    report.decisions
      .filter((d) => d.action === "delete" && d.applied && d.cidr !== undefined)
      .map((d) => ({ routeTableId: d.routeTableId, cidr: d.cidr! })),
  );
  const { config, ec2 } = deps;
  const outcomes: Converged[] = [];
  for (const { routeTableId, cidr } of deleted) {
    const instances = await ec2.describeInstances({
      tag: { key: config.podCidrTag, value: cidr },
      ...(config.clusterTag ? { clusterTag: config.clusterTag } : {}),
      states: ["pending", "running"],
    });
    const heirs = workersOf(instances, config).filter((heir) => heir.instanceId !== removed.instanceId);
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
        [{ table, clusterCidr: config.clusterCidr, claims, scope: "claims", held: new Set(), targets: new Map() }],
        false,
        deps,
      ),
    );
  }
  return {
    tables: outcomes.flatMap((o) => o.tables),
    instanceChanges: outcomes.flatMap((o) => o.instanceChanges),
    failures: outcomes.flatMap((o) => o.failures),
  };
}

export async function syncAll(request: SyncRequest, deps: Dependencies): Promise<Summary> {
  const { config, ec2 } = deps;
  const dryRun = config.dryRun || request.dryRun;
  const instances = await ec2.describeInstances({
    tagKey: config.podCidrTag,
    ...(config.clusterTag ? { clusterTag: config.clusterTag } : {}),
    states: WORKER_STATES,
  });
  const workers = workersOf(instances, config);
  const known = new Map<string, TargetFacts>(instances.flatMap((instance) => targetFactsOf(instance, config)));
  const tables = await tablesForSync(workers, deps);
  assertClusterCidrOutside(config.clusterCidr, tables);
  const invalid = new Map<string, Failure>();
  const plans: TablePlanInput[] = tables.map((table) => {
    const members =
      config.routeTableIds.length > 0
        ? workers.filter((worker) => worker.vpcId === table.vpcId)
        : workers.filter((worker) => tableForSubnet(tables, worker.vpcId, worker.subnetId) === table);
    const claims: Claim[] = [];
    const held = new Set<string>();
    for (const worker of members) {
      const { desire, because } = desireFor(worker, config.onStop);
      const claim = claimFor(worker, desire, because, config);
      if ("invalid" in claim) {
        invalid.set(claim.invalid.message, {
          kind: "invalid-pod-cidr",
          message: `${claim.invalid.name}: ${claim.invalid.message}`,
        });
        for (const id of [worker.instanceId, ...worker.interfaceIds]) held.add(id);
      } else {
        claims.push(claim);
      }
    }
    return { table, clusterCidr: config.clusterCidr, claims, scope: "table", held, targets: known };
  });
  // Every target in the cluster CIDR: whether a route is ours to change depends on who it points at.
  const targets = await resolveTargets(
    plans.flatMap((plan) => clusterTargets(plan.table, config.clusterCidr)),
    known,
    deps,
  );
  const outcome = await converge(
    plans.map((plan) => ({ ...plan, targets })),
    dryRun,
    deps,
  );
  return { request, dryRun, ...outcome, failures: [...invalid.values(), ...outcome.failures] };
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
  if (job.removesRoutesOfNonWorker) {
    // Read it as a worker with no pod CIDR, so exactly the cluster routes pointing at it go.
    const named = classifyInstance(withoutPodCidr(instance, config.podCidrTag), { podCidrTag: config.podCidrTag });
    if ("worker" in named) return { worker: named.worker, notWorker: classified.notWorker };
  }
  return { ignored: classified.notWorker };
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
      lifecycle: "gone",
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

async function tablesFor(worker: Worker, deps: Dependencies): Promise<ObservedTable[]> {
  const { config, ec2 } = deps;
  if (config.routeTableIds.length > 0) return ec2.describeRouteTables({ routeTableIds: config.routeTableIds });
  if (worker.vpcId === undefined) return ec2.describeRouteTables({ routeToInstanceId: worker.instanceId });
  const table = tableForSubnet(
    await ec2.describeRouteTables({ vpcIds: [worker.vpcId] }),
    worker.vpcId,
    worker.subnetId,
  );
  return table ? [table] : [];
}

async function tablesForSync(workers: readonly Worker[], deps: Dependencies): Promise<ObservedTable[]> {
  const { config, ec2 } = deps;
  if (config.routeTableIds.length > 0) return ec2.describeRouteTables({ routeTableIds: config.routeTableIds });
  const vpcIds = [...new Set(workers.flatMap((worker) => (worker.vpcId ? [worker.vpcId] : [])))];
  if (vpcIds.length === 0) return [];
  const tables = await ec2.describeRouteTables({ vpcIds });
  const used = new Set(workers.map((worker) => tableForSubnet(tables, worker.vpcId, worker.subnetId)));
  return tables.filter((table) => used.has(table));
}

function mayStillBeLaunching(job: InstanceJob, now: number): boolean {
  if (job.reportedState !== "pending" && job.reportedState !== "running") return false;
  const eventTime = job.eventTime === undefined ? Number.NaN : Date.parse(job.eventTime);
  return Number.isFinite(eventTime) && now - eventTime < LAUNCH_VISIBILITY_GRACE_MS;
}
