import {
  AutoScalingClient,
  AutoScalingServiceException,
  CompleteLifecycleActionCommand,
} from "@aws-sdk/client-auto-scaling";
import {
  CreateRouteCommand,
  CreateTagsCommand,
  DescribeInstancesCommand,
  DescribeRouteTablesCommand,
  EC2Client,
  EC2ServiceException,
  type Instance,
  type Route,
} from "@aws-sdk/client-ec2";
import { mockClient } from "aws-sdk-client-mock";
import { answerRouteQuota } from "../support/route-quota.js";
import { beforeEach, describe, expect, it } from "vitest";
import { createHandler } from "../../functions/pod-routes/entry/handler.js";
import { lifecycleAction } from "../../scripts/cli/sample-events.js";
import { instantClock } from "../support/clock.js";

const ec2 = mockClient(EC2Client);
answerRouteQuota();
const autoScaling = mockClient(AutoScalingClient);
const WORKER = "i-0aaaaaaaaaaaaaaa1";
const TABLE = "rtb-0123456789abcdef0";
const TOKEN = "11111111-2222-3333-4444-555555555555";
const SETTINGS = {
  AWS_REGION: "us-east-1",
  AWS_ACCESS_KEY_ID: "x",
  AWS_SECRET_ACCESS_KEY: "x",
  ROUTE_TABLE_IDS: TABLE,
};

const ec2Error = (code: string) =>
  new EC2ServiceException({ name: code, message: code, $fault: "server", $metadata: {} });
const asError = (code: string, message: string) =>
  new AutoScalingServiceException({ name: code, message, $fault: "client", $metadata: {} });

function instance(tags: Record<string, string> = { "pod-cidr": "10.200.1.0/24" }, state = "pending"): Instance {
  return {
    InstanceId: WORKER,
    State: { Name: state as "pending" },
    VpcId: "vpc-1",
    SubnetId: "subnet-1",
    SourceDestCheck: false,
    // Launched by the group its lifecycle actions name, as Auto Scaling tags its instances.
    Tags: Object.entries({ ...tags, "aws:autoscaling:groupName": "workers" }).map(([Key, Value]) => ({ Key, Value })),
    NetworkInterfaces: [{ NetworkInterfaceId: "eni-1", Attachment: { DeviceIndex: 0 } }],
  };
}

function table(routes: Route[] = []) {
  return {
    RouteTables: [
      {
        RouteTableId: TABLE,
        VpcId: "vpc-1",
        Routes: [{ DestinationCidrBlock: "10.240.0.0/16", GatewayId: "local" }, ...routes],
      },
    ],
  };
}

const launch = (token: string | undefined = TOKEN) =>
  lifecycleAction("launch", WORKER, { group: "workers", hook: "pod-routes-launch", ...(token ? { token } : {}) });
const terminate = (destination?: string) =>
  lifecycleAction("terminate", WORKER, { group: "workers", hook: "pod-routes-terminate", token: TOKEN, destination });
const completions = () => autoScaling.commandCalls(CompleteLifecycleActionCommand).map((call) => call.args[0].input);

beforeEach(() => {
  ec2.reset();
  autoScaling.reset();
  autoScaling.on(CompleteLifecycleActionCommand).resolves({});
});

describe("completing a launch action", () => {
  it("continues once the route is in place, naming group, hook and token", async () => {
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [instance()] }] });
    ec2.on(DescribeRouteTablesCommand).resolves(table());
    ec2.on(CreateRouteCommand).resolves({});

    const summary = await createHandler(SETTINGS)(launch());

    expect(completions()).toEqual([
      {
        AutoScalingGroupName: "workers",
        LifecycleHookName: "pod-routes-launch",
        LifecycleActionResult: "CONTINUE",
        LifecycleActionToken: TOKEN,
      },
    ]);
    // The summary, returned and logged, carries only the token's first characters.
    expect(JSON.stringify(summary)).not.toContain(TOKEN);
    expect(summary.request).toMatchObject({ token: `${TOKEN.slice(0, 8)}…` });
  });

  it("names the instance when the action carries no token", async () => {
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [instance()] }] });
    ec2.on(DescribeRouteTablesCommand).resolves(table([{ DestinationCidrBlock: "10.200.1.0/24", InstanceId: WORKER }]));
    const event = launch();
    delete (event.detail as Partial<typeof event.detail>).LifecycleActionToken;

    await createHandler(SETTINGS)(event);

    expect(completions()).toEqual([
      {
        AutoScalingGroupName: "workers",
        LifecycleHookName: "pod-routes-launch",
        LifecycleActionResult: "CONTINUE",
        InstanceId: WORKER,
      },
    ]);
  });

  it("abandons once on a permanent failure (a conflict) and reports it; the invocation succeeds", async () => {
    ec2.on(DescribeInstancesCommand).resolves({
      Reservations: [{ Instances: [{ ...instance(), InstanceId: "i-0bbbbbbbbbbbbbbb2", State: { Name: "running" } }] }],
    });
    ec2
      .on(DescribeInstancesCommand, { Filters: [{ Name: "instance-id", Values: [WORKER] }] })
      .resolves({ Reservations: [{ Instances: [instance()] }] });
    ec2
      .on(DescribeRouteTablesCommand)
      .resolves(table([{ DestinationCidrBlock: "10.200.1.0/24", InstanceId: "i-0bbbbbbbbbbbbbbb2" }]));

    const summary = await createHandler(SETTINGS)(launch());

    expect(summary.failures).toEqual([
      {
        kind: "conflict",
        instanceIds: [WORKER],
        message: expect.stringMatching(/routes to live worker i-0bbbbbbbbbbbbbbb2/),
      },
    ]);
    expect(summary.lifecycle).toEqual({ result: "ABANDON", completion: "completed" });

    expect(completions()).toEqual([
      expect.objectContaining({ LifecycleActionResult: "ABANDON", LifecycleActionToken: TOKEN }),
    ]);
  });

  it.each([
    [
      "the route cannot be created (5xx)",
      () => ec2.on(CreateRouteCommand).rejects(ec2Error("InternalError")),
      "ReconcileFailedError",
    ],
    [
      "EC2 does not show the instance yet",
      () => ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] }),
      "InstanceNotVisibleError",
    ],
  ])("leaves the action open for the retry when %s", async (_case, arrange, name) => {
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [instance()] }] });
    ec2.on(DescribeRouteTablesCommand).resolves(table());
    arrange();

    await expect(createHandler(SETTINGS, instantClock)(launch())).rejects.toMatchObject({ name });

    expect(completions()).toEqual([]);
  });

  it("fails when completion fails for another reason than an action no longer active", async () => {
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [instance()] }] });
    ec2.on(DescribeRouteTablesCommand).resolves(table([{ DestinationCidrBlock: "10.200.1.0/24", InstanceId: WORKER }]));
    autoScaling
      .on(CompleteLifecycleActionCommand)
      .rejects(asError("ValidationError", "No Lifecycle Hook found with name pod-routes-launch"));

    await expect(createHandler(SETTINGS)(launch())).rejects.toThrow("No Lifecycle Hook found");
  });

  it("completes nothing in a dry run", async () => {
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [instance()] }] });
    ec2.on(DescribeRouteTablesCommand).resolves(table());

    const summary = await createHandler({ ...SETTINGS, DRY_RUN: "true" })(launch());

    expect(summary.lifecycle).toEqual({ result: "CONTINUE", completion: "planned" });
    expect(completions()).toEqual([]);
    expect(ec2.commandCalls(CreateRouteCommand)).toHaveLength(0);
  });
});

describe("completing a terminate action", () => {
  it.each([undefined, "WarmPool"])(
    "continues at once and leaves the route, the instance still running (destination %s)",
    async (destination) => {
      const summary = await createHandler(SETTINGS)(terminate(destination));

      expect(completions()).toEqual([
        {
          AutoScalingGroupName: "workers",
          LifecycleHookName: "pod-routes-terminate",
          LifecycleActionResult: "CONTINUE",
          LifecycleActionToken: TOKEN,
        },
      ]);
      expect(summary).toMatchObject({ tables: [], lifecycle: { result: "CONTINUE", completion: "completed" } });
      expect(ec2.calls()).toHaveLength(0);
    },
  );
});

describe("other hooks' actions", () => {
  it.each([
    ["a drain hook of a node-termination handler", "nth-drain", {}],
    ["a hook outside LIFECYCLE_HOOK_NAMES", "pod-routes-launch", { LIFECYCLE_HOOK_NAMES: "routes-*" }],
  ])("ignores %s: never completed, no AWS call", async (_name, hook, settings) => {
    const action = lifecycleAction("launch", WORKER, { group: "workers", hook, token: TOKEN });

    const summary = await createHandler({ ...SETTINGS, ...settings })(action);

    expect(summary.ignored).toMatch(/is not one of LIFECYCLE_HOOK_NAMES/);
    expect(completions()).toEqual([]);
    expect(ec2.calls()).toHaveLength(0);
  });
});

describe("old and warm-pool launch actions", () => {
  it.each([
    ["replayed from an archive", { "replay-name": "r1" }],
    ["older than any hook waits", { time: "2026-01-01T00:00:00Z" }],
  ])("acknowledges a launch %s for an instance that is gone: no ABANDON, no route, success", async (_n, extra) => {
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });

    const summary = await createHandler(SETTINGS)({ ...launch(), ...extra });

    expect(summary.ignored).toMatch(/launch action is no longer active/);
    expect(completions()).toEqual([]);
  });

  it("retries, never abandons, a launch out of the warm pool while EC2 still shows the instance stopped", async () => {
    ec2
      .on(DescribeInstancesCommand)
      .resolves({ Reservations: [{ Instances: [instance({ "pod-cidr": "10.200.1.0/24" }, "stopped")] }] });
    const action = lifecycleAction("launch", WORKER, {
      group: "workers",
      hook: "pod-routes-launch",
      token: TOKEN,
    });

    await expect(
      createHandler(SETTINGS, instantClock)({ ...action, detail: { ...action.detail, Origin: "WarmPool" } }),
    ).rejects.toMatchObject({ name: "InstanceNotReadyError" });
    expect(completions()).toEqual([]);
  });
});

describe("allocation", () => {
  const allocating = { ...SETTINGS, ALLOCATE_POD_CIDR: "true" };

  it("adopts a block already routed to the instance (a retry after tagging failed) instead of claiming another", async () => {
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [instance({})] }] });
    ec2.on(DescribeRouteTablesCommand).resolves(table([{ DestinationCidrBlock: "10.200.7.0/24", InstanceId: WORKER }]));
    ec2.on(CreateTagsCommand).resolves({});

    const summary = await createHandler(allocating)(launch());

    expect(summary.allocation).toEqual({ cidr: "10.200.7.0/24", routeTableId: TABLE, how: "adopted" });
    expect(ec2.commandCalls(CreateRouteCommand)).toHaveLength(0);
    expect(ec2.commandCalls(CreateTagsCommand)[0]!.args[0].input).toEqual({
      Resources: [WORKER],
      Tags: [{ Key: "pod-cidr", Value: "10.200.7.0/24" }],
    });
    expect(completions()).toEqual([expect.objectContaining({ LifecycleActionResult: "CONTINUE" })]);
  });

  it("leaves the action open when tagging fails, so the retry adopts the claimed block", async () => {
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [instance({})] }] });
    ec2.on(DescribeRouteTablesCommand).resolves(table());
    ec2.on(CreateRouteCommand).resolves({});
    ec2.on(CreateTagsCommand).rejects(ec2Error("InternalError"));

    await expect(createHandler(allocating)(launch())).rejects.toThrow("InternalError");

    expect(ec2.commandCalls(CreateRouteCommand)[0]!.args[0].input).toMatchObject({
      DestinationCidrBlock: "10.200.0.0/24",
    });
    expect(completions()).toEqual([]);
  });

  it("does not allocate for an instance outside CLUSTER_TAG: the launch is abandoned", async () => {
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [instance({})] }] });

    const summary = await createHandler({ ...allocating, CLUSTER_TAG: "cluster=a" })(launch());

    expect(summary.failures).toEqual([
      {
        kind: "not-a-worker",
        instanceIds: [expect.stringMatching(/^i-/)],
        message: expect.stringMatching(/^NotAWorkerError: i-\w+ has no pod-cidr tag/),
      },
    ]);

    expect(ec2.commandCalls(CreateRouteCommand)).toHaveLength(0);
    expect(completions()).toEqual([expect.objectContaining({ LifecycleActionResult: "ABANDON" })]);
  });
});
