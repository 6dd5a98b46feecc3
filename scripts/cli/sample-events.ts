import { randomUUID } from "node:crypto";

const ACCOUNT = "123456789012";
const REGION = "us-east-1";

interface EventOptions {
  readonly time?: string;
  readonly replayName?: string;
  readonly id?: string;
}

/** An EC2 Instance State-change Notification as EventBridge delivers it. */
export function stateChange(instanceId: string, state: string, options: EventOptions = {}) {
  return {
    version: "0",
    id: options.id ?? randomUUID(),
    "detail-type": "EC2 Instance State-change Notification",
    source: "aws.ec2",
    account: ACCOUNT,
    time: options.time ?? new Date().toISOString(),
    region: REGION,
    resources: [`arn:aws:ec2:${REGION}:${ACCOUNT}:instance/${instanceId}`],
    detail: { "instance-id": instanceId, state },
    ...(options.replayName ? { "replay-name": options.replayName } : {}),
  };
}

/** The schedule rule's event: a full sync. */
export function scheduled(options: EventOptions = {}) {
  return {
    version: "0",
    id: options.id ?? randomUUID(),
    "detail-type": "Scheduled Event",
    source: "aws.events",
    account: ACCOUNT,
    time: options.time ?? new Date().toISOString(),
    region: REGION,
    resources: [`arn:aws:events:${REGION}:${ACCOUNT}:rule/pod-routes-sync`],
    detail: {},
  };
}

/** EventBridge Scheduler's tick (what SAM's ScheduleV2 creates): its detail is the string "{}". */
export function schedulerTick(options: EventOptions = {}) {
  return {
    version: "0",
    id: options.id ?? randomUUID(),
    "detail-type": "Scheduled Event",
    source: "aws.scheduler",
    account: ACCOUNT,
    time: options.time ?? new Date().toISOString(),
    region: REGION,
    resources: [`arn:aws:scheduler:${REGION}:${ACCOUNT}:schedule/default/pod-routes-sync`],
    detail: "{}",
  };
}

interface TagChangeOptions extends EventOptions {
  /** The keys the change touched. */
  readonly changed: readonly string[];
  /** Every tag the instance has after the change. */
  readonly tags: Readonly<Record<string, string>>;
}

/** A Tag Change on Resource event for an EC2 instance: a removed key is changed and absent from `tags`. */
export function tagChange(instanceId: string, options: TagChangeOptions) {
  return {
    version: "0",
    id: options.id ?? randomUUID(),
    "detail-type": "Tag Change on Resource",
    source: "aws.tag",
    account: ACCOUNT,
    time: options.time ?? new Date().toISOString(),
    region: REGION,
    resources: [`arn:aws:ec2:${REGION}:${ACCOUNT}:instance/${instanceId}`],
    detail: {
      "changed-tag-keys": [...options.changed],
      service: "ec2",
      "resource-type": "instance",
      version: 3,
      tags: { ...options.tags },
    },
    ...(options.replayName ? { "replay-name": options.replayName } : {}),
  };
}

interface LifecycleOptions extends EventOptions {
  readonly group: string;
  readonly hook: string;
  readonly token?: string;
  readonly destination?: string | undefined;
}

/** An Auto Scaling lifecycle action as EventBridge delivers it. */
export function lifecycleAction(transition: "launch" | "terminate", instanceId: string, options: LifecycleOptions) {
  const launching = transition === "launch";
  return {
    version: "0",
    id: options.id ?? randomUUID(),
    "detail-type": launching ? "EC2 Instance-launch Lifecycle Action" : "EC2 Instance-terminate Lifecycle Action",
    source: "aws.autoscaling",
    account: ACCOUNT,
    time: options.time ?? new Date().toISOString(),
    region: REGION,
    resources: [
      `arn:aws:autoscaling:${REGION}:${ACCOUNT}:autoScalingGroup:${randomUUID()}:autoScalingGroupName/${options.group}`,
    ],
    detail: {
      LifecycleActionToken: options.token ?? randomUUID(),
      AutoScalingGroupName: options.group,
      LifecycleHookName: options.hook,
      EC2InstanceId: instanceId,
      LifecycleTransition: launching ? "autoscaling:EC2_INSTANCE_LAUNCHING" : "autoscaling:EC2_INSTANCE_TERMINATING",
      Origin: launching ? "EC2" : "AutoScalingGroup",
      Destination: options.destination ?? (launching ? "AutoScalingGroup" : "EC2"),
    },
    ...(options.replayName ? { "replay-name": options.replayName } : {}),
  };
}
