import type { SQSBatchResponse, SQSRecord } from "aws-lambda";
import type { ReturnedMessage } from "../adapters/queue.js";
import { quote } from "../core/errors.js";
import type { QueuedRequest } from "../jobs/batch.js";
import { decodeEvent } from "./event.js";

/** An SQS message id is at most 100 characters; a longer one is cut before it is logged or returned. */
const MAX_MESSAGE_ID_CHARACTERS = 100;

/** Where pod-routes' own events come from: its queue, and the one message group its rules send to. */
export interface QueueOrigin {
  readonly queueArn?: string;
  readonly messageGroup?: string;
}

/**
 * The records of an SQS batch, as Lambda's event source mapping delivers it; undefined for any other
 * payload. Each body is decoded on its own: one that is not JSON, or not an event pod-routes handles,
 * becomes an unreadable record rather than failing its batch. Only what AWS wrote is taken: an
 * EventBridge event with an `aws.*` source (EventBridge refuses such sources to anyone else), from
 * pod-routes' queue and message group when they are known. Anything else (a manual payload, a nested
 * batch, a record of another queue or group) is refused: anyone allowed `sqs:SendMessage` could write it.
 */
export function queuedRequestsOf(event: unknown, origin: QueueOrigin = {}): QueuedRequest[] | undefined {
  if (typeof event !== "object" || event === null || !("Records" in event)) return undefined;
  const records: unknown = event.Records;
  if (!Array.isArray(records) || records.length === 0) return undefined;
  if (!records.every((record) => isRecord(record) && record["eventSource"] === "aws:sqs")) return undefined;
  return records.map((record: Record<string, unknown>) => {
    const messageId = String(record["messageId"]).slice(0, MAX_MESSAGE_ID_CHARACTERS);
    const refused = refusalOf(record, origin);
    if (refused !== undefined) return { messageId, refused };
    try {
      const body = JSON.parse(String(record["body"])) as unknown;
      const source = isRecord(body) ? body["source"] : undefined;
      if (typeof source !== "string" || !source.startsWith("aws."))
        return {
          messageId,
          refused:
            `not an event from AWS (${source === undefined ? "no source" : `source ${quote(source)}`}): ` +
            "the queue takes EventBridge events with aws.* sources only; invoke the function for anything else",
        };
      return { messageId, request: decodeEvent(body) };
    } catch (error) {
      const why = error instanceof SyntaxError ? `body is not JSON (${error.message})` : (error as Error).message;
      return { messageId, unreadable: why };
    }
  });
}

/** Why a record is not pod-routes' own: another queue's, or another message group's. */
function refusalOf(record: Record<string, unknown>, origin: QueueOrigin): string | undefined {
  const queueArn = record["eventSourceARN"];
  if (origin.queueArn !== undefined && queueArn !== origin.queueArn)
    return `from ${quote(queueArn)}, not pod-routes' queue ${origin.queueArn}`;
  const attributes = record["attributes"];
  const group = isRecord(attributes) ? attributes["MessageGroupId"] : undefined;
  if (origin.messageGroup !== undefined && group !== origin.messageGroup)
    return `in message group ${quote(group)}, not ${quote(origin.messageGroup)}, the one pod-routes' rules send to`;
  return undefined;
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
