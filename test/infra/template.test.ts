import { execFile } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../functions/pod-routes/core/config.js";
import { NEARLY_FULL_PERCENT } from "../../functions/pod-routes/core/quota.js";
import { measurementsOf } from "../../functions/pod-routes/entry/metrics.js";
import { resolveTemplate } from "../support/cfn.js";

const run = promisify(execFile);
const root = resolve(import.meta.dirname, "../..");
const template = resolve(root, "infra/template.yaml");
const python = process.env["MOTO_PYTHON"] ?? "python3";

type Json = Record<string, any>;

/** The template as the SAM transform turns it into plain CloudFormation. */
async function transformed(parameters: Record<string, string> = {}): Promise<Json> {
  const { stdout } = await run(python, [
    resolve(root, "test/support/sam_transform.py"),
    template,
    JSON.stringify(parameters),
  ]);
  return JSON.parse(stdout) as Json;
}

/**
 * Every policy statement the function's role gets, with `Fn::If` branches for worker groups and for
 * allocation at launch taken. A policy written as JSON text (`Fn::Sub`) is read with its `${...}`
 * variables left as they are.
 */
function statements(cfn: Json): Json[] {
  const policies = (cfn["Resources"]["PodRoutesFunctionRole"]["Properties"]["Policies"] as Json[]).map((policy) =>
    policy["Fn::If"] ? (policy["Fn::If"][1] as Json) : policy,
  );
  const documentOf = (policy: Json): Json =>
    policy["PolicyDocument"]["Fn::Sub"] ? JSON.parse(policy["PolicyDocument"]["Fn::Sub"][0]) : policy["PolicyDocument"];
  return policies
    .flatMap((policy) => documentOf(policy)["Statement"] as Json[])
    .map((s) => (s["Fn::If"] ? s["Fn::If"][1] : s));
}

const actionsOf = (statement: Json): string[] => [statement["Action"]].flat();

/**
 * What CloudFormation makes of the intrinsic functions in a policy's Resource, for given parameters and
 * conditions: enough of Ref, Fn::If, Fn::Join, Fn::Split and Fn::Select to read the ARNs IAM will see
 * and the tag keys the rules match.
 */
function evaluate(
  value: unknown,
  parameters: Record<string, string | string[]>,
  conditions: Record<string, boolean>,
): any {
  const again = (inner: unknown) => evaluate(inner, parameters, conditions);
  if (Array.isArray(value)) return value.map(again);
  if (typeof value !== "object" || value === null) return value;
  const [[fn, args]] = Object.entries(value) as [[string, any]];
  if (fn === "Ref" && args in parameters) return parameters[args];
  if (fn === "Fn::If" && args[0] in conditions) return again(args[conditions[args[0]] ? 1 : 2]);
  if (fn === "Fn::Join") return (again(args[1]) as string[]).join(args[0]);
  if (fn === "Fn::Split") return (again(args[1]) as string).split(args[0]);
  if (fn === "Fn::Select") return (again(args[1]) as unknown[])[args[0]];
  throw new Error(`cannot evaluate ${JSON.stringify(value)}`);
}

describe("infra/template.yaml", () => {
  let cfn: Json;
  let resources: Json;
  beforeAll(async () => {
    cfn = await transformed({ WorkerGroupNames: "hard-k8s-workers" });
    resources = cfn["Resources"];
  }, 60_000);

  it("and every example pass cfn-lint without an error, a warning or an informational finding", async () => {
    const examples = (await readdir(resolve(root, "infra/examples")))
      .filter((file) => file.endsWith(".yaml"))
      .map((file) => resolve(root, "infra/examples", file));
    expect(examples.length).toBeGreaterThanOrEqual(2);
    // Informational checks too (--include-checks I): their advice is taken or the template says why not.
    const lint = await run("cfn-lint", ["--include-checks", "I", "--format", "parseable", template, ...examples]).then(
      ({ stdout }) => stdout,
      (error: { stdout: string }) => error.stdout,
    );
    expect(lint).toBe("");
  }, 120_000);

  it("transforms with its defaults too (no worker group, the hard-k8s-rtb export)", async () => {
    const plain = await transformed();
    expect(
      plain["Resources"]["PodRoutesFunction"]["Properties"]["Environment"]["Variables"]["ROUTE_TABLE_IDS"],
    ).toEqual({
      "Fn::If": [
        "HasRouteTableIds",
        { Ref: "RouteTableIds" },
        { "Fn::If": ["NamesRouteTables", { "Fn::ImportValue": { Ref: "RouteTableExportName" } }, ""] },
      ],
    });
    expect(plain["Parameters"]["RouteTableExportName"]["Default"]).toBe("hard-k8s-rtb");
  }, 60_000);

  it.each([
    ["table ids", { RouteTableIds: "rtb-0a1b2c3d" }, { ids: "rtb-0a1b2c3d", tag: "" }],
    ["the tutorial's export (the default)", {}, { ids: "hard-k8s-rtb (imported)", tag: "" }],
    ["a table tag", { RouteTableTag: "pod-routes=managed" }, { ids: "", tag: "pod-routes=managed" }],
    ["nothing: tables found by subnet", { RouteTableExportName: "" }, { ids: "", tag: "" }],
  ])("reaches every way of naming tables: %s", (_case, parameters, expected) => {
    const resolved = resolveTemplate(
      { ...cfn, Resources: { PodRoutesFunction: resources["PodRoutesFunction"] } },
      { RouteTableIds: "", RouteTableTag: "", RouteTableExportName: "hard-k8s-rtb", ...parameters },
      { imports: { "hard-k8s-rtb": "hard-k8s-rtb (imported)" } },
    );
    const variables = resolved["Resources"]["PodRoutesFunction"]["Properties"]["Environment"]["Variables"];
    expect({ ids: variables["ROUTE_TABLE_IDS"], tag: variables["ROUTE_TABLE_TAG"] }).toEqual(expected);
  });

  it("takes an IPv6 cluster CIDR or nothing, and hands it to a config the function accepts", () => {
    const pattern = new RegExp(cfn["Parameters"]["ClusterCidrV6"]["AllowedPattern"] as string);
    for (const good of ["", "fd00:10:200::/56", "2600:1F18:ABCD::/48"]) expect(pattern.test(good), good).toBe(true);
    for (const bad of ["10.200.0.0/16", "fd00::/8", "fd00::/64 "]) expect(pattern.test(bad), bad).toBe(false);
    const { PodCidrV6PrefixLength: length } = cfn["Parameters"];
    const config = parseConfig({
      CLUSTER_CIDR_V6: "fd00:10:200::/56",
      POD_CIDR_V6_PREFIX_LENGTH: String(length["Default"]),
    });
    expect(config.pools.map((pool) => `${pool.clusterCidr.text} in /${pool.prefixLength}`)).toEqual([
      "10.200.0.0/16 in /24",
      "fd00:10:200::/56 in /64",
    ]);
  });

  it("takes worker group names without wildcards", () => {
    const pattern = new RegExp(cfn["Parameters"]["WorkerGroupNames"]["AllowedPattern"] as string);
    for (const good of ["", "hard-k8s-workers", "workers-a,workers-b"]) expect(pattern.test(good), good).toBe(true);
    for (const bad of ["*", "workers-*", "worker?", "a,b*"]) expect(pattern.test(bad), bad).toBe(false);
  });

  it("requires a cluster tag, and takes only worker tags that can be written into a policy's JSON text", () => {
    const podCidrTag = new RegExp(cfn["Parameters"]["PodCidrTag"]["AllowedPattern"] as string);
    const clusterTag = new RegExp(cfn["Parameters"]["ClusterTag"]["AllowedPattern"] as string);
    for (const good of ["pod-cidr", "k8s.io/pod-cidr", "team:pod cidr"]) expect(podCidrTag.test(good), good).toBe(true);
    for (const bad of ["", 'pod"cidr', "pod\\cidr", "pod*", "a=b"]) expect(podCidrTag.test(bad), bad).toBe(false);
    const good = ["kubernetes.io/cluster/hard-k8s=owned", "kubernetes.io/cluster/hard-k8s", "cluster=", "team=a b"];
    for (const tag of good) expect(clusterTag.test(tag), tag).toBe(true);
    for (const bad of ["", "=owned", "k=a=b", "k=own*", 'k="x"', "k=a\\"])
      expect(clusterTag.test(bad), bad).toBe(false);
  });

  it("takes a cluster CIDR from /8 to /30 only, as the function does", () => {
    const pattern = new RegExp(cfn["Parameters"]["ClusterCidr"]["AllowedPattern"] as string);
    for (const good of ["10.200.0.0/16", "10.0.0.0/8", "172.16.0.0/12", "192.168.7.0/30"]) {
      expect(pattern.test(good), good).toBe(true);
    }
    for (const bad of ["0.0.0.0/0", "0.0.0.0/1", "10.0.0.0/7", "10.200.0.0/31", "10.200.0.0", "256.0.0.0/16"]) {
      expect(pattern.test(bad), bad).toBe(false);
    }
  });

  it("runs the project's own bundle on nodejs22.x, arm64, with bounded concurrency", () => {
    const fn = resources["PodRoutesFunction"];
    expect(fn["Properties"]).toMatchObject({
      Runtime: "nodejs22.x",
      Architectures: ["arm64"],
      Handler: "index.handler",
      ReservedConcurrentExecutions: 5,
    });
    expect(fn["Properties"]["Code"]).toEqual({ S3Bucket: "packaged-artifacts", S3Key: "PodRoutesFunction.zip" });
    expect(Object.keys(fn["Properties"]["Environment"]["Variables"])).toEqual(
      expect.arrayContaining([
        "ROUTE_TABLE_IDS",
        "CLUSTER_CIDR",
        "CLUSTER_CIDR_V6",
        "POD_CIDR_TAG",
        "CLUSTER_TAG",
        "ON_STOP",
        "ALLOCATE_POD_CIDR",
        "POD_CIDR_PREFIX_LENGTH",
        "POD_CIDR_V6_PREFIX_LENGTH",
        "LAUNCH_FAILURE_RESULT",
      ]),
    );
    // Stack traces through the bundle's source map.
    expect(fn["Properties"]["Environment"]["Variables"]["NODE_OPTIONS"]).toBe("--enable-source-maps");
  });

  it("triggers on the instance states that matter, on the worker groups' lifecycle actions and on the schedule", () => {
    expect(resources["InstanceStateChangeRule"]["Properties"]["EventPattern"]).toEqual({
      source: ["aws.ec2"],
      "detail-type": ["EC2 Instance State-change Notification"],
      detail: {
        // pending too when members of the cluster get their block at launch (AllocatePodCidr=launch).
        state: {
          "Fn::If": [
            "AllocatesAtLaunch",
            ["pending", "running", "stopped", "shutting-down", "terminated"],
            ["running", "stopped", "shutting-down", "terminated"],
          ],
        },
      },
    });
    const [condition, withGroups] = resources["LifecycleActionRule"]["Properties"]["EventPattern"]["Fn::If"];
    expect(condition).toBe("HasWorkerGroups");
    expect(withGroups).toEqual({
      source: ["aws.autoscaling"],
      "detail-type": ["EC2 Instance-launch Lifecycle Action", "EC2 Instance-terminate Lifecycle Action"],
      detail: {
        AutoScalingGroupName: { Ref: "WorkerGroupNames" },
        LifecycleHookName: [{ prefix: { Ref: "LifecycleHookPrefix" } }],
      },
    });
    // The function owns the same hooks the rule lets through: the prefix itself, or prefix-anything.
    expect(resources["PodRoutesFunction"]["Properties"]["Environment"]["Variables"]["LIFECYCLE_HOOK_NAMES"]).toEqual({
      "Fn::Sub": "${LifecycleHookPrefix},${LifecycleHookPrefix}-*",
    });
    expect(resources["FullSyncRule"]["Properties"]["ScheduleExpression"]).toEqual({ Ref: "SyncSchedule" });
    expect(cfn["Parameters"]["SyncSchedule"]["Default"]).toBe("rate(5 minutes)");
  });

  it("follows a change of the pod-CIDR tag, and of the cluster tag's key, on EC2 instances", () => {
    const pattern = resources["TagChangeRule"]["Properties"]["EventPattern"];
    expect(pattern).toMatchObject({
      source: ["aws.tag"],
      "detail-type": ["Tag Change on Resource"],
      detail: { service: ["ec2"], "resource-type": ["instance"] },
    });
    const keys = (clusterTag: string) =>
      evaluate(pattern["detail"]["changed-tag-keys"], { PodCidrTag: "pod-cidr", ClusterTag: clusterTag }, {});
    expect(keys("kubernetes.io/cluster/hard-k8s=owned")).toEqual(["pod-cidr", "kubernetes.io/cluster/hard-k8s"]);
    expect(keys("hard-k8s")).toEqual(["pod-cidr", "hard-k8s"]);
  });

  it("sends every rule's events to the FIFO queue in the cluster's message group, with retries and a dead-letter queue", () => {
    const rules = ["InstanceStateChangeRule", "LifecycleActionRule", "TagChangeRule", "FullSyncRule"];
    expect(
      Object.entries(resources)
        .filter(([, r]: [string, Json]) => r["Type"] === "AWS::Events::Rule")
        .map(([name]) => name),
    ).toEqual(rules);
    for (const rule of rules) {
      const targets = resources[rule]["Properties"]["Targets"] as Json[];
      expect(targets, rule).toHaveLength(1);
      const [target] = targets as [Json];
      expect(target["Arn"], rule).toEqual({ "Fn::GetAtt": ["EventQueue", "Arn"] });
      expect(target["SqsParameters"], rule).toEqual({
        MessageGroupId: { "Fn::If": ["HasClusterName", { Ref: "ClusterName" }, { Ref: "AWS::StackName" }] },
      });
      expect(target["RetryPolicy"]["MaximumRetryAttempts"], rule).toBeGreaterThan(0);
      expect(target["DeadLetterConfig"], rule).toEqual({ Arn: { "Fn::GetAtt": ["DeadLetterQueue", "Arn"] } });
    }
    // Only these rules may send to either queue; the event queue denies every other sender outright (what
    // that denial means for a principal of the account is proved with iam-simulate in iam.test.ts).
    const senders = rules.map((rule) => ({ "Fn::GetAtt": [rule, "Arn"] }));
    for (const policy of ["EventQueuePolicy", "DeadLetterQueuePolicy"]) {
      const [statement, ...others] = resources[policy]["Properties"]["PolicyDocument"]["Statement"] as Json[];
      expect(statement, policy).toMatchObject({
        Effect: "Allow",
        Principal: { Service: "events.amazonaws.com" },
        Action: "sqs:SendMessage",
        Condition: { ArnEquals: { "aws:SourceArn": senders } },
      });
      expect(
        others.map((other) => other["Effect"]),
        policy,
      ).toEqual(policy === "EventQueuePolicy" ? ["Deny", "Deny"] : []);
    }
    const [, deniedSenders] = resources["EventQueuePolicy"]["Properties"]["PolicyDocument"]["Statement"] as Json[];
    expect(deniedSenders).toMatchObject({ Principal: "*", Condition: { ArnNotEquals: { "aws:SourceArn": senders } } });
  });

  it("reads the queue in FIFO batches of 10 with partial batch responses, as a single writer", () => {
    const queue = resources["EventQueue"]["Properties"];
    const timeout = resources["PodRoutesFunction"]["Properties"]["Timeout"] as number;
    expect(queue).toMatchObject({ FifoQueue: true, ContentBasedDeduplication: true });
    expect(queue["VisibilityTimeout"]).toBeGreaterThanOrEqual(6 * timeout);
    expect(queue["RedrivePolicy"]).toEqual({
      deadLetterTargetArn: { "Fn::GetAtt": ["EventQueueDeadLetterQueue", "Arn"] },
      maxReceiveCount: 5,
    });
    expect(resources["EventQueueDeadLetterQueue"]["Properties"]).toMatchObject({ FifoQueue: true });
    const mappings = Object.values(resources).filter((r: Json) => r["Type"] === "AWS::Lambda::EventSourceMapping");
    expect(mappings).toEqual([
      {
        Type: "AWS::Lambda::EventSourceMapping",
        Properties: {
          FunctionName: { Ref: "PodRoutesFunction" },
          EventSourceArn: { "Fn::GetAtt": ["EventQueue", "Arn"] },
          BatchSize: 10,
          FunctionResponseTypes: ["ReportBatchItemFailures"],
        },
      },
    ]);
    // The function is invoked by the queue alone: no rule targets it directly.
    expect(JSON.stringify(Object.values(resources).filter((r: Json) => r["Type"] === "AWS::Lambda::Permission"))).toBe(
      "[]",
    );
    const poller = statements(cfn).find((s) => actionsOf(s).includes("sqs:ReceiveMessage"))!;
    expect(poller).toMatchObject({
      Action: ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
      Resource: { "Fn::GetAtt": ["EventQueue", "Arn"] },
    });
    // Its own role: no managed policy (SAM's would read every queue and write every log group).
    expect(resources["PodRoutesFunction"]["Properties"]["Role"]).toEqual({
      "Fn::GetAtt": ["PodRoutesFunctionRole", "Arn"],
    });
    expect(resources["PodRoutesFunctionRole"]["Properties"]["ManagedPolicyArns"]).toBeUndefined();
  });

  it("lets only the event queue redrive into its dead-letter queue, and no queue into the others", () => {
    const name = resources["EventQueue"]["Properties"]["QueueName"]["Fn::Sub"] as string;
    expect(name).toBe("${AWS::StackName}-events.fifo");
    expect(resources["EventQueueDeadLetterQueue"]["Properties"]["RedriveAllowPolicy"]).toEqual({
      redrivePermission: "byQueue",
      sourceQueueArns: [{ "Fn::Sub": `arn:\${AWS::Partition}:sqs:\${AWS::Region}:\${AWS::AccountId}:${name}` }],
    });
    for (const queue of ["DeadLetterQueue", "FailureQueue"])
      expect(resources[queue]["Properties"]["RedriveAllowPolicy"], queue).toEqual({ redrivePermission: "denyAll" });
  });

  it("archives exactly the events the rules take, from the default bus", () => {
    const archive = resources["EventArchive"]["Properties"];
    expect(archive["SourceArn"]).toEqual({
      "Fn::Sub": "arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/default",
    });
    const [stateChanges, lifecycle, tagChanges] = archive["EventPattern"]["$or"];
    expect(tagChanges).toEqual({
      source: ["aws.tag"],
      "detail-type": ["Tag Change on Resource"],
      detail: { service: ["ec2"], "resource-type": ["instance"] },
    });
    expect(stateChanges).toEqual(resources["InstanceStateChangeRule"]["Properties"]["EventPattern"]);
    expect(lifecycle).toEqual({
      source: ["aws.autoscaling"],
      "detail-type": ["EC2 Instance-launch Lifecycle Action", "EC2 Instance-terminate Lifecycle Action"],
    });
    expect(archive["RetentionDays"]).toEqual({ Ref: "ArchiveRetentionDays" });
  });

  it("retries a failed async invocation twice, then sends it to the failure queue, and alarms on errors, permanent failures, full tables, dead letters and queue age", () => {
    expect(resources["PodRoutesFunctionEventInvokeConfig"]["Properties"]).toMatchObject({
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 3600,
      DestinationConfig: { OnFailure: { Destination: { "Fn::GetAtt": ["FailureQueue", "Arn"] } } },
    });
    const alarms = Object.values(resources).filter((r: Json) => r["Type"] === "AWS::CloudWatch::Alarm") as Json[];
    expect(
      alarms.map((a) =>
        a["Properties"]["Metrics"]
          ? [a["Properties"]["Metrics"][0]["Expression"]]
          : [a["Properties"]["MetricName"], a["Properties"]["Dimensions"][0]["Value"]],
      ),
    ).toEqual([
      ["Errors", { Ref: "PodRoutesFunction" }],
      ["PermanentFailures", "pod-routes"],
      ["RouteTableFull", "pod-routes"],
      ["SELECT MAX(RouteTableUtilization) FROM SCHEMA(PodRoutes, RouteTableId, AddressFamily, service)"],
      ["ApproximateNumberOfMessagesVisible", { "Fn::GetAtt": ["DeadLetterQueue", "QueueName"] }],
      ["ApproximateNumberOfMessagesVisible", { "Fn::GetAtt": ["FailureQueue", "QueueName"] }],
      ["ApproximateNumberOfMessagesVisible", { "Fn::GetAtt": ["EventQueueDeadLetterQueue", "QueueName"] }],
      ["ApproximateAgeOfOldestMessage", { "Fn::GetAtt": ["EventQueue", "QueueName"] }],
    ]);
  });

  it("alarms when any table, whichever the function found, holds the share of its quota the function warns at", () => {
    const alarm = resources["RouteTableHeadroomAlarm"]["Properties"];
    // The function's metric, its namespace and both its dimensions: a Metrics Insights schema must name them all.
    const [measured] = measurementsOf({
      tables: [
        { routeTableId: "rtb-1", decisions: [], headroom: { routes: 40, limit: 50, free: 10, utilization: 80 } },
      ],
      failures: [],
    } as never).filter((m) => m.unit === "Percent");
    expect(alarm["Metrics"][0]["Expression"]).toBe(
      `SELECT MAX(${measured!.name}) FROM SCHEMA(PodRoutes, ${Object.keys(measured!.dimensions!).join(", ")}, service)`,
    );
    expect(alarm).toMatchObject({
      Threshold: NEARLY_FULL_PERCENT,
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
    });
  });

  it("explains every alarm it creates in the README's Troubleshooting: what it means and what to do", async () => {
    const readme = await readFile(resolve(root, "README.md"), "utf8");
    const section = readme.slice(
      readme.indexOf("## Troubleshooting"),
      readme.indexOf("\n## ", readme.indexOf("## Troubleshooting") + 1),
    );
    const rows = section.split("\n").filter((line) => line.startsWith("| ") && !line.startsWith("| you see"));
    const alarms = Object.entries(resources)
      .filter(([, resource]) => resource["Type"] === "AWS::CloudWatch::Alarm")
      .map(([name]) => name);
    expect(alarms.length).toBeGreaterThanOrEqual(7);
    for (const alarm of alarms) {
      const row = rows.find((line) => line.split(" | ")[0]!.includes(`\`${alarm}\``));
      expect(row, `a Troubleshooting row for ${alarm}`).toBeDefined();
      const [, because, todo] = row!.slice(2, -2).split(" | ");
      expect(because?.trim().length, `${alarm}: what it means`).toBeGreaterThan(20);
      expect(todo?.trim().length, `${alarm}: what to do`).toBeGreaterThan(20);
    }
  });

  it("logs to its own log group with a retention, and may write that log group only", () => {
    expect(resources["PodRoutesFunction"]["Properties"]["LoggingConfig"]).toEqual({ LogGroup: { Ref: "LogGroup" } });
    expect(resources["LogGroup"]["Properties"]["RetentionInDays"]).toEqual({ Ref: "LogRetentionDays" });
    const logs = statements(cfn).filter((s) => actionsOf(s).some((action) => action.startsWith("logs:")));
    expect(logs).toEqual([
      {
        Sid: "WriteItsOwnLogGroup",
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: { "Fn::GetAtt": ["LogGroup", "Arn"] },
      },
    ]);
  });

  it("encrypts the log group and every queue with KmsKeyArn when it is given", () => {
    const encrypted = ["LogGroup", "EventQueue", "EventQueueDeadLetterQueue", "DeadLetterQueue", "FailureQueue"];
    for (const name of encrypted) {
      const properties = resources[name]["Properties"];
      const key = properties["KmsKeyId"] ?? properties["KmsMasterKeyId"];
      expect(key, name).toEqual({ "Fn::If": ["HasKmsKey", { Ref: "KmsKeyArn" }, { Ref: "AWS::NoValue" }] });
    }
  });

  it("grants every AWS call the function makes, and nothing else", async () => {
    const sources = await Promise.all(
      ["ec2.ts", "autoscaling.ts", "queue.ts", "quotas.ts"].map((file) =>
        readFile(resolve(root, "functions/pod-routes/adapters", file), "utf8"),
      ),
    );
    const called = new Set(
      sources.flatMap((source) =>
        [...source.matchAll(/\bnew (\w+)Command\(|\bpaginate(\w+)\(/g)].map((m) => (m[1] ?? m[2])!),
      ),
    );
    const granted = new Set(
      statements(cfn)
        .flatMap(actionsOf)
        .map((action) => action.split(":")[1]!),
    );
    // What Lambda does with the function's role, not the function's code: polls the event queue, sends
    // failed async invokes to the failure queue, writes the logs, and uses the key of encrypted queues.
    const lambdas = [
      "ReceiveMessage",
      "DeleteMessage",
      "GetQueueAttributes",
      "SendMessage",
      "CreateLogStream",
      "PutLogEvents",
      "Decrypt",
      "GenerateDataKey",
    ];
    expect([...called].sort()).toEqual([...granted].filter((action) => !lambdas.includes(action)).sort());
  });

  it("lets the function change routes only in the configured tables, and tag, modify and complete only workers", () => {
    const byAction = (action: string) => statements(cfn).filter((s) => actionsOf(s).includes(action));
    for (const statement of statements(cfn)) {
      expect(actionsOf(statement).some((action) => action.endsWith(":*"))).toBe(false);
      if (statement["Resource"] === "*")
        expect(
          actionsOf(statement).every((action) =>
            /^(ec2|autoscaling):Describe|^servicequotas:GetAWSDefaultServiceQuota$/.test(action),
          ),
        ).toBe(true);
    }
    const routeTables = byAction("ec2:DeleteRoute")[0]!;
    const parameters = { RouteTableIds: "rtb-0a1b2c3d,rtb-4e5f6a7b", WorkerGroupNames: ["workers-a", "workers-b"] };
    expect(evaluate(routeTables["Resource"], parameters, { HasRouteTableIds: true, NamesRouteTables: true })).toEqual([
      "arn:*:ec2:*:*:route-table/rtb-0a1b2c3d",
      "arn:*:ec2:*:*:route-table/rtb-4e5f6a7b",
    ]);
    // Tables found by tag or by subnet: any table, held to the cluster VPC by the condition below.
    expect(routeTables["Resource"]["Fn::If"][2]).toEqual({
      "Fn::Sub": "arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:route-table/*",
    });
    expect(routeTables["Condition"]["StringEquals"]).toMatchObject({
      "aws:ResourceAccount": { Ref: "AWS::AccountId" },
      "aws:RequestedRegion": { Ref: "AWS::Region" },
    });
    const tagging = byAction("ec2:CreateTags")[0]!;
    expect(tagging["Condition"]).toEqual({
      StringEquals: { "ec2:ResourceTag/aws:autoscaling:groupName": { Ref: "WorkerGroupNames" } },
      "ForAllValues:StringEquals": { "aws:TagKeys": [{ Ref: "PodCidrTag" }] },
    });
    // The source/dest check and no other attribute (user data, instance type, security groups), of
    // instances carrying both worker tags (iam.test.ts evaluates the text for given parameters).
    expect(byAction("ec2:ModifyInstanceAttribute")[0]!["Condition"]).toEqual({
      StringEquals: { "ec2:Attribute/SourceDestCheck": "false" },
      StringLike: { "ec2:ResourceTag/${PodCidrTag}": "*", "ec2:ResourceTag/${ClusterTagKey}": "${ClusterTagValue}" },
    });
    expect(byAction("ec2:ModifyNetworkInterfaceAttribute")[0]!["Condition"]["StringEquals"]).toMatchObject({
      "ec2:Attribute/SourceDestCheck": "false",
      "ec2:Vpc": expect.anything(),
    });
    // A route's target is no resource of CreateRoute or ReplaceRoute: the table alone is.
    expect(byAction("ec2:CreateRoute")).toHaveLength(1);
    expect(routeTables["Condition"]["StringEquals"]["ec2:Vpc"]).toBeDefined();
    const lifecycle = byAction("autoscaling:CompleteLifecycleAction")[0]!;
    expect(evaluate(lifecycle["Resource"], parameters, {})).toEqual([
      "arn:*:autoscaling:*:*:autoScalingGroup:*:autoScalingGroupName/workers-a",
      "arn:*:autoscaling:*:*:autoScalingGroup:*:autoScalingGroupName/workers-b",
    ]);
    expect(lifecycle["Condition"]["StringEquals"]).toEqual({
      "aws:ResourceAccount": { Ref: "AWS::AccountId" },
      "aws:RequestedRegion": { Ref: "AWS::Region" },
    });
  });

  it("has a dashboard whose body is valid JSON and names only metrics the function emits", async () => {
    const [body] = resources["Dashboard"]["Properties"]["DashboardBody"]["Fn::Sub"] as [string];
    const filled = body.replace(/\$\{[\w:]+\}/g, "sample");
    const widgets = (JSON.parse(filled) as { widgets: Json[] }).widgets;
    expect(widgets.map((w) => w["properties"]["title"])).toEqual([
      "Route changes by action",
      "Left alone: unmanaged routes, conflicts, bad tags, full tables",
      "Lifecycle outcomes and allocations",
      "Errors by kind, and failures",
      "Duration (ms)",
      "Queue: oldest event's age (s), dead letters",
      "Route tables: share of the route quota used (%), by table and family",
    ]);
    const rows = widgets.flatMap((w) => w["properties"]["metrics"] as unknown[][]);
    const named = rows.filter((row) => row[0] === "PodRoutes").map((row) => row[1] as string);
    const searched = rows.flatMap((row) =>
      [...JSON.stringify(row).matchAll(/MetricName=\\"(\w+)\\"/g)].map((m) => m[1]!),
    );
    // What the function emits: the names measurementsOf counts, and Errors by ErrorKind from the handler.
    const sources = await Promise.all(
      ["metrics.ts", "handler.ts"].map((file) => readFile(resolve(root, "functions/pod-routes/entry", file), "utf8")),
    );
    const emitted = new Set(
      sources.flatMap((source) =>
        [...source.matchAll(/\["(\w+)", |addMetric\("(\w+)"|name: "(\w+)"/g)].map((m) => m[1] ?? m[2] ?? m[3]),
      ),
    );
    expect(searched).toEqual(["Errors", "RouteTableUtilization"]);
    for (const name of [...named, ...searched]) expect(emitted, name).toContain(name);
    expect(named.length).toBeGreaterThan(10);
  });

  it("outputs the function, the archive, the queues and the operators' policy", () => {
    expect(Object.keys(cfn["Outputs"])).toEqual([
      "FunctionName",
      "FunctionArn",
      "ArchiveArn",
      "DeadLetterQueueUrl",
      "FailureQueueUrl",
      "EventQueueUrl",
      "EventQueueDeadLetterQueueUrl",
      "DashboardName",
      "OperatorPolicyArn",
    ]);
  });

  it("offers operators a policy to invoke this function and read what the CLI reads, and to change nothing else", () => {
    const granted = resources["OperatorPolicy"]["Properties"]["PolicyDocument"]["Statement"] as Json[];
    const byResource = granted.map((statement) => [actionsOf(statement), statement["Resource"]]);
    expect(byResource).toEqual([
      [["lambda:InvokeFunction"], { "Fn::GetAtt": ["PodRoutesFunction", "Arn"] }],
      [["cloudformation:DescribeStacks"], { Ref: "AWS::StackId" }],
      [
        [
          "ec2:DescribeInstances",
          "ec2:DescribeRouteTables",
          "autoscaling:DescribeAutoScalingGroups",
          "autoscaling:DescribeLifecycleHooks",
          "servicequotas:GetAWSDefaultServiceQuota",
        ],
        "*",
      ],
      [
        ["servicequotas:GetServiceQuota"],
        { "Fn::Sub": "arn:${AWS::Partition}:servicequotas:${AWS::Region}:${AWS::AccountId}:vpc/L-93826ACB" },
      ],
    ]);
  });
});
