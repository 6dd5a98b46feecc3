import type { Config } from "../core/config.js";
import { printable } from "../core/printable.js";
import type { InstanceRequest, LifecycleRequest } from "../core/request.js";
import type { InstanceJob } from "./controller.js";

/** The longest a hook waits for a launch action (the largest heartbeat timeout): older ones are over. */
const LONGEST_ACTION_MS = 7200 * 1000;

/** The job an instance request asks for. */
export function instanceJobOf(request: InstanceRequest, dryRun: boolean, config: Config): InstanceJob {
  return {
    instanceId: request.instanceId,
    intent: request.intent,
    dryRun,
    source: sourceOf(request),
    removesRoutesOfNonWorker: request.trigger === "manual" && request.intent === "remove",
    untagged: untagged(request, config),
    ...(request.reportedState !== undefined ? { reportedState: request.reportedState } : {}),
    ...(request.eventTime !== undefined ? { eventTime: request.eventTime } : {}),
  };
}

/** The job a launch action asks for: route the worker (allocating its block if need be), unless the action is over. */
export function launchJobOf(request: LifecycleRequest, dryRun: boolean, now: number): InstanceJob {
  return {
    instanceId: request.instanceId,
    dryRun,
    intent: "launch",
    source: `launch lifecycle action of ${printable(request.groupName)}`,
    group: request.groupName,
    actionMayBeOver: request.replayName !== undefined || ageOf(request, now) > LONGEST_ACTION_MS,
    fromWarmPool: request.origin === "WarmPool",
  };
}

function sourceOf(request: InstanceRequest): string {
  if (request.trigger === "manual") return `manual ${request.intent}`;
  if (request.trigger === "tag-change") {
    const removed = request.removedTagKeys ?? [];
    return removed.length > 0 ? `tag change removing ${printable(removed.join(", "))}` : "tag change event";
  }
  return "state-change event";
}

/**
 * A tag change whose body says the instance lost its pod-CIDR or cluster tag (it was a worker a moment
 * ago): its routes go once EC2 confirms it (see `untagged` on the job). A tag being added never removes
 * anything: during a migration, the static route stays.
 */
function untagged(request: InstanceRequest, config: Config): boolean {
  if (request.trigger !== "tag-change") return false;
  const ours = [config.podCidrTag, ...(config.clusterTag ? [config.clusterTag.key] : [])];
  return (request.removedTagKeys ?? []).some((key) => ours.includes(key));
}

function ageOf(request: LifecycleRequest, now: number): number {
  const time = request.eventTime === undefined ? Number.NaN : Date.parse(request.eventTime);
  return Number.isFinite(time) ? now - time : 0;
}
