import { UnsupportedEventError } from "./errors.js";

/** Where a request came from; reported in the summary and logs. */
export type Trigger = "ec2-state-change" | "schedule" | "manual";

/** What the caller wants done with one instance. */
export type InstanceIntent = "reconcile" | "add" | "remove";

interface RequestBase {
  readonly trigger: Trigger;
  /** True when the payload asked for a dry run; the DRY_RUN setting can force one too. */
  readonly dryRun: boolean;
  readonly eventId?: string;
  /** Set on events replayed from an EventBridge archive. */
  readonly replayName?: string;
}

export interface InstanceRequest extends RequestBase {
  readonly kind: "instance";
  readonly instanceId: string;
  readonly intent: InstanceIntent;
  /** What the event said the state was; only a hint, EC2's current answer decides. */
  readonly reportedState?: string;
  /** When the event happened (ISO time), to tell a fresh launch from a stale replay. */
  readonly eventTime?: string;
}

export interface SyncRequest extends RequestBase {
  readonly kind: "sync";
}

export type Request = InstanceRequest | SyncRequest;

const INSTANCE_ID = /^i-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;
const MANUAL_KEYS = new Set(["action", "instanceId", "dryRun"]);
const MANUAL_INSTANCE_ACTIONS: readonly string[] = ["add", "remove", "reconcile"];

/**
 * Turns an invocation payload into a request. Anything that is not an EC2 state-change event, a
 * scheduled event or a manual payload is refused with an UnsupportedEventError before any AWS call.
 */
export function decodeEvent(event: unknown): Request {
  if (!isRecord(event)) throw new UnsupportedEventError(`expected a JSON object, got ${describe(event)}`);
  if ("source" in event || "detail-type" in event) return decodeEventBridge(event);
  if ("action" in event) return decodeManual(event);
  throw new UnsupportedEventError(
    `unrecognised payload with keys [${Object.keys(event).join(", ")}]: expected an EventBridge event ` +
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
      throw new UnsupportedEventError(`EC2 state-change event with detail.instance-id ${describe(instanceId)}: expected i-…`);
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
  if (source === "aws.events" && detailType === "Scheduled Event") {
    return { kind: "sync", trigger: "schedule", dryRun: false, ...origin };
  }
  throw new UnsupportedEventError(
    `unsupported event source=${describe(source)} detail-type=${describe(detailType)}: pod-routes handles ` +
      `"EC2 Instance State-change Notification" (aws.ec2) and "Scheduled Event" (aws.events)`,
  );
}

function decodeManual(payload: Record<string, unknown>): Request {
  const unknownKeys = Object.keys(payload).filter((key) => !MANUAL_KEYS.has(key));
  if (unknownKeys.length > 0) {
    throw new UnsupportedEventError(`manual request has unknown key(s) ${unknownKeys.join(", ")}; allowed: action, instanceId, dryRun`);
  }
  const { action, instanceId, dryRun = false } = payload;
  if (typeof dryRun !== "boolean") throw new UnsupportedEventError(`manual request dryRun must be true or false, got ${describe(dryRun)}`);
  if (action === "sync") {
    if (instanceId !== undefined) throw new UnsupportedEventError(`manual "sync" covers every worker; remove instanceId`);
    return { kind: "sync", trigger: "manual", dryRun };
  }
  if (typeof action !== "string" || !MANUAL_INSTANCE_ACTIONS.includes(action)) {
    throw new UnsupportedEventError(`manual request action ${describe(action)}: expected add, remove, reconcile or sync`);
  }
  if (typeof instanceId !== "string" || !INSTANCE_ID.test(instanceId)) {
    throw new UnsupportedEventError(`manual "${action}" needs instanceId "i-…", got ${describe(instanceId)}`);
  }
  return { kind: "instance", trigger: "manual", intent: action as InstanceIntent, instanceId, dryRun };
}

function optionalString<K extends string>(record: Record<string, unknown>, key: string, as: K): Partial<Record<K, string>> {
  const value = record[key];
  return typeof value === "string" ? ({ [as]: value } as Record<K, string>) : {};
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === undefined) return "missing";
  if (Array.isArray(value)) return "an array";
  return JSON.stringify(value) ?? typeof value;
}
