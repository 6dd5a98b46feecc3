import type { Context } from "aws-lambda";
import {
  CreateRouteCommand,
  DeleteRouteCommand,
  DescribeInstancesCommand,
  DescribeRouteTablesCommand,
  EC2Client,
  EC2ServiceException,
  ModifyInstanceAttributeCommand,
  ModifyNetworkInterfaceAttributeCommand,
  ReplaceRouteCommand,
  type Instance,
  type Route,
} from "@aws-sdk/client-ec2";
import { mockClient } from "aws-sdk-client-mock";
import { answerRouteQuota } from "../support/route-quota.js";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createHandler } from "../../functions/pod-routes/entry/handler.js";
import { scheduled, stateChange } from "../../scripts/cli/sample-events.js";

const ec2 = mockClient(EC2Client);
answerRouteQuota();
const WORKER = "i-0aaaaaaaaaaaaaaa1";
const TABLE = "rtb-0123456789abcdef0";
const SETTINGS = { AWS_REGION: "us-east-1", AWS_ACCESS_KEY_ID: "x", AWS_SECRET_ACCESS_KEY: "x" };

function awsError(code: string, message = code) {
  return new EC2ServiceException({ name: code, message, $fault: "client", $metadata: { httpStatusCode: 400 } });
}

function instance(overrides: Partial<Instance> = {}): Instance {
  return {
    InstanceId: WORKER,
    State: { Name: "running" },
    VpcId: "vpc-1",
    SubnetId: "subnet-1",
    SourceDestCheck: false,
    Tags: [{ Key: "pod-cidr", Value: "10.200.1.0/24" }],
    NetworkInterfaces: [{ NetworkInterfaceId: "eni-0aaaaaaaaaaaaaaa1", Attachment: { DeviceIndex: 0 } }],
    ...overrides,
  };
}

function routeTable(routes: Route[], id = TABLE) {
  return {
    RouteTables: [
      {
        RouteTableId: id,
        VpcId: "vpc-1",
        Associations: [{ Main: false, SubnetId: "subnet-1" }],
        Routes: [{ DestinationCidrBlock: "10.240.0.0/16", GatewayId: "local", State: "active" as const }, ...routes],
      },
    ],
  };
}

const describes = (...instances: Instance[]) => ({ Reservations: [{ Instances: instances }] });
const handler = (settings: Record<string, string> = {}) =>
  createHandler({ ...SETTINGS, ROUTE_TABLE_IDS: TABLE, ...settings });

beforeEach(() => ec2.reset());

describe("when the route table changes under pod-routes", () => {
  it("re-reads after RouteAlreadyExists and keeps a route that a duplicate delivery already created", async () => {
    ec2.on(DescribeInstancesCommand).resolves(describes(instance()));
    ec2
      .on(DescribeRouteTablesCommand)
      .resolvesOnce(routeTable([]))
      .resolves(routeTable([{ DestinationCidrBlock: "10.200.1.0/24", InstanceId: WORKER, State: "active" }]));
    ec2.on(CreateRouteCommand).rejects(awsError("RouteAlreadyExists"));

    const summary = await handler()(stateChange(WORKER, "running"));

    expect(summary.tables[0]!.decisions).toEqual([
      expect.objectContaining({
        action: "keep",
        applied: false,
        reason: expect.stringContaining("RouteAlreadyExists"),
      }),
    ]);
    expect(ec2.commandCalls(CreateRouteCommand)).toHaveLength(1);
    expect(ec2.commandCalls(DescribeRouteTablesCommand)).toHaveLength(2);
    expect(ec2.commandCalls(ReplaceRouteCommand)).toHaveLength(0);
  });

  it("re-reads after RouteAlreadyExists and refuses to take the CIDR from an instance that appeared meanwhile", async () => {
    ec2.on(DescribeInstancesCommand).resolves(describes(instance()));
    ec2
      .on(DescribeRouteTablesCommand)
      .resolvesOnce(routeTable([]))
      .resolves(
        routeTable([{ DestinationCidrBlock: "10.200.1.0/24", InstanceId: "i-0bbbbbbbbbbbbbbb2", State: "active" }]),
      );
    ec2.on(CreateRouteCommand).rejects(awsError("RouteAlreadyExists"));

    const summary = await handler()(stateChange(WORKER, "running"));

    expect(summary.failures).toEqual([
      {
        kind: "conflict",
        instanceIds: [WORKER],
        message: expect.stringContaining(
          "routes to instance i-0bbbbbbbbbbbbbbb2, which pod-routes knows nothing of; i-0aaaaaaaaaaaaaaa1 claims it too",
        ),
      },
    ]);
    expect(ec2.commandCalls(ReplaceRouteCommand)).toHaveLength(0);
  });

  it("creates the route when the route it meant to replace has vanished", async () => {
    ec2
      .on(DescribeInstancesCommand, { Filters: [{ Name: "instance-id", Values: [WORKER] }] })
      .resolves(describes(instance()));
    ec2
      .on(DescribeInstancesCommand, { Filters: [{ Name: "instance-id", Values: ["i-0ddddddddddddddd4"] }] })
      .resolves(describes());
    ec2
      .on(DescribeRouteTablesCommand)
      .resolvesOnce(
        routeTable([{ DestinationCidrBlock: "10.200.1.0/24", InstanceId: "i-0ddddddddddddddd4", State: "blackhole" }]),
      )
      .resolves(routeTable([]));
    ec2
      .on(ReplaceRouteCommand)
      .rejects(awsError("InvalidParameterValue", "There is no route defined for '10.200.1.0/24' in the route table."));
    ec2.on(CreateRouteCommand).resolves({});

    const summary = await handler()(stateChange(WORKER, "running"));

    expect(summary.tables[0]!.decisions).toEqual([expect.objectContaining({ action: "create", applied: true })]);
    expect(ec2.commandCalls(CreateRouteCommand)[0]!.args[0].input).toEqual({
      RouteTableId: TABLE,
      DestinationCidrBlock: "10.200.1.0/24",
      InstanceId: WORKER,
    });
  });

  it("treats a route already deleted as done", async () => {
    ec2.on(DescribeInstancesCommand).resolves(describes(instance({ State: { Name: "terminated" } })));
    ec2
      .on(DescribeRouteTablesCommand)
      .resolvesOnce(routeTable([{ DestinationCidrBlock: "10.200.1.0/24", InstanceId: WORKER, State: "active" }]))
      .resolves(routeTable([]));
    ec2.on(DeleteRouteCommand).rejects(awsError("InvalidRoute.NotFound"));

    const summary = await handler()(stateChange(WORKER, "terminated"));

    expect(summary.failures).toEqual([]);
    expect(ec2.commandCalls(DeleteRouteCommand)).toHaveLength(1);
  });
});

describe("the order of work", () => {
  it("finishes each worker (route, then source/dest check) in turn, and deletes last", async () => {
    const workers = Array.from({ length: 6 }, (_, n) =>
      instance({
        InstanceId: `i-0${String(n).padStart(16, "0")}`,
        Tags: [{ Key: "pod-cidr", Value: `10.200.${n}.0/24` }],
        SourceDestCheck: true,
      }),
    );
    const stale = [7, 8, 9].map((n) => ({
      DestinationCidrBlock: `10.200.${n}.0/24`,
      InstanceId: `i-0${String(n).repeat(16)}`,
      State: "blackhole" as const,
    }));
    ec2.on(DescribeInstancesCommand).resolves(describes(...workers));
    ec2.on(DescribeRouteTablesCommand).resolves(routeTable(stale));
    ec2.on(CreateRouteCommand).resolves({});
    ec2.on(DeleteRouteCommand).resolves({});
    ec2.on(ModifyInstanceAttributeCommand).resolves({});

    await handler()(scheduled());

    const calls = ec2.calls().map((call) => {
      const input = call.args[0].input as { InstanceId?: string; DestinationCidrBlock?: string };
      return `${call.args[0].constructor.name.replace("Command", "")} ${input.InstanceId ?? input.DestinationCidrBlock}`;
    });
    for (const { InstanceId: id } of workers) {
      expect(calls.indexOf(`CreateRoute ${id}`)).toBeGreaterThanOrEqual(0);
      expect(calls.indexOf(`ModifyInstanceAttribute ${id}`)).toBeGreaterThan(calls.indexOf(`CreateRoute ${id}`));
    }
    // Not all routes first and all checks after: the first worker is finished before the last is begun.
    expect(calls.indexOf(`ModifyInstanceAttribute ${workers[0]!.InstanceId}`)).toBeLessThan(
      calls.indexOf(`CreateRoute ${workers[5]!.InstanceId}`),
    );
    const lastCreate = Math.max(...calls.flatMap((call, i) => (call.startsWith("CreateRoute") ? [i] : [])));
    const firstDelete = calls.findIndex((call) => call.startsWith("DeleteRoute"));
    expect(firstDelete).toBeGreaterThan(lastCreate);
    expect(calls.filter((call) => call.startsWith("DeleteRoute"))).toHaveLength(3);
  });
});

describe("failures that need a person", () => {
  it("names the route-table quota and how to raise it when the table is full", async () => {
    ec2.on(DescribeInstancesCommand).resolves(describes(instance()));
    ec2.on(DescribeRouteTablesCommand).resolves(routeTable([]));
    ec2
      .on(CreateRouteCommand)
      .rejects(awsError("RouteLimitExceeded", "The maximum number of routes has been reached."));

    // A delivered event reports it and succeeds; a manual invoke fails with it.
    const summary = await handler()(stateChange(WORKER, "running"));
    const failure = handler()({ action: "add", instanceId: WORKER });

    const quota = /Routes per route table" quota \(Amazon VPC, L-93826ACB\).*Service Quotas/;
    expect(summary.failures).toEqual([
      { kind: "route-limit", instanceIds: [WORKER], message: expect.stringMatching(quota) },
    ]);
    await expect(failure).rejects.toMatchObject({ name: "ReconcileFailedError" });
    await expect(failure).rejects.toThrow(quota);
  });

  it("stops creating in a table once EC2 says it is full, and reports it once with the counts held and needed", async () => {
    const workers = Array.from({ length: 20 }, (_, n) =>
      instance({
        InstanceId: `i-0${String(n).padStart(16, "0")}`,
        Tags: [{ Key: "pod-cidr", Value: `10.200.${n}.0/24` }],
        SourceDestCheck: true,
      }),
    );
    ec2.on(ModifyInstanceAttributeCommand).resolves({});
    ec2.on(DescribeInstancesCommand).resolves(describes(...workers));
    ec2.on(DescribeRouteTablesCommand).resolves(routeTable([]));
    ec2
      .on(CreateRouteCommand)
      .resolvesOnce({})
      .resolvesOnce({})
      .rejects(awsError("RouteLimitExceeded", "The maximum number of routes has been reached."));

    const summary = await handler()(scheduled());

    // Two created; the calls in flight when the table filled may fail too; none is tried after.
    expect(ec2.commandCalls(CreateRouteCommand).length).toBeLessThanOrEqual(2 + 4);
    expect(summary.failures).toEqual([
      {
        kind: "route-limit",
        instanceIds: workers.slice(2).map((w) => w.InstanceId),
        message: expect.stringContaining(
          `${TABLE} is full: the "Routes per route table" quota (Amazon VPC, L-93826ACB) allows 2 routes here, ` +
            "and 20 are needed (18 pod routes not created); request an increase to at least 20",
        ),
      },
    ]);
    // The two routed workers are finished: their source/dest checks follow their routes.
    expect(ec2.commandCalls(ModifyInstanceAttributeCommand)).toHaveLength(2);
  });

  it("keeps converging the other routes when one change fails, then fails listing it", async () => {
    const second = instance({ InstanceId: "i-0bbbbbbbbbbbbbbb2", Tags: [{ Key: "pod-cidr", Value: "10.200.2.0/24" }] });
    ec2.on(DescribeInstancesCommand).resolves(describes(instance(), second));
    ec2.on(DescribeRouteTablesCommand).resolves(routeTable([]));
    ec2.on(CreateRouteCommand, { DestinationCidrBlock: "10.200.1.0/24" }).rejects(awsError("InternalError", "boom"));
    ec2.on(CreateRouteCommand, { DestinationCidrBlock: "10.200.2.0/24" }).resolves({});

    await expect(handler()({ action: "sync" })).rejects.toThrow(
      "1 failure(s); everything else converged:\n- create 10.200.1.0/24 in rtb-0123456789abcdef0: InternalError: boom",
    );
    expect(
      ec2
        .commandCalls(CreateRouteCommand)
        .map((call) => call.args[0].input.DestinationCidrBlock)
        .sort(),
    ).toEqual(["10.200.1.0/24", "10.200.2.0/24"]);
  });
});

describe("finding tables and targets", () => {
  it("finds a vanished instance's routes by their target when no table is configured", async () => {
    ec2.on(DescribeInstancesCommand).resolves(describes());
    ec2
      .on(DescribeRouteTablesCommand, { Filters: [{ Name: "route.instance-id", Values: [WORKER] }] })
      .resolves(routeTable([{ DestinationCidrBlock: "10.200.1.0/24", InstanceId: WORKER, State: "blackhole" }]));
    ec2.on(DeleteRouteCommand).resolves({});

    await createHandler(SETTINGS)(stateChange(WORKER, "terminated"));

    expect(ec2.commandCalls(DeleteRouteCommand)[0]!.args[0].input).toEqual({
      RouteTableId: TABLE,
      DestinationCidrBlock: "10.200.1.0/24",
    });
  });

  it("asks about the instance behind an ENI route by the instance id EC2 gives with it", async () => {
    ec2
      .on(DescribeInstancesCommand, { Filters: [{ Name: "instance-id", Values: [WORKER] }] })
      .resolves(describes(instance()));
    ec2
      .on(DescribeInstancesCommand, { Filters: [{ Name: "instance-id", Values: ["i-0ccccccccccccccc3"] }] })
      .resolves(describes(instance({ InstanceId: "i-0ccccccccccccccc3", State: { Name: "terminated" } })));
    ec2.on(DescribeRouteTablesCommand).resolves(
      routeTable([
        {
          DestinationCidrBlock: "10.200.1.0/24",
          NetworkInterfaceId: "eni-0ccccccccccccccc3",
          InstanceId: "i-0ccccccccccccccc3",
          State: "active",
        },
      ]),
    );
    ec2.on(ReplaceRouteCommand).resolves({});

    const summary = await handler()(stateChange(WORKER, "running"));

    expect(summary.tables[0]!.decisions).toEqual([
      expect.objectContaining({ action: "replace", previousTarget: "i-0ccccccccccccccc3" }),
    ]);
  });

  it.each([
    ["active: something other than an instance holds it, a conflict", "active", "conflict"],
    ["blackhole: detached, replaced", "blackhole", "replace"],
  ] as const)("treats a route to a bare ENI — %s", async (_case, state, action) => {
    ec2.on(DescribeInstancesCommand).resolves(describes(instance()));
    ec2
      .on(DescribeRouteTablesCommand)
      .resolves(
        routeTable([
          { DestinationCidrBlock: "10.200.1.0/24", NetworkInterfaceId: "eni-0ccccccccccccccc3", State: state },
        ]),
      );
    ec2.on(ReplaceRouteCommand).resolves({});

    const run = handler()(stateChange(WORKER, "running"));

    if (action === "conflict")
      await expect(run).resolves.toMatchObject({
        failures: [
          {
            kind: "conflict",
            message: expect.stringMatching(
              /routes to network interface eni-0ccccccccccccccc3, which belongs to no instance pod-routes knows/,
            ),
          },
        ],
      });
    else
      await expect(run).resolves.toMatchObject({
        tables: [{ decisions: [{ action: "replace", previousTarget: "eni-0ccccccccccccccc3" }] }],
      });
    expect(ec2.commandCalls(DescribeInstancesCommand)).toHaveLength(1);
  });
});

describe("source/dest check", () => {
  it("is not touched when EC2 already shows it off", async () => {
    ec2.on(DescribeInstancesCommand).resolves(describes(instance({ SourceDestCheck: false })));
    ec2.on(DescribeRouteTablesCommand).resolves(routeTable([]));
    ec2.on(CreateRouteCommand).resolves({});

    await handler()(stateChange(WORKER, "running"));

    expect(ec2.commandCalls(ModifyInstanceAttributeCommand)).toHaveLength(0);
  });

  it("is turned off on the primary ENI of a multi-homed worker", async () => {
    const multi = instance({
      NetworkInterfaces: [
        { NetworkInterfaceId: "eni-0aaaaaaaaaaaaaaa1", Attachment: { DeviceIndex: 0 }, SourceDestCheck: true },
        { NetworkInterfaceId: "eni-0aaaaaaaaaaaaaaa2", Attachment: { DeviceIndex: 1 }, SourceDestCheck: true },
      ],
    });
    ec2.on(DescribeInstancesCommand).resolves(describes(multi));
    ec2.on(DescribeRouteTablesCommand).resolves(routeTable([]));
    ec2.on(CreateRouteCommand).resolves({});
    ec2.on(ModifyNetworkInterfaceAttributeCommand).resolves({});

    await handler()(stateChange(WORKER, "running"));

    expect(ec2.commandCalls(CreateRouteCommand)[0]!.args[0].input).toMatchObject({
      NetworkInterfaceId: "eni-0aaaaaaaaaaaaaaa1",
    });
    expect(ec2.commandCalls(ModifyNetworkInterfaceAttributeCommand)[0]!.args[0].input).toEqual({
      NetworkInterfaceId: "eni-0aaaaaaaaaaaaaaa1",
      SourceDestCheck: { Value: false },
    });
    expect(ec2.commandCalls(ModifyInstanceAttributeCommand)).toHaveLength(0);
  });

  it("is left on with SOURCE_DEST_CHECK=leave", async () => {
    ec2.on(DescribeInstancesCommand).resolves(describes(instance({ SourceDestCheck: true })));
    ec2.on(DescribeRouteTablesCommand).resolves(routeTable([]));
    ec2.on(CreateRouteCommand).resolves({});

    const summary = await handler({ SOURCE_DEST_CHECK: "leave" })(stateChange(WORKER, "running"));

    expect(summary.instanceChanges).toEqual([]);
    expect(ec2.commandCalls(ModifyInstanceAttributeCommand)).toHaveLength(0);
  });
});

describe("logs and metrics", () => {
  const written: string[] = [];
  beforeEach(() => {
    written.length = 0;
    vi.stubEnv("POWERTOOLS_LOG_LEVEL", "INFO");
    vi.stubEnv("POWERTOOLS_METRICS_DISABLED", "false");
    vi.spyOn(process.stdout, "write").mockImplementation((chunk) => (written.push(String(chunk)), true));
    // Error lines go to stderr: read with the rest, and kept out of the test output.
    vi.spyOn(process.stderr, "write").mockImplementation((chunk) => (written.push(String(chunk)), true));
  });
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  it("log each decision as JSON with instance, table, CIDR, action, reason, the event id and the replay name", async () => {
    ec2.on(DescribeInstancesCommand).resolves(describes(instance()));
    ec2.on(DescribeRouteTablesCommand).resolves(routeTable([]));
    ec2.on(CreateRouteCommand).resolves({});

    await handler()(stateChange(WORKER, "running", { id: "evt-42", replayName: "replay-7" }));

    const entries = written
      .flatMap((line) => line.split("\n"))
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(entries.find((entry) => entry["message"] === "route decision")).toMatchObject({
      level: "INFO",
      service: "pod-routes",
      eventId: "evt-42",
      replayName: "replay-7",
      instanceId: WORKER,
      routeTableId: TABLE,
      cidr: "10.200.1.0/24",
      action: "create",
      reason: `${WORKER} is running and has no route`,
      applied: true,
    });
  });

  it("name a direct invocation's caller where Lambda gives one, and where to look where it does not", async () => {
    ec2.on(DescribeInstancesCommand).resolves(describes(instance()));
    ec2.on(DescribeRouteTablesCommand).resolves(routeTable([]));
    ec2.on(CreateRouteCommand).resolves({});
    const context = {
      functionName: "pod-routes",
      awsRequestId: "req-1",
      getRemainingTimeInMillis: () => 60_000,
      identity: { cognitoIdentityId: "us-east-1:operator-7", cognitoIdentityPoolId: "us-east-1:pool" },
    } as unknown as Context;

    await handler()({ action: "reconcile", instanceId: WORKER }, context);
    await handler()({ action: "reconcile", instanceId: WORKER });

    const invocations = written
      .flatMap((line) => line.split("\n"))
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((entry) => entry["message"] === "direct invocation");
    expect(invocations.map((entry) => [entry["trigger"], entry["caller"]])).toEqual([
      ["manual", { cognitoIdentityId: "us-east-1:operator-7", cognitoIdentityPoolId: "us-east-1:pool" }],
      ["manual", "not given by Lambda: CloudTrail's Invoke data events record it"],
    ]);
  });

  it("publish what an invocation did as CloudWatch metrics (EMF), and failures by kind", async () => {
    ec2.on(DescribeInstancesCommand).resolves(describes(instance()));
    ec2.on(DescribeRouteTablesCommand).resolves(routeTable([]));
    ec2.on(CreateRouteCommand).resolves({});
    await handler()(stateChange(WORKER, "running"));
    await expect(handler()({ source: "aws.s3" })).rejects.toThrow();

    const entries = written
      .flatMap((line) => line.split("\n"))
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, any>);
    const emf = entries.filter((entry) => entry["_aws"]);
    expect(emf.find((entry) => "RoutesCreated" in entry)).toMatchObject({
      service: "pod-routes",
      RoutesCreated: 1,
      _aws: { CloudWatchMetrics: [{ Namespace: "PodRoutes" }] },
    });
    expect(emf.find((entry) => "Errors" in entry)).toMatchObject({ ErrorKind: "UnsupportedEventError", Errors: 1 });
  });

  it("publish each table's headroom under the route quota, by table, as the alarm reads it; a nearly full one warned of", async () => {
    const routed: Route[] = Array.from({ length: 40 }, (_, n) => ({
      DestinationCidrBlock: `10.201.${n}.0/24`,
      GatewayId: "vgw-0123456789abcdef0",
      Origin: "CreateRoute",
      State: "active",
    }));
    ec2.on(DescribeInstancesCommand).resolves(describes(instance()));
    ec2.on(DescribeRouteTablesCommand).resolves(routeTable(routed));
    ec2.on(CreateRouteCommand).resolves({});

    const summary = await handler()(stateChange(WORKER, "running"));

    const entries = written
      .flatMap((line) => line.split("\n"))
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, any>);
    expect(summary.tables[0]?.headroom).toEqual({ routes: 41, limit: 50, free: 9, utilization: 82 });
    expect(entries.filter((entry) => "RouteTableUtilization" in entry)).toEqual([
      expect.objectContaining({
        service: "pod-routes",
        RouteTableId: TABLE,
        AddressFamily: "IPv4",
        RouteTableUtilization: 82,
        _aws: expect.objectContaining({
          CloudWatchMetrics: [
            expect.objectContaining({
              Namespace: "PodRoutes",
              Dimensions: [["service", "RouteTableId", "AddressFamily"]],
            }),
          ],
        }),
      }),
    ]);
    expect(entries.find((entry) => "RouteTableHeadroom" in entry)).toMatchObject({ RouteTableHeadroom: 9 });
    expect(entries.find((entry) => entry["message"] === "route table nearly full")).toMatchObject({
      level: "WARN",
      routeTableId: TABLE,
      routes: 41,
      limit: 50,
      fix: expect.stringContaining("L-93826ACB"),
    });
  });

  it("report a delivered event's permanent failure at error level and as PermanentFailures, the alarm's metric", async () => {
    const badTag = instance({ Tags: [{ Key: "pod-cidr", Value: "banana" }] });
    ec2.on(DescribeInstancesCommand).resolves(describes(badTag));
    ec2.on(DescribeRouteTablesCommand).resolves(routeTable([]));

    const summary = await handler()(stateChange(WORKER, "running"));

    const entries = written
      .flatMap((line) => line.split("\n"))
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, any>);
    expect(summary.failures).toEqual([
      { kind: "invalid-pod-cidr", instanceIds: [WORKER], message: expect.stringContaining("banana") },
    ]);
    expect(entries.find((entry) => entry["message"] === "permanent failure: reported, not retried")).toMatchObject({
      level: "ERROR",
      failureKind: "invalid-pod-cidr",
      failure: expect.stringContaining(`instance ${WORKER}: tag pod-cidr="banana"`),
    });
    // The template's alarm watches exactly this metric, namespace and dimension.
    expect(entries.find((entry) => entry["_aws"])).toMatchObject({
      service: "pod-routes",
      PermanentFailures: 1,
      _aws: { CloudWatchMetrics: [{ Namespace: "PodRoutes", Dimensions: [["service"]] }] },
    });
  });
});
