import { InstanceNotReadyError, InstanceNotVisibleError } from "../core/errors.js";
import { reconcile, type InstanceJob, type JobOutcome, type Reconciled, type ReconcileOptions } from "./controller.js";
import type { Dependencies } from "./dependencies.js";
import { combined, type Failure } from "./summary.js";

/**
 * The waits before each new look at instances EC2 is not ready for yet, 7 s in all: a launch is
 * usually listed, and routable, within seconds. Past them, the record goes back to the queue.
 */
const PAUSES_MS = [1_000, 2_000, 4_000];

/** What EC2 answers about an instance it has launched but cannot route to yet. */
const NOT_YET_CODES = new Set(["IncorrectInstanceState", "InvalidInstanceID.NotFound"]);

/**
 * Reconciles, then looks again, after short pauses, at the jobs whose instance EC2 does not show yet,
 * or cannot route to yet (pending, or still coming out of a warm pool), before they are failed: a
 * failed record waits on the queue, so a few seconds here save a minute or more there.
 */
export async function reconcilePatiently(
  jobs: readonly InstanceJob[],
  options: ReconcileOptions,
  deps: Dependencies,
): Promise<Reconciled> {
  let result = await reconcile(jobs, options, deps);
  for (const pauseMs of PAUSES_MS) {
    const waiting = result.jobs.filter((outcome) => notYet(outcome, result)).map((outcome) => outcome.job);
    if (waiting.length === 0) break;
    deps.log.info("not ready yet: looking again", { instanceIds: waiting.map((job) => job.instanceId), pauseMs });
    await deps.pause(pauseMs);
    result = merged(result, await reconcile(waiting, { ...options, sync: false }, deps));
  }
  return result;
}

function notYet(outcome: JobOutcome, result: Reconciled): boolean {
  const { error, job } = outcome;
  if (error instanceof InstanceNotVisibleError || error instanceof InstanceNotReadyError) return true;
  return result.tables.some((table) =>
    table.decisions.some((d) => d.instanceId === job.instanceId && NOT_YET_CODES.has(d.errorCode ?? "")),
  );
}

/** The first pass with the second's outcomes for the jobs it looked at again; both passes' reports. */
function merged(first: Reconciled, again: Reconciled): Reconciled {
  const retried = new Set(again.jobs.map((outcome) => outcome.job.instanceId));
  const stale = (failure: Failure) => failure.instanceIds?.some((id) => retried.has(id)) === true;
  return {
    jobs: first.jobs.map((outcome) => again.jobs.find((o) => o.job === outcome.job) ?? outcome),
    ...combined({ ...first, failures: first.failures.filter((failure) => !stale(failure)) }, again),
  };
}
