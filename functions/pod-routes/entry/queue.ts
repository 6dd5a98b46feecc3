import type { SQSBatchResponse } from "aws-lambda";
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
