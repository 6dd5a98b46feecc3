/** What pod-routes is asked to do, as decoded from an event or a manual payload. */

/** Where a request came from; reported in the summary and logs. */
export type Trigger = "ec2-state-change" | "tag-change" | "autoscaling-lifecycle" | "schedule" | "manual";

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
  /** On a tag change: the tag keys the change removed from the instance. */
  readonly removedTagKeys?: readonly string[];
}

export interface SyncRequest extends RequestBase {
  readonly kind: "sync";
}

/** An Auto Scaling lifecycle action waiting for pod-routes before the group goes on. */
export interface LifecycleRequest extends RequestBase {
  readonly kind: "lifecycle";
  readonly transition: "launch" | "terminate";
  readonly instanceId: string;
  readonly groupName: string;
  readonly hookName: string;
  readonly token?: string;
  /** `WarmPool` on a terminate action: the instance is being stopped into the warm pool. */
  readonly destination?: string;
  readonly origin?: string;
  readonly eventTime?: string;
}

/** A payload that needs no work, such as Auto Scaling's test notification. */
export interface IgnoredRequest extends RequestBase {
  readonly kind: "ignored";
  readonly reason: string;
}

export type Request = InstanceRequest | SyncRequest | LifecycleRequest | IgnoredRequest;
