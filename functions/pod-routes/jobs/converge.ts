import { awsErrorCode, RouteLimitError } from "../core/errors.js";
import { quotaRoutesIn, type TargetFacts, type Worker } from "../core/model.js";
import { planTable, type Action, type Decision, type TablePlanInput } from "../core/planner.js";
import { headroomOf, nearlyFull, overQuota, type RouteQuota } from "../core/quota.js";
import type { Dependencies } from "./dependencies.js";
import { adaptivePool } from "./pool.js";
import type { Changes, Failure, InstanceChange, ReportedDecision, TableReport } from "./summary.js";
import type { InstanceView } from "../adapters/instance-fields.js";
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

/**
 * Plans every table, then works in order of value, each worker finished before the next starts: first
 * the workers whose route is missing or wrong (route, then source/dest check), then those whose route is
 * in place but still check it, deletes last. A worker half done (routed, still checking) is as unreachable
 * as one not started, so when the deadline or throttling stops an invocation, what is done is whole; the
 * next one reads what is left from EC2 and does only that. The creates a table has no room for under its
 * route quota are refused up front, the last in that order first; after a table refuses a route for its
 * quota anyway, no other create is tried in it. A full table is reported once, and each table's headroom
 * after the changes is reported with it.
 */
export async function converge(
  plans: readonly TablePlanInput[],
  { dryRun }: { readonly dryRun: boolean },
  deps: Dependencies,
): Promise<Changes> {
  const planned = plans.map((plan) => ({ plan, decisions: planTable(plan) }));
  const units = workUnits(planned);
  const quota = planned.length > 0 ? await deps.routeQuota() : undefined;
  // A table's IPv4 and IPv6 routes count against their own quotas: room is kept per table and family.
  const refused = overQuota(
    units.flatMap(({ steps }) => steps.map(({ plan, decision }) => ({ decision, key: roomKey(plan) }))),
    new Map(
      quota?.source === "assumed" || quota === undefined
        ? []
        : planned.map(({ plan }) => [roomKey(plan), Math.max(0, quota.limit - quotaRoutesOf(plan))]),
    ),
  );
  const results = new Map<Decision, ReportedDecision>();
  const checks: InstanceChange[] = [];
  const full = new Set<string>();
  const pool = adaptivePool(MUTATION_CONCURRENCY, () => deps.ec2.retries());

  const apply = async ({ plan, decision }: Step): Promise<ReportedDecision> => {
    const result = refused.has(decision)
      ? notAttempted(decision, `${decision.routeTableId} has no room left under its route quota (${quota?.limit})`)
      : dryRun || !isMutation(decision.action)
        ? { ...decision, applied: false }
        : decision.action === "create" && full.has(roomKey(plan))
          ? notAttempted(decision, `${decision.routeTableId} is full`)
          : await applyDecision(plan, decision, deps);
    // EC2's own refusal: the quota is lower than read, or the table filled meanwhile.
    if (result.errorCode === "RouteLimitExceeded" && !refused.has(decision)) full.add(roomKey(plan));
    // One line per change or problem; keeps and skips are counted in the summary.
    if (isMutation(result.action) || result.error || isProblem(result.action))
      deps.log.info("route decision", { ...result, dryRun });
    results.set(decision, result);
    return result;
  };
  const finishWorker = async (worker: Worker | undefined, steps: readonly Step[]): Promise<void> => {
    const done = [];
    for (const step of steps) done.push(await apply(step));
    if (worker && needsCheck(worker, deps) && done.some((d) => isRouting(d.action) && !d.error)) {
      checks.push(await disableSourceDestCheck(worker, dryRun, deps));
    }
  };

  // Units with nothing to change in AWS stay out of the pool, so they do not count as calm tasks.
  await Promise.all(
    units.map(({ worker, steps }) =>
      steps.some((step) => isMutation(step.decision.action)) || (worker && needsCheck(worker, deps))
        ? pool(() => finishWorker(worker, steps))
        : finishWorker(worker, steps),
    ),
  );

  const reported = planned.map(({ plan, decisions }) => {
    const done = decisions.map((decision) => results.get(decision) ?? { ...decision, applied: false });
    const applied = (action: Action) => done.filter((d) => d.action === action && d.applied).length;
    const held = quotaRoutesOf(plan) + applied("create") - applied("delete");
    return { held, refusedByEc2: full.has(roomKey(plan)), table: reportTable(plan, done, held, quota, deps) };
  });
  return {
    tables: reported.map(({ table }) => table),
    instanceChanges: checks,
    failures: failuresOf(reported, checks, quota),
  };
}

/** Where one plan's routes count: its table, and its family's quota there. */
function roomKey(plan: TablePlanInput): string {
  return `${plan.table.routeTableId} ${plan.clusterCidr.family}`;
}

function quotaRoutesOf(plan: TablePlanInput): number {
  return quotaRoutesIn(plan.table, plan.clusterCidr.family);
}

/** A table's decisions as carried out, and its headroom after them (warned of when it is nearly full). */
function reportTable(
  plan: TablePlanInput,
  decisions: readonly ReportedDecision[],
  held: number,
  quota: RouteQuota | undefined,
  deps: Dependencies,
): TableReport {
  const routeTableId = plan.table.routeTableId;
  const family = plan.clusterCidr.family;
  const headroom = quota && headroomOf(held, quota);
  if (headroom && nearlyFull(headroom))
    deps.log.warn("route table nearly full", {
      routeTableId,
      family,
      ...headroom,
      quotaSource: quota?.source,
      fix: 'request a higher "Routes per route table" quota (Amazon VPC, L-93826ACB) in Service Quotas before it fills',
    });
  return { routeTableId, family, decisions, ...(headroom ? { headroom } : {}) };
}

interface Step {
  readonly plan: TablePlanInput;
  readonly decision: Decision;
}

/**
 * The work in order of value. A unit is a worker's route changes across tables, then its source/dest
 * check; or a worker already routed that still checks; or a delete.
 */
function workUnits(
  planned: ReadonlyArray<{ plan: TablePlanInput; decisions: readonly Decision[] }>,
): Array<{ worker?: Worker; steps: Step[] }> {
  const ensured = new Map<string, Worker>();
  for (const { plan } of planned)
    for (const claim of plan.claims) if (claim.desire === "ensure") ensured.set(claim.worker.instanceId, claim.worker);
  const routing = new Map<string, Step[]>();
  const routed = new Map<string, Step[]>();
  const deletes: Step[] = [];
  const rest: Step[] = [];
  for (const { plan, decisions } of planned) {
    for (const decision of decisions) {
      const step = { plan, decision };
      const worker = decision.instanceId === undefined ? undefined : ensured.get(decision.instanceId);
      if (decision.action === "delete") deletes.push(step);
      else if (worker && isMutation(decision.action))
        routing.set(worker.instanceId, [...(routing.get(worker.instanceId) ?? []), step]);
      else if (worker && decision.action === "keep")
        routed.set(worker.instanceId, [...(routed.get(worker.instanceId) ?? []), step]);
      else rest.push(step);
    }
  }
  const unit = ([id, steps]: [string, Step[]]) => ({ worker: ensured.get(id)!, steps });
  // Creates before replaces: an unrouted worker's pods are unreachable; a misrouted one may still be half served.
  const byAction = (a: [string, Step[]], b: [string, Step[]]) =>
    Number(a[1].some((s) => s.decision.action !== "create")) - Number(b[1].some((s) => s.decision.action !== "create"));
  return [
    ...[...routing].sort(byAction).map(unit),
    ...[...routed].filter(([id]) => !routing.has(id)).map(unit),
    ...rest.map((step) => ({ steps: [step] })),
    ...deletes.map((step) => ({ steps: [step] })),
  ];
}

/** Conflicts and overlaps one by one; a full table once, with its counts; failed changes one by one. */
/** `held`: the routes a table holds after the changes, as the quota counts them; `refusedByEc2`: EC2 refused one. */
function failuresOf(
  reported: ReadonlyArray<{ readonly held: number; readonly refusedByEc2: boolean; readonly table: TableReport }>,
  checks: readonly InstanceChange[],
  quota: RouteQuota | undefined,
): Failure[] {
  const failures: Failure[] = [];
  for (const { table, held, refusedByEc2 } of reported) {
    const refused = table.decisions.filter((d) => d.errorCode === "RouteLimitExceeded");
    if (refused.length > 0) {
      // EC2's refusal is the quota's last word: a table it refused holds all it allows, whatever was read.
      const counts = {
        held,
        needed: held + refused.length,
        family: table.family,
        ...(refusedByEc2 || !quota ? {} : { limit: quota.limit }),
      };
      const error = new RouteLimitError(table.routeTableId, counts, undefined);
      failures.push({
        kind: "route-limit",
        instanceIds: refused.flatMap((d) => d.instanceId ?? []),
        message: `${error.name}: ${error.message}`,
      });
    }
    for (const decision of table.decisions) {
      if (decision.action === "conflict" || decision.action === "overlap") {
        failures.push({
          kind: "conflict",
          ...aboutWorkers(decision),
          message: `${decision.action} in ${decision.routeTableId}: ${decision.reason}`,
        });
      }
      if (decision.error && decision.errorCode !== "RouteLimitExceeded") {
        failures.push({
          kind: "aws-error",
          ...aboutWorkers(decision),
          message: `${decision.action} ${decision.cidr} in ${decision.routeTableId}: ${decision.error}`,
        });
      }
    }
  }
  for (const change of checks) {
    if (change.error)
      failures.push({
        kind: "aws-error",
        instanceIds: [change.instanceId],
        message: `source/dest check of ${change.instanceId}: ${change.error}`,
      });
  }
  return failures;
}

/**
 * Facts about the instances behind the given routes' targets, and the instances read for them. An
 * instance EC2 does not show is `unknown`: only a blackhole route to it is ours. A route through an ENI
 * names its instance too while the ENI is attached, and turns blackhole once it is not, so a bare ENI id
 * here belongs to something other than an instance: no facts, and the planner leaves the route alone.
 */
export async function resolveTargets(
  ids: readonly string[],
  known: ReadonlyMap<string, TargetFacts>,
  deps: Dependencies,
): Promise<{ facts: ReadonlyMap<string, TargetFacts>; instances: InstanceView[] }> {
  const instanceIds = [...new Set(ids)].filter((id) => !known.has(id) && id.startsWith("i-"));
  if (instanceIds.length === 0) return { facts: known, instances: [] };
  const facts = new Map(known);
  const instances = await deps.ec2.describeInstances({ instanceIds });
  for (const instance of instances) {
    for (const [id, fact] of targetFactsOf(instance, deps.config)) facts.set(id, fact);
  }
  for (const id of instanceIds) if (!facts.has(id)) facts.set(id, UNKNOWN);
  return { facts, instances };
}

/** What is known of an instance EC2 does not show. */
export const UNKNOWN: TargetFacts = { lifecycle: "unknown", worker: false };

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
  const message = error instanceof Error ? `${code ?? error.name}: ${error.message}` : String(error);
  return { ...decision, applied: false, error: message, ...(code ? { errorCode: code } : {}) };
}

/** A create not tried: the table has no room for it under its quota, or already refused one. */
function notAttempted(decision: Decision, why: string): ReportedDecision {
  return {
    ...decision,
    applied: false,
    error: `RouteLimitExceeded: not tried, ${why}`,
    errorCode: "RouteLimitExceeded",
  };
}

function needsCheck(worker: Worker, deps: Dependencies): boolean {
  return deps.config.sourceDestCheck !== "leave" && worker.sourceDestCheck !== false;
}

/** Turns off the source/dest check of a worker whose route is in place: it forwards its pods' traffic. */
async function disableSourceDestCheck(worker: Worker, dryRun: boolean, deps: Dependencies): Promise<InstanceChange> {
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
}

function aboutWorkers(decision: Decision): Pick<Failure, "instanceIds"> {
  const ids = [...(decision.instanceId ? [decision.instanceId] : []), ...(decision.rivals ?? [])];
  return ids.length > 0 ? { instanceIds: ids } : {};
}

function isProblem(action: Action): boolean {
  return action === "conflict" || action === "overlap";
}

function isRouting(action: Action): boolean {
  return action === "create" || action === "replace" || action === "keep";
}

function isMutation(action: Action): boolean {
  return action === "create" || action === "replace" || action === "delete";
}
