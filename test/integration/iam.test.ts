import {
  AttachNetworkInterfaceCommand,
  CreateNetworkInterfaceCommand,
  CreateTagsCommand,
  DescribeInstancesCommand,
  DescribeNetworkInterfacesCommand,
  DescribeRouteTablesCommand,
  TerminateInstancesCommand,
} from "@aws-sdk/client-ec2";
import { runSimulation } from "@cloud-copilot/iam-simulate";
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { lifecycleAction, scheduled, stateChange } from "../../scripts/cli/sample-events.js";
import { bundledHandler } from "../support/bundle.js";
import { resolveTemplate } from "../support/cfn.js";
import { buildTutorialNetwork, launchWorker } from "../../scripts/emulator/network.js";
import { buildWorkerGroup } from "../../scripts/emulator/worker-group.js";
import type { RecordedCall } from "../support/recording-proxy.js";
import { autoScaling, ec2, handlerRequests } from "../support/moto-harness.js";

const ACCOUNT = "123456789012";
const REGION = "us-east-1";
const root = resolve(import.meta.dirname, "../..");
const KEY = "arn:aws:kms:us-east-1:123456789012:key/0a1b2c3d-1111-2222-3333-444455556666";
const arn = (service: string, resource: string) => `arn:aws:${service}:${REGION}:${ACCOUNT}:${resource}`;

/** The function role's policies, as IAM sees them for a stack with these parameters. */
async function rolePolicies(parameters: Record<string, string>): Promise<unknown[]> {
  const { stdout } = await promisify(execFile)(process.env["MOTO_PYTHON"] ?? "python3", [
    resolve(root, "test/support/sam_transform.py"),
    resolve(root, "infra/template.yaml"),
    JSON.stringify(parameters),
  ]);
  const cfn = resolveTemplate(JSON.parse(stdout) as Record<string, unknown>, parameters, {
    pseudo: { partition: "aws", region: REGION, accountId: ACCOUNT },
    attributes: {
      "LogGroup.Arn": arn("logs", "log-group:/aws/lambda/pod-routes/pod-routes:*"),
      "EventQueue.Arn": arn("sqs", "pod-routes-EventQueue.fifo"),
      "FailureQueue.Arn": arn("sqs", "pod-routes-FailureQueue"),
    },
  });
  const policies = cfn["Resources"]["PodRoutesFunctionRole"]["Properties"]["Policies"] as Array<{
    PolicyDocument: unknown;
  }>;
  // A policy the template writes as JSON text reaches IAM as that text.
  return policies.map(({ PolicyDocument: document }) =>
    typeof document === "string" ? (JSON.parse(document) as unknown) : document,
  );
}

interface IamRequest {
  readonly action: string;
  readonly resource: string;
  readonly context: Record<string, string | string[]>;
}

/** The key policy of infra/examples/kms-key.yaml, for the stack "pod-routes". */
async function keyPolicy(): Promise<unknown> {
  const { stdout } = await promisify(execFile)(process.env["MOTO_PYTHON"] ?? "python3", [
    resolve(root, "test/support/sam_transform.py"),
    resolve(root, "infra/examples/kms-key.yaml"),
  ]);
  const cfn = resolveTemplate(
    JSON.parse(stdout) as Record<string, unknown>,
    {},
    {
      pseudo: { partition: "aws", region: REGION, accountId: ACCOUNT },
    },
  );
  return cfn["Resources"]["Key"]["Properties"]["KeyPolicy"];
}

async function decide(policies: unknown[], request: IamRequest, resourcePolicy?: unknown): Promise<string> {
  const result = await runSimulation(
    {
      request: {
        principal: arn("iam", "role/pod-routes").replace(`:${REGION}:`, "::"),
        action: request.action,
        resource: { resource: request.resource, accountId: ACCOUNT },
        contextVariables: { "aws:RequestedRegion": REGION, "aws:ResourceAccount": ACCOUNT, ...request.context },
      },
      identityPolicies: policies.map((policy, index) => ({ name: `pod-routes-${index}`, policy })),
      ...(resourcePolicy ? { resourcePolicy } : {}),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    {},
  );
  if (result.resultType === "error") return `error: ${JSON.stringify(result.errors)}`;
  return result.resultType === "single" ? result.overallResult : "wildcard";
}

describe("the function's role, evaluated offline with iam-simulate", () => {
  it("allows every call the handler made in a run of every kind of event, with the resources and keys AWS sees", async () => {
    const seed = await buildTutorialNetwork(ec2, 2);
    const group = await buildWorkerGroup(ec2, autoScaling, seed.subnetId, 1);
    // A worker with two interfaces: its route and check go through its primary ENI.
    const multiHomed = await launchWorker(ec2, seed.subnetId, "worker-9", "10.200.9.0/24");
    const eni = (await ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: seed.subnetId }))).NetworkInterface!;
    await ec2.send(
      new AttachNetworkInterfaceCommand({
        InstanceId: multiHomed,
        NetworkInterfaceId: eni.NetworkInterfaceId!,
        DeviceIndex: 1,
      }),
    );
    // Workers carry the cluster tag, as the template requires.
    const clusterTag = { Key: "kubernetes.io/cluster/hard-k8s", Value: "owned" };
    const workerIds = [...seed.workers.map((w) => w.instanceId), multiHomed, ...group.instanceIds];
    await ec2.send(new CreateTagsCommand({ Resources: workerIds, Tags: [clusterTag] }));
    const settings = {
      ROUTE_TABLE_IDS: seed.routeTableId,
      ALLOCATE_POD_CIDR: "true",
      CLUSTER_TAG: `${clusterTag.Key}=${clusterTag.Value}`,
    };
    const handler = bundledHandler(settings);
    handlerRequests();
    for (const worker of seed.workers) await handler(stateChange(worker.instanceId, "running"));
    await handler(stateChange(multiHomed, "running"));
    await handler(lifecycleAction("launch", group.instanceIds[0]!, { group: group.name, hook: group.launchHook }));
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [seed.workers[0]!.instanceId] }));
    await handler(stateChange(seed.workers[0]!.instanceId, "terminated"));
    await handler(scheduled());
    const calls = handlerRequests();

    const policy = await rolePolicies({
      RouteTableIds: seed.routeTableId,
      VpcId: seed.vpcId,
      WorkerGroupNames: group.name,
      KmsKeyArn: KEY,
    });
    const requests = await iamRequestsOf(calls, group.name);
    expect(new Set(requests.map((r) => r.action))).toEqual(
      new Set([
        "ec2:DescribeInstances",
        "ec2:DescribeRouteTables",
        "ec2:CreateRoute",
        "ec2:DeleteRoute",
        "ec2:ModifyInstanceAttribute",
        "ec2:ModifyNetworkInterfaceAttribute",
        "ec2:CreateTags",
        "autoscaling:CompleteLifecycleAction",
      ]),
    );
    for (const request of requests) expect(await decide(policy, request), JSON.stringify(request)).toBe("Allowed");
    // A failed queued record is handed back sooner, on the event queue (a failure moto is not made to give
    // here); a queued sync reads the groups for launches left waiting (a direct run makes no such read).
    const returnSooner = { action: "sqs:ChangeMessageVisibility", context: {} };
    expect(await decide(policy, { ...returnSooner, resource: arn("sqs", "pod-routes-EventQueue.fifo") })).toBe(
      "Allowed",
    );
    for (const action of ["autoscaling:DescribeAutoScalingGroups", "autoscaling:DescribeLifecycleHooks"])
      expect(await decide(policy, { action, resource: "*", context: {} }), action).toBe("Allowed");
    // The route quota, read once per execution environment (the proxy records query calls only, and Service
    // Quotas speaks JSON): the account's value, else AWS's default.
    const routeQuota = { action: "servicequotas:GetServiceQuota", context: {} };
    expect(await decide(policy, { ...routeQuota, resource: arn("servicequotas", "vpc/L-93826ACB") })).toBe("Allowed");
    const awsDefault = { action: "servicequotas:GetAWSDefaultServiceQuota", resource: "*", context: {} };
    expect(await decide(policy, awsDefault)).toBe("Allowed");
    // The key of encrypted queues, as SQS uses it for Lambda's poller and the failure destination, under
    // the key policy the docs give.
    const key = await keyPolicy();
    const viaSqs = { "kms:ViaService": `sqs.${REGION}.amazonaws.com` };
    for (const action of ["kms:Decrypt", "kms:GenerateDataKey"])
      expect(await decide(policy, { action, resource: KEY, context: viaSqs }, key), action).toBe("Allowed");

    // What it must never do, with the same role.
    const worker = seed.workers[1]!.instanceId;
    const workerTags = {
      "ec2:ResourceTag/pod-cidr": "10.200.1.0/24",
      "ec2:ResourceTag/kubernetes.io/cluster/hard-k8s": "owned",
    };
    const vpc = arn("ec2", `vpc/${seed.vpcId}`);
    const denied: IamRequest[] = [
      {
        action: "ec2:ModifyInstanceAttribute",
        resource: arn("ec2", `instance/${worker}`),
        context: { ...workerTags, "ec2:Attribute/UserData": "IyEvYmluL2Jhc2g=" },
      },
      {
        action: "ec2:ModifyInstanceAttribute",
        resource: arn("ec2", `instance/${worker}`),
        context: { ...workerTags, "ec2:Attribute/InstanceType": "p5.48xlarge" },
      },
      {
        action: "ec2:ModifyInstanceAttribute",
        resource: arn("ec2", "instance/i-0bbbbbbbbbbbbbbbb"),
        context: { "ec2:Attribute/SourceDestCheck": "false" },
      },
      // An instance tagged with a pod CIDR but not of this cluster (a squatter's): its check stays on.
      {
        action: "ec2:ModifyInstanceAttribute",
        resource: arn("ec2", "instance/i-0ccccccccccccccccc"),
        context: { "ec2:ResourceTag/pod-cidr": "10.200.7.0/24", "ec2:Attribute/SourceDestCheck": "false" },
      },
      {
        action: "ec2:ModifyInstanceAttribute",
        resource: arn("ec2", "instance/i-0ccccccccccccccccc"),
        context: {
          "ec2:ResourceTag/pod-cidr": "10.200.7.0/24",
          "ec2:ResourceTag/kubernetes.io/cluster/hard-k8s": "shared",
          "ec2:Attribute/SourceDestCheck": "false",
        },
      },
      // The key, used directly or through any service but SQS.
      ...["kms:Decrypt", "kms:GenerateDataKey"].flatMap((action): IamRequest[] => [
        { action, resource: KEY, context: {} },
        { action, resource: KEY, context: { "kms:ViaService": `s3.${REGION}.amazonaws.com` } },
      ]),
      {
        action: "ec2:ModifyNetworkInterfaceAttribute",
        resource: arn("ec2", `network-interface/${eni.NetworkInterfaceId}`),
        context: { "ec2:Vpc": vpc, "ec2:Attribute/Groups": "sg-0123456789abcdef0" },
      },
      {
        action: "ec2:ModifyNetworkInterfaceAttribute",
        resource: arn("ec2", "network-interface/eni-0ffffffffffffffff"),
        context: { "ec2:Vpc": arn("ec2", "vpc/vpc-0ffffffffffffffff"), "ec2:Attribute/SourceDestCheck": "false" },
      },
      ...["ec2:CreateRoute", "ec2:ReplaceRoute", "ec2:DeleteRoute"].map((action) => ({
        action,
        resource: arn("ec2", "route-table/rtb-0ffffffffffffffff"),
        context: { "ec2:Vpc": vpc },
      })),
      {
        action: "ec2:CreateRoute",
        resource: arn("ec2", `route-table/${seed.routeTableId}`),
        context: { "ec2:Vpc": arn("ec2", "vpc/vpc-0ffffffffffffffff") },
      },
      {
        action: "autoscaling:CompleteLifecycleAction",
        resource: arn(
          "autoscaling",
          "autoScalingGroup:0a1b2c3d-1111-2222-3333-444455556666:autoScalingGroupName/other",
        ),
        context: {},
      },
      {
        action: "ec2:CreateTags",
        resource: arn("ec2", `instance/${group.instanceIds[0]}`),
        context: { "ec2:ResourceTag/aws:autoscaling:groupName": group.name, "aws:TagKeys": ["Name"] },
      },
      { ...returnSooner, resource: arn("sqs", "another-queue.fifo") },
      // Another quota's value, or asking for more of this one.
      { ...routeQuota, resource: arn("servicequotas", "ec2/L-1216C47A") },
      {
        action: "servicequotas:RequestServiceQuotaIncrease",
        resource: arn("servicequotas", "vpc/L-93826ACB"),
        context: {},
      },
    ];
    for (const request of denied)
      expect(
        await decide(policy, request, request.action.startsWith("kms:") ? key : undefined),
        JSON.stringify(request),
      ).toBe("ImplicitlyDenied");
  }, 120_000);
});

describe("allocation at launch (AllocatePodCidr=launch), evaluated offline with iam-simulate", () => {
  const instance = arn("ec2", "instance/i-0aaaaaaaaaaaaaaaa");
  const member = { "ec2:ResourceTag/kubernetes.io/cluster/hard-k8s": "owned" };
  const tagging = (context: Record<string, string | string[]>): IamRequest => ({
    action: "ec2:CreateTags",
    resource: instance,
    context,
  });
  const parameters = { RouteTableIds: "rtb-0123456789abcdef0", VpcId: "vpc-0123456789abcdef0" };

  it("lets the function write the pod-CIDR tag on an instance carrying the cluster tag, and nothing more", async () => {
    const policy = await rolePolicies({ ...parameters, AllocatePodCidr: "launch" });
    expect(await decide(policy, tagging({ ...member, "aws:TagKeys": ["pod-cidr"] }))).toBe("Allowed");
    const denied = [
      tagging({ "aws:TagKeys": ["pod-cidr"] }),
      tagging({ "ec2:ResourceTag/kubernetes.io/cluster/hard-k8s": "shared", "aws:TagKeys": ["pod-cidr"] }),
      tagging({ ...member, "aws:TagKeys": ["pod-cidr", "Name"] }),
      tagging({ ...member, "aws:TagKeys": ["kubernetes.io/cluster/hard-k8s"] }),
    ];
    for (const request of denied)
      expect(await decide(policy, request), JSON.stringify(request)).toBe("ImplicitlyDenied");
  }, 60_000);

  it("grants no such tagging at lifecycle hooks only", async () => {
    const policy = await rolePolicies({ ...parameters, AllocatePodCidr: "lifecycle" });
    expect(await decide(policy, tagging({ ...member, "aws:TagKeys": ["pod-cidr"] }))).toBe("ImplicitlyDenied");
  }, 60_000);
});

describe("the event queue's policy, evaluated offline with iam-simulate", () => {
  const queueArn = arn("sqs", "pod-routes-EventQueue.fifo");
  const ruleArn = (name: string) => arn("events", `rule/pod-routes-${name}`);
  const functionRole = arn("iam", "role/pod-routes-PodRoutesFunctionRole").replace(`:${REGION}:`, "::");
  const admin = arn("iam", "role/admin").replace(`:${REGION}:`, "::");

  let transformed: Promise<unknown> | undefined;
  const queuePolicy = () => (transformed ??= transformQueuePolicy());

  async function transformQueuePolicy(): Promise<unknown> {
    const { stdout } = await promisify(execFile)(process.env["MOTO_PYTHON"] ?? "python3", [
      resolve(root, "test/support/sam_transform.py"),
      resolve(root, "infra/template.yaml"),
      JSON.stringify({ RouteTableIds: "rtb-0123456789abcdef0", VpcId: "vpc-0123456789abcdef0" }),
    ]);
    const rules = ["InstanceStateChangeRule", "LifecycleActionRule", "TagChangeRule", "FullSyncRule"];
    const cfn = resolveTemplate(
      JSON.parse(stdout) as Record<string, unknown>,
      {},
      {
        pseudo: { partition: "aws", region: REGION, accountId: ACCOUNT },
        attributes: {
          "EventQueue.Arn": queueArn,
          "PodRoutesFunctionRole.Arn": functionRole,
          ...Object.fromEntries(rules.map((rule) => [`${rule}.Arn`, ruleArn(rule)])),
        },
      },
    );
    return cfn["Resources"]["EventQueuePolicy"]["Properties"]["PolicyDocument"];
  }

  async function decideOnQueue(principal: string, action: string, context: Record<string, string> = {}) {
    const anything = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "sqs:*", Resource: "*" }] };
    const result = await runSimulation(
      {
        request: {
          // A role acts through a session; aws:PrincipalArn, which AWS always sets, names the role.
          principal: principal.startsWith("arn:")
            ? principal.replace(":iam::", ":sts::").replace(":role/", ":assumed-role/") + "/session"
            : principal,
          action,
          resource: { resource: queueArn, accountId: ACCOUNT },
          contextVariables: {
            "aws:RequestedRegion": REGION,
            ...(principal.startsWith("arn:") ? { "aws:PrincipalArn": principal } : {}),
            ...context,
          },
        },
        identityPolicies: principal.startsWith("arn:") ? [{ name: "sqs-everything", policy: anything }] : [],
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        resourcePolicy: await queuePolicy(),
      },
      {},
    );
    return result.resultType === "single" ? result.overallResult : JSON.stringify(result);
  }

  it("lets only the stack's rules send, and only the function consume, though a role's own policy allows sqs:*", async () => {
    expect(
      await decideOnQueue("events.amazonaws.com", "sqs:SendMessage", { "aws:SourceArn": ruleArn("TagChangeRule") }),
    ).toBe("Allowed");
    expect(await decideOnQueue(admin, "sqs:SendMessage")).toBe("ExplicitlyDenied");
    expect(
      await decideOnQueue("events.amazonaws.com", "sqs:SendMessage", { "aws:SourceArn": ruleArn("SomeoneElsesRule") }),
    ).toBe("ExplicitlyDenied");
    for (const action of ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:PurgeQueue"]) {
      expect(await decideOnQueue(admin, action), action).toBe("ExplicitlyDenied");
      expect(await decideOnQueue(functionRole, action), action).toBe("Allowed");
    }
  });
});

/**
 * The IAM request behind each recorded call: its action, the resource ARN IAM authorizes, and the
 * condition keys the request carries, read from the call's parameters and from moto's state.
 */
async function iamRequestsOf(calls: readonly RecordedCall[], groupName: string): Promise<IamRequest[]> {
  const instances = (await ec2.send(new DescribeInstancesCommand({}))).Reservations!.flatMap((r) => r.Instances!);
  const tables = (await ec2.send(new DescribeRouteTablesCommand({}))).RouteTables!;
  const interfaces = (await ec2.send(new DescribeNetworkInterfacesCommand({}))).NetworkInterfaces!;
  const tagsOf = (id: string) =>
    Object.fromEntries(
      (instances.find((i) => i.InstanceId === id)?.Tags ?? []).map((t) => [`ec2:ResourceTag/${t.Key}`, t.Value!]),
    );
  const vpcArn = (vpcId: string | undefined) => arn("ec2", `vpc/${vpcId}`);
  return calls.map(({ action, params }): IamRequest => {
    switch (action) {
      case "DescribeInstances":
      case "DescribeRouteTables":
        return { action: `ec2:${action}`, resource: "*", context: {} };
      case "CreateRoute":
      case "ReplaceRoute":
      case "DeleteRoute": {
        const table = params["RouteTableId"]!;
        const vpcId = tables.find((t) => t.RouteTableId === table)?.VpcId;
        return {
          action: `ec2:${action}`,
          resource: arn("ec2", `route-table/${table}`),
          context: { "ec2:Vpc": vpcArn(vpcId) },
        };
      }
      case "ModifyInstanceAttribute": {
        const id = params["InstanceId"]!;
        return {
          action: "ec2:ModifyInstanceAttribute",
          resource: arn("ec2", `instance/${id}`),
          context: { ...tagsOf(id), "ec2:Attribute/SourceDestCheck": params["SourceDestCheck.Value"]! },
        };
      }
      case "ModifyNetworkInterfaceAttribute": {
        const id = params["NetworkInterfaceId"]!;
        const vpcId = interfaces.find((n) => n.NetworkInterfaceId === id)?.VpcId;
        return {
          action: "ec2:ModifyNetworkInterfaceAttribute",
          resource: arn("ec2", `network-interface/${id}`),
          context: { "ec2:Vpc": vpcArn(vpcId), "ec2:Attribute/SourceDestCheck": params["SourceDestCheck.Value"]! },
        };
      }
      case "CreateTags": {
        const id = params["ResourceId.1"]!;
        const keys = Object.entries(params)
          .filter(([k]) => /^Tag\.\d+\.Key$/.test(k))
          .map(([, v]) => v);
        return {
          action: "ec2:CreateTags",
          resource: arn("ec2", `instance/${id}`),
          context: { ...tagsOf(id), "aws:TagKeys": keys },
        };
      }
      case "CompleteLifecycleAction":
        return {
          action: "autoscaling:CompleteLifecycleAction",
          resource: arn(
            "autoscaling",
            `autoScalingGroup:0a1b2c3d-1111-2222-3333-444455556666:autoScalingGroupName/${params["AutoScalingGroupName"] ?? groupName}`,
          ),
          context: {},
        };
      default:
        throw new Error(`a call the IAM test does not know: ${action}; add how IAM sees it`);
    }
  });
}

describe("the SCP that reserves the worker tags (infra/examples/worker-tags-scp.json), evaluated with iam-simulate", () => {
  const role = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;
  const everything = {
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Action: ["ec2:*", "autoscaling:*"], Resource: "*" }],
  };
  const fullAccess = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] };

  async function decideUnderScp(principal: string, action: string, resource: string, context: object) {
    const scp = JSON.parse(await readFile(resolve(root, "infra/examples/worker-tags-scp.json"), "utf8")) as unknown;
    const result = await runSimulation(
      {
        request: {
          principal,
          action,
          resource: { resource, accountId: ACCOUNT },
          contextVariables: { "aws:RequestedRegion": REGION, "aws:PrincipalArn": principal, ...context },
        },
        identityPolicies: [{ name: "ec2-and-autoscaling", policy: everything }],
        serviceControlPolicies: [
          {
            orgIdentifier: "r-root",
            policies: [
              { name: "FullAWSAccess", policy: fullAccess },
              { name: "worker-tags", policy: scp },
            ],
          },
        ],
        resourceControlPolicies: [],
      },
      {},
    );
    return result.resultType === "single" ? result.overallResult : JSON.stringify(result);
  }

  const instance = arn("ec2", "instance/i-0aaaaaaaaaaaaaaa1");
  const group = arn("autoscaling", "autoScalingGroup:0a1b2c3d-1111-2222-3333-444455556666:autoScalingGroupName/w");
  const writes: Array<[string, string, string, object]> = [
    ["tags an instance", "ec2:CreateTags", instance, { "aws:TagKeys": ["pod-cidr"] }],
    ["removes a worker's tag", "ec2:DeleteTags", instance, { "aws:TagKeys": ["kubernetes.io/cluster/hard-k8s"] }],
    [
      "tags an instance at launch (RunInstances' tag specifications, launch templates' too)",
      "ec2:CreateTags",
      instance,
      { "aws:TagKeys": ["Name", "kubernetes.io/cluster/hard-k8s"], "ec2:CreateAction": "RunInstances" },
    ],
    ["makes a group propagate a tag", "autoscaling:CreateOrUpdateTags", group, { "aws:TagKeys": ["pod-cidr"] }],
    [
      "creates a group that propagates a tag",
      "autoscaling:CreateAutoScalingGroup",
      group,
      { "aws:TagKeys": ["kubernetes.io/cluster/hard-k8s"] },
    ],
  ];

  it.each(writes)(
    "denies anyone else who %s, whatever their own policy allows",
    async (_, action, resource, context) => {
      expect(await decideUnderScp(role("developer"), action, resource, context)).toBe("ExplicitlyDenied");
      expect(await decideUnderScp(role("route-admin"), action, resource, context)).toBe("Allowed");
    },
  );

  it("lets pod-routes' role tag the blocks it allocates, and anyone write other tags", async () => {
    const podRoutes = role("pod-routes-PodRoutesFunctionRole-0A1B2C3D4E5F");
    expect(await decideUnderScp(podRoutes, "ec2:CreateTags", instance, { "aws:TagKeys": ["pod-cidr"] })).toBe(
      "Allowed",
    );
    expect(await decideUnderScp(role("developer"), "ec2:CreateTags", instance, { "aws:TagKeys": ["Name"] })).toBe(
      "Allowed",
    );
  });
});
