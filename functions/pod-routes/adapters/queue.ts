import { ChangeMessageVisibilityCommand, type SQSClient } from "@aws-sdk/client-sqs";

/** A queued message to be handed back: its receipt, and how long it stays out of sight. */
export interface ReturnedMessage {
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
      // One call a message: a batch holds at most ten, and only those that failed come here.
      await Promise.all(
        messages.map((message) =>
          client().send(
            new ChangeMessageVisibilityCommand({
              QueueUrl: queueUrlOf(queueArn),
              ReceiptHandle: message.receiptHandle,
              VisibilityTimeout: message.visibleInSeconds,
            }),
            abortSignal ? { abortSignal } : {},
          ),
        ),
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
