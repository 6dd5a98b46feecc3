import {
  ChangeMessageVisibilityCommand,
  SQSClient,
  type ChangeMessageVisibilityCommandInput,
} from "@aws-sdk/client-sqs";
import type { SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import type { FakeCloud } from "./fake-cloud.js";

interface Message {
  readonly id: string;
  readonly body: string;
  readonly group: string;
  receiveCount: number;
  /** Cloud time at which it may be received (again). */
  visibleAt: number;
  receiptHandle?: string;
}

export interface DrainReport {
  /** Records per invocation, in order. */
  readonly batches: number[];
  /** How long, in cloud time, the queue took to empty. */
  readonly elapsedMs: number;
  /** For each record handed back, how long it waited before its next delivery. */
  readonly returnedAfterMs: number[];
}

/**
 * An SQS FIFO queue as Lambda's event source mapping reads it, on the fake cloud's clock: a group's
 * messages in order, ten at most a batch, nothing more of a group while one of its messages is in flight;
 * a record reported failed stays invisible for the visibility timeout (or what ChangeMessageVisibility
 * set) and holds its whole group meanwhile; a message received `maxReceiveCount` times and failed again
 * moves to the dead-letter queue on its next receive.
 */
export class FakeFifoQueue {
  readonly arn: string;
  readonly deadLetters: Message[] = [];
  private readonly messages: Message[] = [];
  private serial = 0;
  private readonly returnedAt = new Map<string, number>();
  private readonly returnedAfter: number[] = [];

  constructor(
    private readonly cloud: FakeCloud,
    private readonly settings: { visibilityTimeoutSeconds?: number; maxReceiveCount?: number; name?: string } = {},
  ) {
    this.arn = `arn:aws:sqs:us-east-1:123456789012:${settings.name ?? "pod-routes-events.fifo"}`;
  }

  /** What EventBridge does with the events its rules match: one message each, in the cluster's group. */
  send(events: readonly unknown[], group = "hard-k8s"): void {
    for (const event of events) {
      this.messages.push({
        id: `m${++this.serial}`,
        body: JSON.stringify(event),
        group,
        receiveCount: 0,
        visibleAt: this.cloud.now(),
      });
    }
  }

  /** Messages not yet deleted, in flight or not. */
  get depth(): number {
    return this.messages.length;
  }

  /** Answers the SDK's ChangeMessageVisibility from this queue; returns the undo. */
  install(): () => void {
    const sqs = mockClient(SQSClient);
    sqs.on(ChangeMessageVisibilityCommand).callsFake((input: ChangeMessageVisibilityCommandInput) => {
      this.cloud.calls.push({ action: "ChangeMessageVisibility", input: { ...input } });
      const message = this.messages.find((m) => m.receiptHandle === input.ReceiptHandle);
      if (!message) throw new Error(`ReceiptHandleIsInvalid: ${input.ReceiptHandle}`);
      message.visibleAt = this.cloud.now() + (input.VisibilityTimeout ?? 0) * 1000;
      return {};
    });
    return () => sqs.restore();
  }

  /**
   * Runs the event source mapping until the queue is empty: each batch to the handler, the records it
   * does not report deleted; when nothing can be received, the clock moves to the next message's return.
   */
  async drain(handler: (event: SQSEvent) => Promise<SQSBatchResponse>, { limitMs = 3_600_000 } = {}) {
    const start = this.cloud.now();
    const batches: number[] = [];
    while (this.messages.length > 0) {
      const batch = this.receive();
      if (this.messages.length === 0) break;
      if (batch.length === 0) {
        const next = Math.min(...this.messages.map((m) => m.visibleAt));
        if (next - start > limitMs) throw new Error(`the queue did not drain within ${limitMs} ms of cloud time`);
        this.cloud.advance(Math.max(1, next - this.cloud.now()));
        continue;
      }
      batches.push(batch.length);
      let failed: Set<string>;
      try {
        const answer = await handler({ Records: batch.map((m) => this.recordOf(m)) });
        failed = new Set(answer.batchItemFailures.map((f) => f.itemIdentifier));
      } catch {
        failed = new Set(batch.map((m) => m.id));
      }
      for (const message of batch) {
        if (failed.has(message.id)) {
          this.returnedAt.set(message.id, this.cloud.now());
          continue;
        }
        this.messages.splice(this.messages.indexOf(message), 1);
      }
    }
    return { batches, elapsedMs: this.cloud.now() - start, returnedAfterMs: [...this.returnedAfter] };
  }

  /** One receive: the oldest group with nothing in flight, up to ten of its messages in order. */
  private receive(): Message[] {
    const now = this.cloud.now();
    const blocked = new Set(this.messages.filter((m) => m.receiveCount > 0 && m.visibleAt > now).map((m) => m.group));
    const head = this.messages.find((m) => !blocked.has(m.group) && m.visibleAt <= now);
    if (!head) return [];
    const batch = this.messages.filter((m) => m.group === head.group && m.visibleAt <= now).slice(0, 10);
    const received: Message[] = [];
    for (const message of batch) {
      if (message.receiveCount >= (this.settings.maxReceiveCount ?? 5)) {
        this.messages.splice(this.messages.indexOf(message), 1);
        this.deadLetters.push(message);
        continue;
      }
      const returned = this.returnedAt.get(message.id);
      if (returned !== undefined) this.returnedAfter.push(now - returned);
      message.receiveCount += 1;
      message.receiptHandle = `${message.id}-receipt-${message.receiveCount}`;
      message.visibleAt = now + (this.settings.visibilityTimeoutSeconds ?? 720) * 1000;
      received.push(message);
    }
    return received;
  }

  private recordOf(message: Message): SQSRecord {
    return {
      messageId: message.id,
      receiptHandle: message.receiptHandle!,
      body: message.body,
      attributes: {
        ApproximateReceiveCount: String(message.receiveCount),
        SentTimestamp: "0",
        SenderId: "AROAEVENTBRIDGE:events",
        ApproximateFirstReceiveTimestamp: "0",
        MessageGroupId: message.group,
      },
      messageAttributes: {},
      md5OfBody: "",
      eventSource: "aws:sqs",
      eventSourceARN: this.arn,
      awsRegion: "us-east-1",
    };
  }
}
