import type { Logger } from "@aws-lambda-powertools/logger";
import pLimit from "p-limit";
import type { Config } from "./config.js";
import type { Ec2Port } from "./ec2.js";
import { awsErrorCode, InstanceNotVisibleError, InvalidPodCidrError, NotAWorkerError, RouteLimitError } from "./errors.js";
import type { InstanceRequest, Request, SyncRequest } from "./event.js";
import type { ObservedTable, TargetFacts, Worker } from "./model.js";
import { checkPodCidr } from "./pod-cidr.js";
import { contestedTargets, desireFor, planTable, type Action, type Claim, type Decision, type Desire, type TablePlanInput } from "./planner.js";
import { tableForSubnet } from "./tables.js";
import { classifyInstance, targetFactsOf } from "./worker.js";

export interface Dependencies {
  readonly config: Config;
  readonly ec2: Ec2Port;
  readonly log: Pick<Logger, "info" | "warn">;
  readonly now: () => number;
}

export interface ReportedDecision extends Decision {
  readonly applied: boolean;
  readonly error?: string;
}

export interface InstanceChange {
  readonly instanceId: string;
  readonly change: "disable-source-dest-check";
  readonly target: string;
  readonly applied: boolean;
  readonly error?: string;
}

export interface Summary {
  readonly request: Request;
  readonly dryRun: boolean;
  /** Why the instance was left alone when it is not one of our workers. */
  readonly ignored?: string;
  readonly tables: ReadonlyArray<{ readonly routeTableId: string; readonly decisions: readonly ReportedDecision[] }>;
  readonly instanceChanges: readonly InstanceChange[];
  readonly failures: readonly string[];
}

/** Route mutations in flight at once: the EC2 mutating bucket refills at 5 per second. */
const MUTATION_CONCURRENCY = 4;
/** How long after a launch event EC2 may still not show the instance (eventual consistency). */
const LAUNCH_VISIBILITY_GRACE_MS = 5 * 60_000;
const WORKER_STATES = ["pending", "running", "stopping", "stopped"];
/** Errors that mean the table changed under us: re-read and decide again rather than assume. */
const RACE_CODES: Partial<Record<Action, readonly string[]>> = {
  create: ["RouteAlreadyExists"],
  replace: ["InvalidRoute.NotFound", "InvalidParameterValue"],
  delete: ["InvalidRoute.NotFound"],
};

export function run(request: Request, deps: Dependencies): Promise<Summary> {
  return request.kind === "sync" ? syncAll(request, deps) : reconcileInstance(request, deps);
}

async function reconcileInstance(request: InstanceRequest, deps: Dependencies): Promise<Summary> {
  const { config, ec2 } = deps;
  const dryRun = config.dryRun || request.dryRun;
  const [instance] = await ec2.describeInstances({ instanceIds: [request.instanceId] });
  let worker: Worker;
  if (instance) {
    const classified = classifyInstance(instance, config);
    if ("notWorker" in classified) {
      if (request.intent === "add") throw new NotAWorkerError(`${classified.notWorker}: add needs a worker tagged ${config.podCidrTag}=<pod CIDR>`);
      return { request, dryRun, ignored: classified.notWorker, tables: [], instanceChanges: [], failures: [] };
    }
    worker = classified.worker;
  } else {
    if (request.intent === "add") throw new NotAWorkerError(`instance ${request.instanceId} not found: add needs a running worker`);
    if (mayStillBeLaunching(request, deps.now())) {
      throw new InstanceNotVisibleError(
        `instance ${request.instanceId} was reported ${request.reportedState} at ${request.eventTime} but EC2 does not show it yet; the retry will find it`,
      );
    }
    worker = vanished(request.instanceId);
  }
  const { desire, because } = intendedDesire(request, worker, config);
  const tables = await tablesFor(worker, deps);
  const plans: TablePlanInput[] = [];
  const skipped: Array<{ routeTableId: string; decisions: ReportedDecision[] }> = [];
  for (const table of tables) {
    if (worker.vpcId !== undefined && table.vpcId !== worker.vpcId) {
      const reason = `${worker.instanceId} is in ${worker.vpcId}, the table in ${table.vpcId}`;
      skipped.push({ routeTableId: table.routeTableId, decisions: [{ action: "skip", routeTableId: table.routeTableId, instanceId: worker.instanceId, reason, applied: false }] });
      continue;
    }
    const claim = claimFor(worker, desire, because, table, config);
    if ("invalid" in claim) throw claim.invalid;
    plans.push({ table, clusterCidr: config.clusterCidr, claims: [claim], scope: "claims", held: new Set(), targets: new Map() });
  }
  const targets = await resolveTargets(plans.flatMap((plan) => contestedTargets(plan.table, plan.claims)), new Map(), deps);
  const outcome = await converge(plans.map((plan) => ({ ...plan, targets })), dryRun, deps);
  return { request, dryRun, ...outcome, tables: [...outcome.tables, ...skipped] };
}

async function syncAll(request: SyncRequest, deps: Dependencies): Promise<Summary> {
  const { config, ec2 } = deps;
  const dryRun = config.dryRun || request.dryRun;
  const instances = await ec2.describeInstances({ tagKey: config.podCidrTag, ...(config.clusterTag ? { clusterTag: config.clusterTag } : {}), states: WORKER_STATES });
  const workers = instances.flatMap((instance) => {
    const classified = classifyInstance(instance, config);
    return "worker" in classified ? [classified.worker] : [];
  });
  const known = new Map<string, TargetFacts>(instances.flatMap((instance) => targetFactsOf(instance, config.podCidrTag)));
  const tables = await tablesForSync(workers, deps);
  const failures = new Set<string>();
  const plans: TablePlanInput[] = tables.map((table) => {
    const members = config.routeTableIds.length > 0
      ? workers.filter((worker) => worker.vpcId === table.vpcId)
      : workers.filter((worker) => tableForSubnet(tables, worker.vpcId, worker.subnetId) === table);
    const claims: Claim[] = [];
    const held = new Set<string>();
    for (const worker of members) {
      const { desire, because } = desireFor(worker, config.onStop);
      const claim = claimFor(worker, desire, because, table, config);
      if ("invalid" in claim) {
        failures.add(`${claim.invalid.name}: ${claim.invalid.message}`);
        for (const id of [worker.instanceId, ...worker.interfaceIds]) held.add(id);
      } else {
        claims.push(claim);
      }
    }
    return { table, clusterCidr: config.clusterCidr, claims, scope: "table", held, targets: known };
  });
  const targets = await resolveTargets(plans.flatMap((plan) => contestedTargets(plan.table, plan.claims)), known, deps);
  const outcome = await converge(plans.map((plan) => ({ ...plan, targets })), dryRun, deps);
  return { request, dryRun, ...outcome, failures: [...failures, ...outcome.failures] };
}

/** Plans every table, applies the mutations with bounded concurrency, then the source/dest checks. */
async function converge(plans: readonly TablePlanInput[], dryRun: boolean, deps: Dependencies) {
  const limit = pLimit(MUTATION_CONCURRENCY);
  const failures: string[] = [];
  const tables = await Promise.all(
    plans.map(async (plan) => {
      const decisions = await Promise.all(
        planTable(plan).map(
          (decision): ReportedDecision | Promise<ReportedDecision> =>
            isMutation(decision.action) && !dryRun ? limit(() => applyDecision(plan, decision, deps)) : { ...decision, applied: false },
        ),
      );
      for (const decision of decisions) {
        deps.log.info("route decision", { ...decision, dryRun });
        if (decision.action === "conflict") failures.push(`conflict in ${decision.routeTableId}: ${decision.reason}`);
        if (decision.error) failures.push(`${decision.action} ${decision.cidr} in ${decision.routeTableId}: ${decision.error}`);
      }
      return { routeTableId: plan.table.routeTableId, decisions };
    }),
  );
  const instanceChanges = await disableSourceDestChecks(plans, tables.flatMap((table) => table.decisions), dryRun, deps);
  for (const change of instanceChanges) if (change.error) failures.push(`source/dest check of ${change.instanceId}: ${change.error}`);
  return { tables, instanceChanges, failures };
}

/**
 * Applies one decision. When EC2 says the table changed under us, the table is read again and the
 * same planner decides once more for that CIDR; that second decision is applied as it stands.
 */
async function applyDecision(plan: TablePlanInput, decision: Decision, deps: Dependencies): Promise<ReportedDecision> {
  try {
    await mutate(decision, plan, deps);
    return { ...decision, applied: true };
  } catch (error) {
    if (!RACE_CODES[decision.action]?.includes(awsErrorCode(error) ?? "")) return failed(decision, error);
    try {
      const [fresh] = await deps.ec2.describeRouteTables({ routeTableIds: [plan.table.routeTableId] });
      const again = fresh && planTable({ ...plan, table: fresh }).find((d) => d.cidr === decision.cidr);
      if (!again || !isMutation(again.action)) {
        const settled = again ?? { ...decision, action: "skip" as const };
        return { ...settled, reason: `${settled.reason} (table changed concurrently: ${awsErrorCode(error)})`, applied: false };
      }
      if (again.action === decision.action && again.target === decision.target) return failed(decision, error);
      await mutate(again, plan, deps);
      return { ...again, reason: `${again.reason} (after ${awsErrorCode(error)})`, applied: true };
    } catch (retryError) {
      return failed(decision, retryError);
    }
  }
}

async function mutate(decision: Decision, plan: TablePlanInput, deps: Dependencies): Promise<void> {
  const { routeTableId, cidr } = decision;
  const target = plan.claims.find((claim) => claim.worker.instanceId === decision.instanceId)?.worker.routeTarget;
  if (decision.action === "delete") return deps.ec2.deleteRoute(routeTableId, cidr!);
  if (!target) throw new Error(`no route target for ${decision.instanceId}`);
  return decision.action === "create" ? deps.ec2.createRoute(routeTableId, cidr!, target) : deps.ec2.replaceRoute(routeTableId, cidr!, target);
}

function failed(decision: Decision, error: unknown): ReportedDecision {
  const code = awsErrorCode(error);
  const described =
    code === "RouteLimitExceeded"
      ? new RouteLimitError(
          `${decision.routeTableId} is full: the "Routes per route table" quota (Amazon VPC, L-93826ACB) is reached; ` +
            `request an increase in Service Quotas or free routes`,
          { cause: error },
        )
      : error;
  const message = described instanceof Error ? `${code ?? described.name}: ${described.message}` : String(described);
  return { ...decision, applied: false, error: message };
}

/** Turns off source/dest check on each worker whose route is now in place and still checks it. */
async function disableSourceDestChecks(plans: readonly TablePlanInput[], decisions: readonly ReportedDecision[], dryRun: boolean, deps: Dependencies): Promise<InstanceChange[]> {
  if (deps.config.sourceDestCheck === "leave") return [];
  const routed = new Set(
    decisions.filter((d) => (d.action === "create" || d.action === "replace" || d.action === "keep") && !d.error).map((d) => d.instanceId),
  );
  const workers = new Map<string, Worker>();
  for (const claim of plans.flatMap((plan) => plan.claims)) {
    const worker = claim.worker;
    if (claim.desire === "ensure" && routed.has(worker.instanceId) && worker.sourceDestCheck !== false) workers.set(worker.instanceId, worker);
  }
  const limit = pLimit(MUTATION_CONCURRENCY);
  return Promise.all(
    [...workers.values()].map((worker) =>
      limit(async (): Promise<InstanceChange> => {
        const change = { instanceId: worker.instanceId, change: "disable-source-dest-check" as const, target: worker.routeTarget.id };
        if (dryRun) return { ...change, applied: false };
        try {
          await deps.ec2.disableSourceDestCheck(worker.routeTarget);
          deps.log.info("source/dest check disabled", change);
          return { ...change, applied: true };
        } catch (error) {
          return { ...change, applied: false, error: `${awsErrorCode(error) ?? "Error"}: ${(error as Error).message}` };
        }
      }),
    ),
  );
}

function claimFor(worker: Worker, desire: Desire, because: string, table: ObservedTable, config: Config): Claim | { invalid: InvalidPodCidrError } {
  const check = checkPodCidr(worker.podCidrTag, config.clusterCidr, table.vpcCidrs);
  if ("block" in check) return { worker, desire, because, podCidr: check.block };
  if (desire === "remove") return { worker, desire, because };
  return { invalid: new InvalidPodCidrError(worker.instanceId, config.podCidrTag, worker.podCidrTag, check.invalid) };
}

function intendedDesire(request: InstanceRequest, worker: Worker, config: Config): { desire: Desire; because: string } {
  switch (request.intent) {
    case "add":
      if (worker.lifecycle !== "live") throw new NotAWorkerError(`${worker.instanceId} is ${worker.state}: add needs a pending or running worker`);
      return { desire: "ensure", because: `${worker.instanceId} is ${worker.state} (manual add)` };
    case "remove":
      return { desire: "remove", because: `manual remove of ${worker.instanceId}` };
    case "reconcile":
      return desireFor(worker, config.onStop);
  }
}

async function tablesFor(worker: Worker, deps: Dependencies): Promise<ObservedTable[]> {
  const { config, ec2 } = deps;
  if (config.routeTableIds.length > 0) return ec2.describeRouteTables({ routeTableIds: config.routeTableIds });
  if (worker.vpcId === undefined) return ec2.describeRouteTables({ routeToInstanceId: worker.instanceId });
  const table = tableForSubnet(await ec2.describeRouteTables({ vpcIds: [worker.vpcId] }), worker.vpcId, worker.subnetId);
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

/** Facts about the instances behind contested routes; what EC2 no longer shows counts as gone. */
async function resolveTargets(ids: readonly string[], known: ReadonlyMap<string, TargetFacts>, deps: Dependencies): Promise<ReadonlyMap<string, TargetFacts>> {
  const unknown = [...new Set(ids)].filter((id) => !known.has(id));
  if (unknown.length === 0) return known;
  const interfaceIds = unknown.filter((id) => id.startsWith("eni-"));
  const owners = await deps.ec2.describeInterfaceOwners(interfaceIds);
  const instanceIds = [...new Set([...unknown.filter((id) => !id.startsWith("eni-")), ...owners.values()])];
  const instances = instanceIds.length > 0 ? await deps.ec2.describeInstances({ instanceIds }) : [];
  const facts = new Map(known);
  for (const instance of instances) for (const [id, fact] of targetFactsOf(instance, deps.config.podCidrTag)) facts.set(id, fact);
  for (const [interfaceId, owner] of owners) {
    const ownerFacts = facts.get(owner);
    if (ownerFacts) facts.set(interfaceId, ownerFacts);
  }
  for (const id of unknown) if (!facts.has(id)) facts.set(id, { lifecycle: "gone" });
  return facts;
}

function mayStillBeLaunching(request: InstanceRequest, now: number): boolean {
  if (request.reportedState !== "pending" && request.reportedState !== "running") return false;
  const eventTime = request.eventTime === undefined ? Number.NaN : Date.parse(request.eventTime);
  return Number.isFinite(eventTime) && now - eventTime < LAUNCH_VISIBILITY_GRACE_MS;
}

/** An instance EC2 no longer shows: only routes pointing at its id can be ours to remove. */
function vanished(instanceId: string): Worker {
  return { instanceId, state: "not-found", lifecycle: "gone", podCidrTag: "", routeTarget: { kind: "instance", id: instanceId }, interfaceIds: [] };
}

function isMutation(action: Action): boolean {
  return action === "create" || action === "replace" || action === "delete";
}
