import {
  AutoScalingClient,
  AutoScalingServiceException,
  CompleteLifecycleActionCommand,
} from "@aws-sdk/client-auto-scaling";
import {
  CreateRouteCommand,
  DescribeInstancesCommand,
  DescribeRouteTablesCommand,
  EC2Client,
  EC2ServiceException,
  ModifyInstanceAttributeCommand,
  type Instance,
} from "@aws-sdk/client-ec2";
import { ChangeMessageVisibilityCommand, SQSClient } from "@aws-sdk/client-sqs";
import type { SQSEvent } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { answerRouteQuota } from "../support/route-quota.js";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createHandler } from "../../functions/pod-routes/entry/handler.js";
import { lifecycleAction, scheduled, stateChange } from "../../scripts/cli/sample-events.js";

const ec2 = mockClient(EC2Client);
answerRouteQuota();
const autoScaling = mockClient(AutoScalingClient);
const sqs = mockClient(SQSClient);
const TABLE = "rtb-0123456789abcdef0";
const SETTINGS = {
  AWS_REGION: "us-east-1",
  AWS_ACCESS_KEY_ID: "x",
  AWS_SECRET_ACCESS_KEY: "x",
  ROUTE_TABLE_IDS: TABLE,
};
const id = (n: number) => `i-0${String(n).repeat(16).slice(0, 16)}`;

function instance(n: number, podCidr = `10.200.${n}.0/24`, state = "running"): Instance {
  return {
    InstanceId: id(n),
    State: { Name: state as "running" },
    VpcId: "vpc-1",
    SubnetId: "subnet-1",
    SourceDestCheck: false,
    Tags: [
      { Key: "pod-cidr", Value: podCidr },
      { Key: "aws:autoscaling:groupName", Value: "workers" },
    ],
    NetworkInterfaces: [
      { NetworkInterfaceId: `eni-0${String(n).repeat(16).slice(0, 16)}`, Attachment: { DeviceIndex: 0 } },
    ],
  };
}

const emptyTable = {
  RouteTables: [
    {
      RouteTableId: TABLE,
      VpcId: "vpc-1",
      Associations: [{ Main: true }],
      Routes: [{ DestinationCidrBlock: "10.240.0.0/16", GatewayId: "local", State: "active" as const }],
    },
  ],
};

/** An SQS batch as Lambda's event source mapping delivers it, message ids m0, m1, … */
function batch(...bodies: unknown[]): SQSEvent {
  return {
    Records: bodies.map((body, n) => ({
      messageId: `m${n}`,
      receiptHandle: `r${n}`,
      body: typeof body === "string" ? body : JSON.stringify(body),
      attributes: {
        ApproximateReceiveCount: "1",
        SentTimestamp: "0",
        SenderId: "events.amazonaws.com",
        ApproximateFirstReceiveTimestamp: "0",
        MessageGroupId: "hard-k8s",
      },
      messageAttributes: {},
      md5OfBody: "",
      eventSource: "aws:sqs",
      eventSourceARN: "arn:aws:sqs:us-east-1:123456789012:pod-routes.fifo",
      awsRegion: "us-east-1",
    })),
  };
}

const serverError = () =>
  new EC2ServiceException({
    name: "InternalError",
    message: "We encountered an internal error",
    $fault: "server",
    $metadata: { httpStatusCode: 500 },
  });

let logged: string[];
beforeEach(() => {
  ec2.reset();
  autoScaling.reset();
  sqs.reset();
  sqs.on(ChangeMessageVisibilityCommand).resolves({});
  logged = [];
  vi.stubEnv("POWERTOOLS_LOG_LEVEL", "INFO");
  vi.stubEnv("POWERTOOLS_METRICS_DISABLED", "false");
  for (const stream of [process.stdout, process.stderr]) {
    vi.spyOn(stream, "write").mockImplementation((line) => (logged.push(String(line)), true));
  }
});
afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

const logLines = () =>
  logged.flatMap((text) => text.split("\n").filter(Boolean)).map((line) => JSON.parse(line) as Record<string, unknown>);

describe("a batch from the FIFO queue", () => {
  it("reads every named instance in one call and the table in one more, then routes them all", async () => {
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [1, 2, 3].map((n) => instance(n)) }] });
    ec2.on(DescribeRouteTablesCommand).resolves(emptyTable);
    ec2.on(CreateRouteCommand).resolves({});

    const answer = await createHandler(SETTINGS)(batch(...[1, 2, 3].map((n) => stateChange(id(n), "running"))));

    expect(answer).toEqual({ batchItemFailures: [] });
    expect(ec2.commandCalls(DescribeInstancesCommand)).toHaveLength(1);
    expect(ec2.commandCalls(DescribeInstancesCommand)[0]!.args[0].input.Filters).toEqual([
      { Name: "instance-id", Values: [id(1), id(2), id(3)] },
    ]);
    expect(ec2.commandCalls(DescribeRouteTablesCommand)).toHaveLength(1);
    expect(ec2.commandCalls(CreateRouteCommand).map((call) => call.args[0].input.DestinationCidrBlock)).toEqual([
      "10.200.1.0/24",
      "10.200.2.0/24",
      "10.200.3.0/24",
    ]);
  });

  it("retries only the message whose own instance failed transiently, due back in 10 s; acknowledges the rest", async () => {
    ec2.on(DescribeInstancesCommand).resolves({
      Reservations: [{ Instances: [instance(1), instance(2, "10.200.2.9/24"), instance(3), instance(4)] }],
    });
    ec2.on(DescribeRouteTablesCommand).resolves(emptyTable);
    ec2.on(CreateRouteCommand).resolves({});
    ec2.on(CreateRouteCommand, { DestinationCidrBlock: "10.200.3.0/24" }).rejects(serverError());

    const answer = await createHandler(SETTINGS)(
      batch(
        "not json",
        stateChange(id(1), "running"),
        stateChange(id(2), "running"),
        stateChange(id(3), "running"),
        stateChange(id(4), "running"),
        { source: "aws.health", "detail-type": "AWS Health Event" },
      ),
    );

    // m3 failed transiently: it alone goes back, visible again in 10 s rather than the queue's visibility
    // timeout; m4 and m5, about other instances, have no order to keep with it.
    expect(answer).toEqual({ batchItemFailures: [{ itemIdentifier: "m3" }] });
    expect(sqs.commandCalls(ChangeMessageVisibilityCommand).map((call) => call.args[0].input)).toEqual([
      {
        QueueUrl: "https://sqs.us-east-1.amazonaws.com/123456789012/pod-routes.fifo",
        ReceiptHandle: "r3",
        VisibilityTimeout: 10,
      },
    ]);
    expect(ec2.commandCalls(CreateRouteCommand).map((call) => call.args[0].input.DestinationCidrBlock)).toEqual([
      "10.200.1.0/24",
      "10.200.3.0/24",
      "10.200.4.0/24",
    ]);
    const lines = logLines();
    expect(lines).toContainEqual(
      expect.objectContaining({
        message: "unreadable event: acknowledged, not retried",
        messageId: "m0",
        reason: expect.stringContaining("body is not JSON"),
      }),
    );
    expect(lines).toContainEqual(
      expect.objectContaining({
        message: "permanent failure: reported, not retried",
        messageId: "m2",
        instanceId: id(2),
        reason: expect.stringContaining("InvalidPodCidrError"),
      }),
    );
    const metrics = lines.find((line) => "_aws" in line && "UnreadableEvents" in line);
    expect(metrics).toMatchObject({ UnreadableEvents: 2, InvalidPodCidrTags: 1, RoutesCreated: 2, FailedAwsCalls: 1 });
  });

  it("lets a sync in the batch cover every worker, and completes each launch action as its instance's outcome calls for", async () => {
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [instance(1), instance(5)] }] });
    ec2
      .on(DescribeInstancesCommand, { Filters: [{ Name: "instance-id", Values: [id(7)] }] })
      .resolves({ Reservations: [{ Instances: [instance(7, "10.200.1.0/24")] }] });
    ec2.on(DescribeRouteTablesCommand).resolves(emptyTable);
    ec2.on(CreateRouteCommand).resolves({});
    ec2.on(ModifyInstanceAttributeCommand).resolves({});
    autoScaling.on(CompleteLifecycleActionCommand).resolves({});
    const group = { group: "workers", hook: "pod-routes-launch" };

    const [launch5, launch7] = [lifecycleAction("launch", id(5), group), lifecycleAction("launch", id(7), group)];

    const answer = await createHandler({ ...SETTINGS, LAUNCH_FAILURE_RESULT: "ABANDON" })(
      batch(launch5, scheduled(), launch7),
    );

    expect(answer).toEqual({ batchItemFailures: [] });
    // The sync reads the workers; the one launch it does not show is read by id.
    expect(ec2.commandCalls(DescribeInstancesCommand)).toHaveLength(2);
    expect(ec2.commandCalls(DescribeRouteTablesCommand)).toHaveLength(1);
    expect(
      ec2
        .commandCalls(CreateRouteCommand)
        .map((call) => call.args[0].input.DestinationCidrBlock)
        .sort(),
    ).toEqual(["10.200.5.0/24"]);
    // i-7 claims i-1's block: a conflict, so its launch is abandoned; i-5 is routed and continues.
    expect(
      autoScaling
        .commandCalls(CompleteLifecycleActionCommand)
        .map((call) => [
          call.args[0].input.InstanceId ?? call.args[0].input.LifecycleActionToken,
          call.args[0].input.LifecycleActionResult,
        ]),
    ).toEqual([
      [expect.any(String), "CONTINUE"],
      [expect.any(String), "ABANDON"],
    ]);
  });

  it("leaves a launch action open and its message on the queue when its completion fails transiently", async () => {
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [instance(1)] }] });
    ec2.on(DescribeRouteTablesCommand).resolves(emptyTable);
    ec2.on(CreateRouteCommand).resolves({});
    autoScaling.on(CompleteLifecycleActionCommand).rejects(
      new AutoScalingServiceException({
        name: "ServiceUnavailable",
        message: "try again",
        $fault: "server",
        $metadata: { httpStatusCode: 503 },
      }),
    );

    const answer = await createHandler(SETTINGS)(
      batch(lifecycleAction("launch", id(1), { group: "workers", hook: "pod-routes" }), stateChange(id(1), "running")),
    );

    // m1, the same instance's state change, is done: the route is in place.
    expect(answer).toEqual({ batchItemFailures: [{ itemIdentifier: "m0" }] });
  });

  it("refuses what AWS did not write: a queued manual payload, a test notification; acknowledged, counted, nothing changed", async () => {
    const answer = await createHandler(SETTINGS)(
      batch({ action: "sync", dryRun: true }, { Event: "autoscaling:TEST_NOTIFICATION" }),
    );

    expect(answer).toEqual({ batchItemFailures: [] });
    expect(ec2.calls()).toHaveLength(0);
    const lines = logLines();
    for (const messageId of ["m0", "m1"])
      expect(lines).toContainEqual(
        expect.objectContaining({
          message: "refused: not an event pod-routes takes from its queue",
          messageId,
          reason: expect.stringContaining("not an event from AWS (no source)"),
        }),
      );
    expect(lines.find((line) => "_aws" in line)).toMatchObject({ RefusedEvents: 2, PermanentFailures: 2 });
  });

  it.each([
    ["another queue", { eventSourceARN: "arn:aws:sqs:us-east-1:123456789012:attacker.fifo" }, /not pod-routes' queue/],
    [
      "another message group",
      { attributes: { ApproximateReceiveCount: "1", MessageGroupId: "attacker" } },
      /message group "attacker"/,
    ],
  ])("refuses a record of %s, before any AWS call", async (_case, override, reason) => {
    const event = batch(stateChange(id(1), "terminated"));
    const answer = await createHandler({
      ...SETTINGS,
      EVENT_QUEUE_ARN: "arn:aws:sqs:us-east-1:123456789012:pod-routes.fifo",
      EVENT_MESSAGE_GROUP: "hard-k8s",
    })({ Records: [{ ...event.Records[0]!, ...override }] });

    expect(answer).toEqual({ batchItemFailures: [] });
    expect(ec2.calls()).toHaveLength(0);
    expect(logLines()).toContainEqual(
      expect.objectContaining({ outcome: "refused", reason: expect.stringMatching(reason) }),
    );
  });
});
