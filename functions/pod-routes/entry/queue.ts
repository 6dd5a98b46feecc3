import type { SQSBatchResponse, SQSRecord } from "aws-lambda";
import type { ReturnedMessage } from "../adapters/queue.js";
import { UnsupportedEventError } from "../core/errors.js";
import type { QueuedRequest } from "../jobs/batch.js";
import { decodeEvent } from "./event.js";

/** An SQS message id is at most 100 characters; a longer one is cut before it is logged or returned. */
const MAX_MESSAGE_ID_CHARACTERS = 100;

/**
 * The records of an SQS batch, as Lambda's event source mapping delivers it; undefined for any other
 * payload. Each body is decoded on its own: one that is not JSON, or not an event pod-routes handles,
 * becomes an unreadable record rather than failing its batch.
 */
export function queuedRequestsOf(event: unknown): QueuedRequest[] | undefined {
  if (typeof event !== "object" || event === null || !("Records" in event)) return undefined;
  const records: unknown = event.Records;
  if (!Array.isArray(records) || records.length === 0) return undefined;
  if (!records.every((record) => isRecord(record) && record["eventSource"] === "aws:sqs")) return undefined;
  return records.map((record: Record<string, unknown>) => {
    const messageId = String(record["messageId"]).slice(0, MAX_MESSAGE_ID_CHARACTERS);
    try {
      const body = JSON.parse(String(record["body"])) as unknown;
      const request = decodeEvent(body);
      if (request.dryRun) throw new UnsupportedEventError("a dry run is asked of the function directly, not queued");
      return { messageId, request };
    } catch (error) {
      const why = error instanceof SyntaxError ? `body is not JSON (${error.message})` : (error as Error).message;
      return { messageId, unreadable: why };
    }
  });
}

/** The answer Lambda's event source mapping reads: the messages to leave on the queue for a retry. */
export function batchResponseOf(retry: readonly string[]): SQSBatchResponse {
  return { batchItemFailures: retry.map((itemIdentifier) => ({ itemIdentifier })) };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * How long a record that failed stays out of sight before its next delivery: 10 s, then twice as long
 * each time, at most 60 s. A failed FIFO record holds its whole message group while it is out of sight,
 * so the queue's visibility timeout (6 × the function's) would stall every event of the cluster.
 */
export function retryDelaySeconds(receiveCount: number): number {
  const delivered = Number.isFinite(receiveCount) && receiveCount > 0 ? receiveCount : 1;
  return Math.min(60, 10 * 2 ** (delivered - 1));
}

/** The records to hand back, by queue, each with its delay. */
export function returnsOf(event: { Records: readonly SQSRecord[] }, retry: readonly string[]) {
  const byQueue = new Map<string, ReturnedMessage[]>();
  for (const record of event.Records) {
    const id = String(record.messageId).slice(0, MAX_MESSAGE_ID_CHARACTERS);
    if (!retry.includes(id) || typeof record.receiptHandle !== "string") continue;
    const returned = {
      receiptHandle: record.receiptHandle,
      visibleInSeconds: retryDelaySeconds(Number(record.attributes?.ApproximateReceiveCount)),
    };
    byQueue.set(record.eventSourceARN, [...(byQueue.get(record.eventSourceARN) ?? []), returned]);
  }
  return [...byQueue].map(([queueArn, messages]) => ({ queueArn, messages }));
}
