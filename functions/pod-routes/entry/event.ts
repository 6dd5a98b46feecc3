import { quote, UnsupportedEventError } from "../core/errors.js";
import type { InstanceIntent, InstanceRequest, LifecycleRequest, Request } from "../core/request.js";

export const INSTANCE_ID = /^i-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;
const TEST_NOTIFICATION = "autoscaling:TEST_NOTIFICATION";
/** By detail-type. A Map, so a detail-type such as "constructor" finds nothing inherited. */
const LIFECYCLE_TRANSITIONS = new Map<string, { transition: LifecycleRequest["transition"]; value: string }>([
  ["EC2 Instance-launch Lifecycle Action", { transition: "launch", value: "autoscaling:EC2_INSTANCE_LAUNCHING" }],
  [
    "EC2 Instance-terminate Lifecycle Action",
    { transition: "terminate", value: "autoscaling:EC2_INSTANCE_TERMINATING" },
  ],
]);
/** The longest event field kept: Auto Scaling group and hook names are at most 255 characters. */
const MAX_FIELD_CHARACTERS = 255;
const MANUAL_KEYS = new Set(["action", "instanceId", "dryRun"]);
const MANUAL_INSTANCE_ACTIONS: readonly string[] = ["add", "remove", "reconcile"];

/**
 * Turns an invocation payload into a request. Anything that is not an EC2 state-change event, a
 * scheduled event or a manual payload is refused with an UnsupportedEventError before any AWS call.
 */
export function decodeEvent(event: unknown): Request {
  if (!isRecord(event)) throw new UnsupportedEventError(`expected a JSON object, got ${describe(event)}`);
  if (isTestNotification(event)) {
    return {
      kind: "ignored",
      trigger: "autoscaling-lifecycle",
      dryRun: false,
      reason: "Auto Scaling test notification",
      ...optionalString(event, "id", "eventId"),
    };
  }
  if ("source" in event || "detail-type" in event) return decodeEventBridge(event);
  if ("action" in event) return decodeManual(event);
  throw new UnsupportedEventError(
    `unrecognised payload with keys ${quote(Object.keys(event))}: expected an EventBridge event ` +
      `(source, detail-type, detail) or a manual request {"action":"add|remove|reconcile|sync", ...}`,
  );
}

function decodeEventBridge(event: Record<string, unknown>): Request {
  const source = event["source"];
  const detailType = event["detail-type"];
  const origin = {
    ...optionalString(event, "id", "eventId"),
    ...optionalString(event, "replay-name", "replayName"),
  };
  if (source === "aws.ec2" && detailType === "EC2 Instance State-change Notification") {
    const detail = event["detail"];
    if (!isRecord(detail)) throw new UnsupportedEventError("EC2 state-change event without a detail object");
    const instanceId = detail["instance-id"];
    if (typeof instanceId !== "string" || !INSTANCE_ID.test(instanceId)) {
      throw new UnsupportedEventError(
        `EC2 state-change event with detail.instance-id ${describe(instanceId)}: expected i-…`,
      );
    }
    return {
      kind: "instance",
      trigger: "ec2-state-change",
      intent: "reconcile",
      instanceId,
      dryRun: false,
      ...origin,
      ...optionalString(detail, "state", "reportedState"),
      ...optionalString(event, "time", "eventTime"),
    };
  }
  const lifecycle = typeof detailType === "string" ? LIFECYCLE_TRANSITIONS.get(detailType) : undefined;
  if (source === "aws.autoscaling" && lifecycle) {
    return {
      ...decodeLifecycleDetail(event["detail"], lifecycle),
      trigger: "autoscaling-lifecycle",
      dryRun: false,
      ...origin,
      ...optionalString(event, "time", "eventTime"),
    };
  }
  if (source === "aws.tag" && detailType === "Tag Change on Resource") {
    return {
      ...decodeTagChange(event),
      ...origin,
      ...optionalString(event, "time", "eventTime"),
    };
  }
  // EventBridge rules' schedules send aws.events; EventBridge Scheduler (SAM's ScheduleV2) aws.scheduler.
  if ((source === "aws.events" || source === "aws.scheduler") && detailType === "Scheduled Event") {
    return { kind: "sync", trigger: "schedule", dryRun: false, ...origin };
  }
  throw new UnsupportedEventError(
    `unsupported event source=${describe(source)} detail-type=${describe(detailType)}: pod-routes handles ` +
      `"EC2 Instance State-change Notification" (aws.ec2), "EC2 Instance-launch/terminate Lifecycle Action" ` +
      `(aws.autoscaling), "Tag Change on Resource" (aws.tag) and "Scheduled Event" (aws.events, aws.scheduler)`,
  );
}

/** An instance ARN's id, in any partition: arn:aws:ec2:us-east-1:123456789012:instance/i-0123456789abcdef0. */
const INSTANCE_ARN = /^arn:[a-z-]+:ec2:[a-z0-9-]*:\d{12}:instance\/(i-(?:[0-9a-f]{8}|[0-9a-f]{17}))$/;
/** An instance holds at most 50 tags, with keys of at most 128 characters. */
const MAX_TAG_KEYS = 50;
const MAX_TAG_KEY_CHARACTERS = 128;

/**
 * Tag Change on Resource: the instance in `resources[0]`, the changed keys, and the tags it has now. A
 * changed key the instance no longer has was removed.
 */
function decodeTagChange(event: Record<string, unknown>): InstanceRequest {
  const detail = event["detail"];
  if (!isRecord(detail)) throw new UnsupportedEventError("tag change event without a detail object");
  if (detail["service"] !== "ec2" || detail["resource-type"] !== "instance") {
    throw new UnsupportedEventError(
      `tag change on ${describe(detail["service"])} ${describe(detail["resource-type"])}: ` +
        "pod-routes follows the tags of EC2 instances only",
    );
  }
  const resources = event["resources"];
  const arn: unknown = Array.isArray(resources) ? resources[0] : undefined;
  const instanceId = typeof arn === "string" ? INSTANCE_ARN.exec(arn)?.[1] : undefined;
  if (instanceId === undefined) {
    throw new UnsupportedEventError(`tag change with resources[0] ${describe(arn)}: expected an EC2 instance ARN`);
  }
  const changed = detail["changed-tag-keys"];
  const tags = detail["tags"];
  if (!Array.isArray(changed) || changed.length > MAX_TAG_KEYS || !changed.every((key) => typeof key === "string")) {
    throw new UnsupportedEventError(
      `tag change for ${instanceId} with detail.changed-tag-keys ${describe(changed)}: expected tag keys`,
    );
  }
  if (!isRecord(tags)) {
    throw new UnsupportedEventError(`tag change for ${instanceId} without a detail.tags object`);
  }
  // A tag key is at most 128 characters: a longer one names no tag pod-routes reads.
  const removedTagKeys = changed
    .filter((key) => !Object.hasOwn(tags, key))
    .map((key) => key.slice(0, MAX_TAG_KEY_CHARACTERS));
  return {
    kind: "instance",
    trigger: "tag-change",
    intent: "reconcile",
    instanceId,
    dryRun: false,
    ...(removedTagKeys.length > 0 ? { removedTagKeys } : {}),
  };
}

function decodeLifecycleDetail(
  detail: unknown,
  expected: { transition: LifecycleRequest["transition"]; value: string },
): Pick<
  LifecycleRequest,
  "kind" | "transition" | "instanceId" | "groupName" | "hookName" | "token" | "destination" | "origin"
> {
  if (!isRecord(detail)) throw new UnsupportedEventError("lifecycle action event without a detail object");
  const {
    EC2InstanceId: instanceId,
    AutoScalingGroupName: groupName,
    LifecycleHookName: hookName,
    LifecycleTransition: transition,
  } = detail;
  if (typeof instanceId !== "string" || !INSTANCE_ID.test(instanceId)) {
    throw new UnsupportedEventError(`lifecycle action with detail.EC2InstanceId ${describe(instanceId)}: expected i-…`);
  }
  for (const [key, value] of [
    ["AutoScalingGroupName", groupName],
    ["LifecycleHookName", hookName],
  ] as const) {
    if (typeof value !== "string" || value === "" || value.length > MAX_FIELD_CHARACTERS) {
      throw new UnsupportedEventError(
        `lifecycle action for ${instanceId} with detail.${key} ${describe(value)}: ` +
          `expected a name of 1 to ${MAX_FIELD_CHARACTERS} characters`,
      );
    }
  }
  if (transition !== undefined && transition !== expected.value) {
    throw new UnsupportedEventError(
      `lifecycle action for ${instanceId}: detail.LifecycleTransition ${describe(transition)} does not match ${expected.value}`,
    );
  }
  return {
    kind: "lifecycle",
    transition: expected.transition,
    instanceId,
    groupName: groupName as string,
    hookName: hookName as string,
    ...optionalString(detail, "LifecycleActionToken", "token"),
    ...optionalString(detail, "Destination", "destination"),
    ...optionalString(detail, "Origin", "origin"),
  };
}

/**
 * Auto Scaling's test notification, however it arrives: bare, as an EventBridge detail, or inside an
 * SNS or SQS record. It carries no hook name or token and needs no work.
 */
function isTestNotification(value: unknown, depth = 0): boolean {
  if (typeof value === "string" && depth > 0) {
    if (!value.includes(TEST_NOTIFICATION)) return false;
    try {
      return isTestNotification(JSON.parse(value), depth + 1);
    } catch {
      return false;
    }
  }
  if (!isRecord(value) || depth > 4) return false;
  if (value["Event"] === TEST_NOTIFICATION || value["LifecycleTransition"] === TEST_NOTIFICATION) return true;
  const records: unknown[] = Array.isArray(value["Records"]) ? value["Records"] : [];
  const nested = [
    value["detail"],
    value["Message"],
    value["body"],
    ...records,
    ...records.map((r) => (isRecord(r) ? r["Sns"] : undefined)),
  ];
  return nested.some((inner) => inner !== undefined && isTestNotification(inner, depth + 1));
}

function decodeManual(payload: Record<string, unknown>): Request {
  const unknownKeys = Object.keys(payload).filter((key) => !MANUAL_KEYS.has(key));
  if (unknownKeys.length > 0) {
    throw new UnsupportedEventError(
      `manual request has unknown key(s) ${quote(unknownKeys.join(", "))}; allowed: action, instanceId, dryRun`,
    );
  }
  const { action, instanceId, dryRun = false } = payload;
  if (typeof dryRun !== "boolean")
    throw new UnsupportedEventError(`manual request dryRun must be true or false, got ${describe(dryRun)}`);
  if (action === "sync") {
    if (instanceId !== undefined)
      throw new UnsupportedEventError(`manual "sync" covers every worker; remove instanceId`);
    return { kind: "sync", trigger: "manual", dryRun };
  }
  if (typeof action !== "string" || !MANUAL_INSTANCE_ACTIONS.includes(action)) {
    throw new UnsupportedEventError(
      `manual request action ${describe(action)}: expected add, remove, reconcile or sync`,
    );
  }
  if (typeof instanceId !== "string" || !INSTANCE_ID.test(instanceId)) {
    throw new UnsupportedEventError(`manual "${action}" needs instanceId "i-…", got ${describe(instanceId)}`);
  }
  return { kind: "instance", trigger: "manual", intent: action as InstanceIntent, instanceId, dryRun };
}

function optionalString<K extends string>(
  record: Record<string, unknown>,
  key: string,
  as: K,
): Partial<Record<K, string>> {
  const value: unknown = Object.getOwnPropertyDescriptor(record, key)?.value;
  if (typeof value !== "string") return {};
  // Carried into every log line and the summary: no longer than any AWS name or id it stands for.
  const kept = value.length <= MAX_FIELD_CHARACTERS ? value : `${value.slice(0, MAX_FIELD_CHARACTERS)}…`;
  return { [as]: kept } as Record<K, string>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === undefined) return "missing";
  if (Array.isArray(value)) return "an array";
  return quote(value);
}
