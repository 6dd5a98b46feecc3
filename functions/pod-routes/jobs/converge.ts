import pLimit from "p-limit";
import { awsErrorCode, RouteLimitError } from "../core/errors.js";
import type { TargetFacts, Worker } from "../core/model.js";
import { planTable, type Action, type Decision, type TablePlanInput } from "../core/planner.js";
import type { Dependencies } from "./dependencies.js";
import type { Failure, InstanceChange, ReportedDecision, TableReport } from "./summary.js";
import { targetFactsOf } from "../adapters/worker.js";

/** Route mutations in flight at once: the EC2 mutating bucket refills at 5 per second. */
const MUTATION_CONCURRENCY = 4;
/** Errors that mean the table changed under us: re-read and decide again rather than assume. */
const RACE_CODES: Partial<Record<Action, readonly string[]>> = {
  create: ["RouteAlreadyExists"],
  replace: ["InvalidRoute.NotFound", "InvalidParameterValue"],
  delete: ["InvalidRoute.NotFound"],
};
/** How many times one decision is re-planned after such an error before it is reported as failed. */
const RACE_ROUNDS = 3;

export interface Converged {
  readonly tables: TableReport[];
  readonly instanceChanges: InstanceChange[];
  readonly failures: Failure[];
}

/** Plans every table, applies the mutations with bounded concurrency, then the source/dest checks. */
export async function converge(
  plans: readonly TablePlanInput[],
  dryRun: boolean,
  deps: Dependencies,
): Promise<Converged> {
  const limit = pLimit(MUTATION_CONCURRENCY);
  const failures: Failure[] = [];
  const tables = await Promise.all(
    plans.map(async (plan) => {
      const decisions = await Promise.all(
        planTable(plan).map((decision) =>
          isMutation(decision.action) && !dryRun
            ? limit(() => applyDecision(plan, decision, deps))
            : Promise.resolve<ReportedDecision>({ ...decision, applied: false }),
        ),
      );
      for (const decision of decisions) {
        deps.log.info("route decision", { ...decision, dryRun });
        if (decision.action === "conflict" || decision.action === "overlap") {
          failures.push({
            kind: "conflict",
            ...aboutWorkers(decision),
            message: `${decision.action} in ${decision.routeTableId}: ${decision.reason}`,
          });
        }
        if (decision.error) {
          failures.push({
            kind: decision.errorCode === "RouteLimitExceeded" ? "route-limit" : "aws-error",
            ...aboutWorkers(decision),
            message: `${decision.action} ${decision.cidr} in ${decision.routeTableId}: ${decision.error}`,
          });
        }
      }
      return { routeTableId: plan.table.routeTableId, decisions };
    }),
  );
  const instanceChanges = await disableSourceDestChecks(
    plans,
    tables.flatMap((table) => table.decisions),
    dryRun,
    deps,
  );
  for (const change of instanceChanges) {
    if (change.error)
      failures.push({
        kind: "aws-error",
        instanceIds: [change.instanceId],
        message: `source/dest check of ${change.instanceId}: ${change.error}`,
      });
  }
  return { tables, instanceChanges, failures };
}

/**
 * Facts about the instances behind the given routes' targets; what EC2 no longer shows counts as gone. A route
 * through an ENI names its instance too while the ENI is attached, and turns blackhole once it is not,
 * so a bare ENI id here belongs to something other than an instance: no facts, and the planner leaves
 * the route alone.
 */
export async function resolveTargets(
  ids: readonly string[],
  known: ReadonlyMap<string, TargetFacts>,
  deps: Dependencies,
): Promise<ReadonlyMap<string, TargetFacts>> {
  const instanceIds = [...new Set(ids)].filter((id) => !known.has(id) && id.startsWith("i-"));
  if (instanceIds.length === 0) return known;
  const facts = new Map(known);
  for (const instance of await deps.ec2.describeInstances({ instanceIds })) {
    for (const [id, fact] of targetFactsOf(instance, deps.config)) facts.set(id, fact);
  }
  for (const id of instanceIds) if (!facts.has(id)) facts.set(id, { lifecycle: "gone", worker: false });
  return facts;
}

/**
 * Applies one decision. When EC2 says the table changed under us, the table is read again and the
 * same planner decides once more for that CIDR, a few rounds at most: concurrent invocations for the
 * same CIDR settle on what the current state calls for.
 */
async function applyDecision(plan: TablePlanInput, decision: Decision, deps: Dependencies): Promise<ReportedDecision> {
  let current = decision;
  let note = "";
  for (let round = 0; ; round++) {
    try {
      await mutate(current, plan, deps);
      return { ...current, reason: current.reason + note, applied: true };
    } catch (error) {
      const code = awsErrorCode(error);
      if (!RACE_CODES[current.action]?.includes(code ?? "") || round === RACE_ROUNDS) return failed(current, error);
      try {
        const [fresh] = await deps.ec2.describeRouteTables({ routeTableIds: [plan.table.routeTableId] });
        const again = fresh && planTable({ ...plan, table: fresh }).find((d) => d.cidr === current.cidr);
        note = ` (table changed concurrently: ${code})`;
        if (!again || !isMutation(again.action)) {
          const settled = again ?? { ...current, action: "skip" as const };
          return { ...settled, reason: settled.reason + note, applied: false };
        }
        if (again.action === current.action && again.target === current.target) return failed(current, error);
        current = again;
      } catch (rereadError) {
        return failed(current, rereadError);
      }
    }
  }
}

async function mutate(decision: Decision, plan: TablePlanInput, deps: Dependencies): Promise<void> {
  const { routeTableId, cidr } = decision;
  const target = plan.claims.find((claim) => claim.worker.instanceId === decision.instanceId)?.worker.routeTarget;
  if (decision.action === "delete") return deps.ec2.deleteRoute(routeTableId, cidr!);
  if (!target) throw new Error(`no route target for ${decision.instanceId}`);
  return decision.action === "create"
    ? deps.ec2.createRoute(routeTableId, cidr!, target)
    : deps.ec2.replaceRoute(routeTableId, cidr!, target);
}

function failed(decision: Decision, error: unknown): ReportedDecision {
  const code = awsErrorCode(error);
  const described = code === "RouteLimitExceeded" ? new RouteLimitError(decision.routeTableId, error) : error;
  const message = described instanceof Error ? `${code ?? described.name}: ${described.message}` : String(described);
  return { ...decision, applied: false, error: message, ...(code ? { errorCode: code } : {}) };
}

/** Turns off source/dest check on each worker whose route is now in place and still checks it. */
async function disableSourceDestChecks(
  plans: readonly TablePlanInput[],
  decisions: readonly ReportedDecision[],
  dryRun: boolean,
  deps: Dependencies,
): Promise<InstanceChange[]> {
  if (deps.config.sourceDestCheck === "leave") return [];
  const routed = new Set(
    decisions
      .filter((d) => (d.action === "create" || d.action === "replace" || d.action === "keep") && !d.error)
      .map((d) => d.instanceId),
  );
  const workers = new Map<string, Worker>();
  for (const claim of plans.flatMap((plan) => plan.claims)) {
    const worker = claim.worker;
    if (claim.desire === "ensure" && routed.has(worker.instanceId) && worker.sourceDestCheck !== false)
      workers.set(worker.instanceId, worker);
  }
  const limit = pLimit(MUTATION_CONCURRENCY);
  return Promise.all(
    [...workers.values()].map((worker) =>
      limit(async (): Promise<InstanceChange> => {
        const change = {
          instanceId: worker.instanceId,
          change: "disable-source-dest-check" as const,
          target: worker.routeTarget.id,
        };
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

function aboutWorkers(decision: Decision): Pick<Failure, "instanceIds"> {
  const ids = [...(decision.instanceId ? [decision.instanceId] : []), ...(decision.rivals ?? [])];
  return ids.length > 0 ? { instanceIds: ids } : {};
}

function isMutation(action: Action): boolean {
  return action === "create" || action === "replace" || action === "delete";
}
