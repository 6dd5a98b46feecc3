import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
  type Message,
} from "@aws-sdk/client-sqs";
import type { SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { setTimeout as sleep } from "node:timers/promises";

/** The template's queue, as moto builds it: FIFO, content-based deduplication, a FIFO dead-letter queue. */
export interface EventQueue {
  readonly queueUrl: string;
  readonly deadLetterUrl: string;
  /** What EventBridge does with events its rules match: SendMessageBatch, ten a call, one group. */
  send(events: readonly unknown[]): Promise<void>;
  /** How many messages each queue holds, visible or in flight. */
  depth(): Promise<{ queued: number; deadLetters: number }>;
}

export interface QueueSettings {
  readonly group?: string;
  /** Short, so that a failed message comes back within a test. */
  readonly visibilityTimeoutSeconds?: number;
  readonly maxReceiveCount?: number;
}

export async function createEventQueue(endpoint: string, settings: QueueSettings = {}): Promise<EventQueue> {
  const sqs = sqsClient(endpoint);
  const group = settings.group ?? "hard-k8s";
  const { QueueUrl: deadLetterUrl } = await sqs.send(
    new CreateQueueCommand({
      QueueName: "pod-routes-dead-letters.fifo",
      Attributes: { FifoQueue: "true", ContentBasedDeduplication: "true" },
    }),
  );
  const deadLetterArn = await queueArn(sqs, deadLetterUrl!);
  const { QueueUrl: queueUrl } = await sqs.send(
    new CreateQueueCommand({
      QueueName: "pod-routes-events.fifo",
      Attributes: {
        FifoQueue: "true",
        ContentBasedDeduplication: "true",
        VisibilityTimeout: String(settings.visibilityTimeoutSeconds ?? 1),
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: deadLetterArn,
          maxReceiveCount: settings.maxReceiveCount ?? 5,
        }),
      },
    }),
  );
  return {
    queueUrl: queueUrl!,
    deadLetterUrl: deadLetterUrl!,
    async send(events) {
      for (let start = 0; start < events.length; start += 10) {
        const answer = await sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: events.slice(start, start + 10).map((event, n) => ({
              Id: String(start + n),
              MessageBody: JSON.stringify(event),
              MessageGroupId: group,
            })),
          }),
        );
        if (answer.Failed?.length) throw new Error(`SendMessageBatch failed: ${JSON.stringify(answer.Failed)}`);
      }
    },
    async depth() {
      return { queued: await messagesIn(sqs, queueUrl!), deadLetters: await messagesIn(sqs, deadLetterUrl!) };
    },
  };
}

export interface PollReport {
  /** Records per invocation, in the order the invocations ran. */
  readonly batches: number[];
  /** Messages handed back for a retry, over all invocations. */
  readonly retried: number;
  /** Invocations that threw (the whole batch back on the queue). */
  readonly thrown: number;
}

type BatchHandler = (event: SQSEvent) => Promise<SQSBatchResponse>;

/**
 * Behaves like Lambda's SQS event source mapping on a FIFO queue: batches of up to 10 records of one
 * group in order, one batch of the group at a time; the records the handler does not report as
 * failures are deleted; reported ones (or a whole batch whose invocation threw) come back after the
 * visibility timeout; SQS itself moves a message to the dead-letter queue after maxReceiveCount
 * receives. Polls until both the queue and its in-flight messages are empty.
 */
export async function pollUntilEmpty(
  endpoint: string,
  queue: EventQueue,
  handler: BatchHandler,
  { timeoutMs = 120_000 } = {},
): Promise<PollReport> {
  const sqs = sqsClient(endpoint);
  const report = { batches: [] as number[], retried: 0, thrown: 0 };
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { Messages: messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queue.queueUrl,
        MaxNumberOfMessages: 10,
        MessageSystemAttributeNames: ["All"],
        WaitTimeSeconds: 0,
      }),
    );
    if (messages.length === 0) {
      if ((await queue.depth()).queued === 0) return report;
      await sleep(100);
      continue;
    }
    report.batches.push(messages.length);
    let failed: Set<string>;
    try {
      const answer = await handler({ Records: messages.map((message) => recordOf(message, queue)) });
      failed = new Set(answer.batchItemFailures.map((failure) => failure.itemIdentifier));
    } catch {
      report.thrown++;
      failed = new Set(messages.map((message) => message.MessageId!));
    }
    report.retried += failed.size;
    const done = messages.filter((message) => !failed.has(message.MessageId!));
    if (done.length > 0) {
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queue.queueUrl,
          Entries: done.map((message, n) => ({ Id: String(n), ReceiptHandle: message.ReceiptHandle! })),
        }),
      );
    }
  }
  throw new Error(`the queue did not drain within ${timeoutMs} ms: ${JSON.stringify(await queue.depth())}`);
}

/** A received message as Lambda hands it to the function. */
function recordOf(message: Message, queue: EventQueue): SQSRecord {
  const attributes = message.Attributes ?? {};
  return {
    messageId: message.MessageId!,
    receiptHandle: message.ReceiptHandle!,
    body: message.Body ?? "",
    attributes: {
      ApproximateReceiveCount: attributes["ApproximateReceiveCount"] ?? "1",
      SentTimestamp: attributes["SentTimestamp"] ?? "0",
      SenderId: attributes["SenderId"] ?? "",
      ApproximateFirstReceiveTimestamp: attributes["ApproximateFirstReceiveTimestamp"] ?? "0",
      ...(attributes["MessageGroupId"] ? { MessageGroupId: attributes["MessageGroupId"] } : {}),
      ...(attributes["SequenceNumber"] ? { SequenceNumber: attributes["SequenceNumber"] } : {}),
      ...(attributes["MessageDeduplicationId"] ? { MessageDeduplicationId: attributes["MessageDeduplicationId"] } : {}),
    },
    messageAttributes: {},
    md5OfBody: message.MD5OfBody ?? "",
    eventSource: "aws:sqs",
    eventSourceARN: `arn:aws:sqs:us-east-1:123456789012:${queue.queueUrl.split("/").pop()}`,
    awsRegion: "us-east-1",
  };
}

function sqsClient(endpoint: string): SQSClient {
  return new SQSClient({
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
  });
}

async function queueArn(sqs: SQSClient, queueUrl: string): Promise<string> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["QueueArn"] }),
  );
  return Attributes!["QueueArn"]!;
}

async function messagesIn(sqs: SQSClient, queueUrl: string): Promise<number> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    }),
  );
  return (
    Number(Attributes["ApproximateNumberOfMessages"]) + Number(Attributes["ApproximateNumberOfMessagesNotVisible"])
  );
}
