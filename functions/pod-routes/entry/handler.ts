import type { Context } from "aws-lambda";
import { DeadlineExceededError, ReconcileFailedError } from "../core/errors.js";
import { decodeEvent } from "./event.js";
import { measurementsOf } from "./metrics.js";
import { isTransient, permanentFailureOf } from "../jobs/failures.js";
import { run } from "../jobs/run.js";
import { emptySummary, type Summary } from "../jobs/summary.js";
import { wire, type Deadlines, type Env } from "./wire.js";

/** Work stops this long before the Lambda timeout, leaving time to complete a lifecycle action and report. */
const WORK_MARGIN_MS = 3_000;
/** A lifecycle completion stops this long before it. */
const COMPLETION_MARGIN_MS = 500;

/**
 * Builds a handler bound to an environment. Settings are parsed and clients built on the first
 * invocation, once; the event is decoded before any AWS call so bad input changes nothing.
 */
export function createHandler(env: Env = process.env): (event: unknown, context?: Context) => Promise<Summary> {
  let wired: ReturnType<typeof wire> | undefined;
  return async (event, context) => {
    wired ??= wire(env);
    const { logger, metrics } = wired;
    const deadlines = deadlinesOf(context);
    const deps = wired.dependencies(deadlines);
    logger.resetKeys();
    if (context) logger.addContext(context);
    try {
      const request = decodeEvent(event);
      logger.appendKeys({
        trigger: request.trigger,
        ...(request.eventId ? { eventId: request.eventId } : {}),
        ...(request.replayName ? { replayName: request.replayName } : {}),
      });
      const summary = await run(request, deps).catch((error: unknown) => {
        // A delivered event that failed for good is reported, not retried: see below.
        const failure = request.trigger === "manual" ? undefined : permanentFailureOf(error);
        if (failure === undefined) throw error;
        return emptySummary(request, deps.config.dryRun || request.dryRun, { failures: [failure] });
      });
      logger.info("summary", { summary });
      const measurements = measurementsOf(summary);
      for (const { name, unit, value } of measurements) metrics.addMetric(name, unit, value);
      if (measurements.length > 0) metrics.publishStoredMetrics();
      if (deadlines.work?.aborted)
        throw deadlineExceeded(
          context,
          summary.failures.map((failure) => failure.message),
        );
      // A retry can fix only what failed transiently. A delivered event's permanent failures (a bad tag,
      // a conflict, a full table) are logged and counted, and the invocation succeeds, so retries and
      // the failure queue carry only what a retry can fix. A manual invoke returns them to its caller.
      if (summary.failures.some(isTransient) || (request.trigger === "manual" && summary.failures.length > 0))
        throw new ReconcileFailedError(summary.failures.map((failure) => failure.message));
      for (const failure of summary.failures) {
        logger.error("permanent failure: reported, not retried", {
          failureKind: failure.kind,
          failure: failure.message,
        });
      }
      return summary;
    } catch (error) {
      const reported =
        deadlines.work?.aborted && !(error instanceof DeadlineExceededError)
          ? deadlineExceeded(context, [String(error)], error)
          : error;
      logger.error("invocation failed", reported as Error);
      const errors = metrics.singleMetric();
      errors.addDimension("ErrorKind", (reported as Error).name ?? "Error");
      errors.addMetric("Errors", "Count", 1);
      throw reported;
    }
  };
}

function deadlinesOf(context: Context | undefined): Deadlines {
  if (!context) return {};
  const remaining = context.getRemainingTimeInMillis();
  return {
    work: AbortSignal.timeout(Math.max(0, remaining - WORK_MARGIN_MS)),
    completion: AbortSignal.timeout(Math.max(0, remaining - COMPLETION_MARGIN_MS)),
  };
}

function deadlineExceeded(context: Context | undefined, unfinished: string[], cause?: unknown): DeadlineExceededError {
  return new DeadlineExceededError(
    `stopped ${WORK_MARGIN_MS / 1000} s before the Lambda timeout (${context?.functionName ?? "function"}): ` +
      `raise its Timeout if this recurs; the retry or the next sync converges what is unfinished:\n- ${unfinished.join("\n- ")}`,
    { cause },
  );
}

export const handler = createHandler();
