import type { Context, SQSBatchResponse, SQSEvent } from "aws-lambda";
import { DeadlineExceededError } from "../core/errors.js";
import { decodeEvent } from "./event.js";
import { summaryForLog } from "./log-summary.js";
import { measurementsOf } from "./metrics.js";
import { runBatch, type BatchSummary, type QueuedRequest } from "../jobs/batch.js";
import { runDirect } from "../jobs/direct.js";
import type { Summary } from "../jobs/summary.js";
import { batchResponseOf, queuedRequestsOf, returnsOf } from "./queue.js";
import type { Clock } from "../jobs/dependencies.js";
import { systemClock, wire, type Deadlines, type Env, type Wired } from "./wire.js";

/** Work stops this long before the Lambda timeout, leaving time to complete a lifecycle action and report. */
const WORK_MARGIN_MS = 3_000;
/** A lifecycle completion stops this long before it. */
const COMPLETION_MARGIN_MS = 500;

/** A batch from the queue gets the messages to retry; any other payload, its summary. */
export interface PodRoutesHandler {
  (event: SQSEvent, context?: Context): Promise<SQSBatchResponse>;
  (event: unknown, context?: Context): Promise<Summary>;
}

export interface HandlerOptions {
  /** Given a queued batch's whole summary, which Lambda's answer (the messages to retry) leaves out. */
  readonly onSummary?: (summary: BatchSummary) => void;
}

/**
 * Builds a handler bound to an environment (and a clock: tests give it a simulated one). Settings are
 * parsed and clients built on the first invocation, once; the event is decoded before any AWS call so
 * bad input changes nothing.
 */
export function createHandler(
  env: Env = process.env,
  clock: Clock = systemClock,
  { onSummary }: HandlerOptions = {},
): PodRoutesHandler {
  let wired: Wired | undefined;
  const handle = async (event: unknown, context?: Context): Promise<Summary | SQSBatchResponse> => {
    wired ??= wire(env, clock);
    const { logger } = wired;
    logger.resetKeys();
    if (context) logger.addContext(context);
    const queued = queuedRequestsOf(event, wired.queueOrigin);
    return queued
      ? handleBatch(event as SQSEvent, queued, wired, context, onSummary)
      : handleOne(event, wired, context);
  };
  return handle as PodRoutesHandler;
}

/**
 * A batch from the FIFO queue: one reconcile for all its events. Unreadable messages and permanent
 * failures are acknowledged with an error log naming the message, so they never block the group;
 * a record whose own instance failed in a way a retry can fix goes back to the queue, due again within
 * a minute.
 */
async function handleBatch(
  event: SQSEvent,
  queued: readonly QueuedRequest[],
  wired: Wired,
  context: Context | undefined,
  onSummary?: (summary: BatchSummary) => void,
): Promise<SQSBatchResponse> {
  const { logger, metrics } = wired;
  const deadlines = deadlinesOf(context);
  logger.appendKeys({ trigger: "queue", messages: queued.length });
  const summary = await runBatch(queued, wired.dependencies(deadlines));
  for (const record of summary.records) {
    const about = { ...record, reason: record.reason };
    if (record.outcome === "unreadable") logger.error("unreadable event: acknowledged, not retried", about);
    else if (record.outcome === "refused") logger.error("refused: not an event pod-routes takes from its queue", about);
    else if (record.outcome === "failed") logger.error("permanent failure: reported, not retried", about);
    else if (record.outcome === "retry") logger.warn("left on the queue for a retry", about);
    else if (record.outcome === "deferred")
      logger.warn("sync acknowledged: what failed is left to the next sync", about);
    else logger.info("event handled", about);
  }
  for (const launch of summary.waitingLaunches)
    logger.info("launch action found waiting by the sync", { ...launch, reason: launch.reason });
  logger.info("summary", { summary: summaryForLog(summary) });
  publish(wired, summary);
  onSummary?.(summary);
  if (summary.retry.length > 0) {
    const errors = metrics.singleMetric();
    errors.addDimension("ErrorKind", deadlines.work?.aborted ? "DeadlineExceededError" : "RetriedEvents");
    errors.addMetric("Errors", "Count", 1);
    for (const { queueArn, messages } of returnsOf(event, summary.retry)) {
      try {
        await wired.queue(deadlines).returnSoon(queueArn, messages);
      } catch (error) {
        logger.warn("failed records not handed back sooner: they return after the queue's visibility timeout", {
          queueArn,
          error: String(error),
        });
      }
    }
  }
  return batchResponseOf(summary.retry);
}

async function handleOne(event: unknown, wired: Wired, context: Context | undefined): Promise<Summary> {
  const { logger, metrics } = wired;
  const deadlines = deadlinesOf(context);
  const deps = wired.dependencies(deadlines);
  try {
    const request = decodeEvent(event);
    logger.appendKeys({
      trigger: request.trigger,
      ...(request.eventId ? { eventId: request.eventId } : {}),
      ...(request.replayName ? { replayName: request.replayName } : {}),
    });
    // Invoking the function is a route-admin's power: each direct invocation says who, as far as it can.
    logger.info("direct invocation", { caller: callerOf(context) });
    const { summary, error } = await runDirect(request, deps);
    logger.info("summary", { summary: summaryForLog(summary) });
    publish(wired, summary);
    if (deadlines.work?.aborted)
      throw deadlineExceeded(
        context,
        summary.failures.map((failure) => failure.message),
      );
    if (error !== undefined) throw error;
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
}

/**
 * Who invoked the function: Lambda names the caller only for Cognito-authenticated invokes, and passes on
 * whatever a client context claims; otherwise CloudTrail's data events for lambda:Invoke record it.
 */
function callerOf(context: Context | undefined): Record<string, unknown> | string {
  const cognito = context?.identity;
  const claimed = context?.clientContext;
  if (!cognito?.cognitoIdentityId && !claimed) return "not given by Lambda: CloudTrail's Invoke data events record it";
  return {
    ...(cognito?.cognitoIdentityId
      ? { cognitoIdentityId: cognito.cognitoIdentityId, cognitoIdentityPoolId: cognito.cognitoIdentityPoolId }
      : {}),
    ...(claimed ? { clientContext: claimed } : {}),
  };
}

function publish({ metrics }: Wired, summary: Summary | BatchSummary): void {
  const measurements = measurementsOf(summary);
  for (const { name, unit, value, dimensions } of measurements) {
    if (dimensions === undefined) {
      metrics.addMetric(name, unit, value);
      continue;
    }
    const single = metrics.singleMetric();
    for (const [dimension, of] of Object.entries(dimensions)) single.addDimension(dimension, of);
    single.addMetric(name, unit, value);
  }
  if (measurements.some(({ dimensions }) => dimensions === undefined)) metrics.publishStoredMetrics();
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
