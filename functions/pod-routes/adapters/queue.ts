import { ChangeMessageVisibilityBatchCommand, type SQSClient } from "@aws-sdk/client-sqs";

/** A queued message to be handed back: its receipt, and how long it stays out of sight. */
export interface ReturnedMessage {
  readonly id: string;
  readonly receiptHandle: string;
  readonly visibleInSeconds: number;
}

/** The SQS call pod-routes makes, and nothing else. */
export interface QueuePort {
  /** Makes messages that failed visible again after their delays, rather than after the queue's visibility timeout. */
  returnSoon(queueArn: string, messages: readonly ReturnedMessage[]): Promise<void>;
}

export function queueAdapter(client: () => SQSClient, abortSignal?: AbortSignal): QueuePort {
  return {
    async returnSoon(queueArn, messages) {
      if (messages.length === 0) return;
      const answer = await client().send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: queueUrlOf(queueArn),
          Entries: messages.map((message) => ({
            Id: message.id,
            ReceiptHandle: message.receiptHandle,
            VisibilityTimeout: message.visibleInSeconds,
          })),
        }),
        abortSignal ? { abortSignal } : {},
      );
      const failed = answer.Failed ?? [];
      if (failed.length > 0)
        throw new Error(
          `ChangeMessageVisibilityBatch refused ${failed.map((f) => `${f.Id}: ${f.Code} ${f.Message ?? ""}`).join("; ")}`,
        );
    },
  };
}

/** arn:aws:sqs:REGION:ACCOUNT:NAME → https://sqs.REGION.amazonaws.com/ACCOUNT/NAME (the SDK sends it to its own endpoint). */
export function queueUrlOf(queueArn: string): string {
  const [, partition, , region, account, name] = queueArn.split(":");
  const domain = partition === "aws-cn" ? "amazonaws.com.cn" : "amazonaws.com";
  return `https://sqs.${region}.${domain}/${account}/${name}`;
}
