import { ownsHook } from "../core/config.js";
import { asError, UntrustedEventError } from "../core/errors.js";
import type { LifecycleRequest, Request } from "../core/request.js";
import type { InstanceJob, JobOutcome, Reconciled } from "./controller.js";
import { reconcilePatiently } from "./patience.js";
import { waitingLaunchActions } from "./safety-net.js";
import type { Dependencies } from "./dependencies.js";
import { isConfigurationError, permanentFailureOf } from "./failures.js";
import { complete, strangeGroup } from "./lifecycle.js";
import { instanceJobOf, launchJobOf } from "./requests.js";
import { changedOf, type Changed } from "./changed.js";
import type { Allocation, Changes, Failure, LifecycleOutcome } from "./summary.js";
import { verdicts, type Outcome, type Verdict } from "./verdict.js";

/** One message of a queue batch: the request its body decodes to, or why it decodes to none. */
export type QueuedRequest =
  | { readonly messageId: string; readonly request: Request }
  | { readonly messageId: string; readonly unreadable: string }
  | { readonly messageId: string; readonly refused: string };

export interface RecordReport {
  readonly messageId: string;
  readonly outcome: Outcome;
  readonly trigger?: Request["trigger"];
  readonly instanceId?: string;
  readonly eventId?: string;
  /** Why it was ignored, failed or retried. */
  readonly reason?: string;
  readonly allocation?: Allocation;
  readonly lifecycle?: LifecycleOutcome;
  /** The error that decided it: a direct caller sees it as thrown (never logged or returned as such). */
  readonly error?: Error;
}

export interface BatchSummary extends Changes {
  readonly dryRun: boolean;
  /** What was changed (in a dry run, would be): the digest of the rest an operator reads first. */
  readonly changed: Changed;
  readonly records: readonly RecordReport[];
  /** The message ids to hand back to the queue. */
  readonly retry: readonly string[];
  /** Launch actions a sync found waiting on pod-routes' hooks with no message of theirs: what became of each. */
  readonly waitingLaunches: readonly RecordReport[];
}

export interface BatchOptions {
  /** Plan and report only: DRY_RUN, or a direct request's own. */
  readonly dryRun?: boolean;
  /**
   * A sync is also a safety net for launches: an action left waiting with no message (lost, or
   * dead-lettered) is handled as if its message were in the batch, and completed only once routed. Only
   * the queue's syncs: a direct one (the CLI's) runs with credentials that need not reach Auto Scaling.
   */
  readonly safetyNet?: boolean;
}

/**
 * Runs a batch of requests as one reconcile: every instance they name is read in one call, every table
 * in one more, and a sync among them covers all workers. Then each lifecycle action is completed as its
 * instance's outcome calls for, and each request gets its verdict. A queue's batch, or a direct
 * invocation's single request.
 */
export async function runBatch(
  queued: readonly QueuedRequest[],
  deps: Dependencies,
  { dryRun = deps.config.dryRun, safetyNet = true }: BatchOptions = {},
): Promise<BatchSummary> {
  const { config } = deps;
  const sync = queued.some((item) => "request" in item && item.request.kind === "sync");
  const launching = new Set(
    queued.flatMap((item) => ("request" in item && item.request.kind === "lifecycle" ? [item.request.instanceId] : [])),
  );
  const found = sync && safetyNet ? await waitingLaunchActions(launching, deps) : [];
  const waiting: QueuedRequest[] = found.map((request) => ({
    messageId: `waiting launch of ${request.instanceId}`,
    request,
  }));
  const jobs = new Map<QueuedRequest, InstanceJob>();
  for (const item of [...queued, ...waiting]) {
    if (!("request" in item)) continue;
    const { request } = item;
    if (request.kind === "instance") jobs.set(item, instanceJobOf(request, dryRun, config));
    if (
      request.kind === "lifecycle" &&
      request.transition === "launch" &&
      ownsHook(config, request.hookName) &&
      strangeGroup(config, request) === undefined
    )
      jobs.set(item, launchJobOf(request, dryRun, deps.now()));
  }

  let reconciled: Reconciled | undefined;
  let batchError: Error | undefined;
  if (sync || jobs.size > 0) {
    try {
      reconciled = await reconcilePatiently([...jobs.values()], { sync, dryRun }, deps);
    } catch (error) {
      batchError = asError(error);
    }
  }
  const outcomeOf = (job: InstanceJob): JobOutcome =>
    reconciled?.jobs.find((outcome) => outcome.job === job) ?? { job, error: batchError };
  const failures = reconciled?.failures ?? [];

  const judge = async (item: QueuedRequest): Promise<Verdict> => {
    if ("refused" in item) return { outcome: "refused", reason: item.refused };
    if ("unreadable" in item) return { outcome: "unreadable", reason: item.unreadable };
    const { request } = item;
    const job = jobs.get(item);
    switch (request.kind) {
      case "ignored":
        return { outcome: "ignored", reason: request.reason };
      case "sync":
        return verdicts.ofSync(batchError, failures);
      case "instance":
        return job ? verdicts.ofJob(outcomeOf(job), failures) : { outcome: "ignored" };
      case "lifecycle":
        return lifecycleVerdict(request, job && outcomeOf(job), failures, dryRun, deps, waiting.includes(item));
    }
  };
  const judged = await Promise.all([...queued, ...waiting].map(async (item) => ({ item, verdict: await judge(item) })));

  const [records, waitingLaunches] = [judged.slice(0, queued.length), judged.slice(queued.length)].map((part) =>
    part.map(({ item, verdict: { error, ...verdict } }): RecordReport => {
      const request = "request" in item ? item.request : undefined;
      return {
        messageId: item.messageId,
        ...(request ? { trigger: request.trigger } : {}),
        ...(request && "instanceId" in request ? { instanceId: request.instanceId } : {}),
        ...(request?.eventId !== undefined ? { eventId: request.eventId } : {}),
        ...verdict,
        ...(error !== undefined ? { error } : {}),
      };
    }),
  ) as [RecordReport[], RecordReport[]];
  const tables = reconciled?.tables ?? [];
  const instanceChanges = reconciled?.instanceChanges ?? [];
  return {
    dryRun,
    changed: changedOf({ dryRun, tables, instanceChanges, failures: [] }, [...records, ...waitingLaunches]),
    records,
    tables,
    instanceChanges,
    failures: dedupe([
      ...failures,
      ...[...jobs.values()].flatMap((job) => failuresOf(outcomeOf(job).error, job.instanceId)),
      ...failuresOf(batchError),
      // Records refused or unreadable before any request was made of them; a lifecycle action of a strange
      // group, refused before any AWS call.
      ...queued.flatMap((item) => {
        if ("refused" in item)
          return [{ kind: "refused-event" as const, message: `${item.messageId}: ${item.refused}` }];
        if ("unreadable" in item)
          return [{ kind: "unreadable-event" as const, message: `${item.messageId}: ${item.unreadable}` }];
        const strange = item.request.kind === "lifecycle" ? strangeGroup(config, item.request) : undefined;
        return failuresOf(strange, strange && "instanceId" in item.request ? item.request.instanceId : undefined);
      }),
    ]),
    retry: records.filter((record) => record.outcome === "retry").map((record) => record.messageId),
    waitingLaunches,
  };
}

/**
 * A launch action completes once its instance's outcome is final (see `verdicts.launchResult`). A
 * terminate action completes at once: its route goes with the shutting-down state change. Another hook's
 * action is left to its owner.
 */
async function lifecycleVerdict(
  request: LifecycleRequest,
  outcome: JobOutcome | undefined,
  failures: readonly Failure[],
  dryRun: boolean,
  deps: Dependencies,
  foundWaiting: boolean,
): Promise<Verdict> {
  if (!ownsHook(deps.config, request.hookName))
    return {
      outcome: "ignored",
      reason: `hook ${request.hookName} is not one of LIFECYCLE_HOOK_NAMES: its action is left to its owner`,
    };
  const strange = strangeGroup(deps.config, request);
  if (strange !== undefined) return { outcome: "refused", reason: strange.message };
  // A launch waits for the configuration's fix rather than being abandoned for it; one EC2 does not
  // confirm is refused, and completed by nobody here.
  if (outcome?.error !== undefined && isConfigurationError(outcome.error)) return verdicts.ofError(outcome.error);
  if (outcome?.error instanceof UntrustedEventError) return { outcome: "refused", reason: outcome.error.message };
  const verdict = outcome ? verdicts.ofJob(outcome, failures) : { outcome: "done" as const };
  if (verdict.outcome === "ignored") return verdict;
  const result = verdicts.launchResult(verdict, deps.config, foundWaiting);
  if (result === undefined) return verdict;
  try {
    return { ...verdict, lifecycle: await complete(request, { result, dryRun }, deps) };
  } catch (error) {
    return verdicts.ofError(asError(error));
  }
}

/** An error that stopped a job, or the whole batch, as a failure to report. */
function failuresOf(error: Error | undefined, instanceId?: string): Failure[] {
  if (error === undefined) return [];
  const failure = permanentFailureOf(error) ?? {
    kind: "aws-error" as const,
    message: `${error.name}: ${error.message}`,
  };
  return [{ ...failure, ...(instanceId !== undefined ? { instanceIds: [instanceId] } : {}) }];
}

function dedupe(failures: readonly Failure[]): Failure[] {
  return [...new Map(failures.map((failure) => [failure.message, failure])).values()];
}
