import type { Config } from "../core/config.js";
import {
  InstanceNotReadyError,
  InstanceNotVisibleError,
  InvalidPodCidrError,
  NotAWorkerError,
  quote,
  UntrustedEventError,
} from "../core/errors.js";
import type { Worker } from "../core/model.js";
import { checkPodCidrs } from "../core/pod-cidr.js";
import { desireFor, type Claim, type Desire } from "../core/planner.js";
import type { InstanceView } from "../adapters/instance-fields.js";
import { classifyInstance, lifecycleOf } from "../adapters/worker.js";
import type { InstanceJob } from "./controller.js";

/**
 * What a job asks of its instance, decided from EC2's view of the instance alone (pure): leave it alone,
 * a failure of this job only (a value, never thrown), or a desire for its worker's routes, perhaps once
 * it has been given a pod CIDR.
 */
export type JobClaim =
  | { readonly ignored: string }
  | { readonly error: Error }
  | {
      readonly worker: Worker;
      readonly desire: Desire;
      readonly because: string;
      /** A launching worker with no pod-CIDR tag yet: it is to be given a block before it is routed. */
      readonly needsAllocation?: boolean;
    };

/** The tag Auto Scaling puts on its instances; the aws: prefix is AWS's alone to write. */
const AUTO_SCALING_GROUP_TAG = "aws:autoscaling:groupName";

/** How long after a launch event EC2 may still not show the instance (eventual consistency). */
const LAUNCH_VISIBILITY_GRACE_MS = 5 * 60_000;

/** The job's claim on the instance as EC2 shows it (`undefined`: EC2 does not show it). */
export function claimOfJob(
  job: InstanceJob,
  instance: InstanceView | undefined,
  config: Config,
  now: number,
): JobClaim {
  const found = instance ? recognise(instance, job, config) : unseen(job, now);
  if (!("worker" in found)) return found;
  if (found.notWorker !== undefined)
    return { worker: found.worker, desire: "remove", because: `${found.notWorker}; ${job.source}` };
  const wanted = desireOf(job, found.worker, config);
  if ("error" in wanted) return wanted;
  return { worker: found.worker, ...wanted, ...(found.needsAllocation ? { needsAllocation: true } : {}) };
}

/** A worker's claim on its pod CIDRs, or why its tag cannot be routed. A removal needs no valid tag. */
export function claimFor(
  worker: Worker,
  desire: Desire,
  because: string,
  config: Config,
): Claim | { invalid: InvalidPodCidrError } {
  const check = checkPodCidrs(worker.podCidrTag, config.pools);
  if ("blocks" in check)
    return { worker, desire, because, podCidrs: check.blocks, ...(check.ignored ? { ignored: check.ignored } : {}) };
  if (desire === "remove") return { worker, desire, because, podCidrs: {} };
  return { invalid: new InvalidPodCidrError(worker.instanceId, config.podCidrTag, worker.podCidrTag, check.invalid) };
}

type Found =
  | {
      readonly worker: Worker;
      readonly needsAllocation?: boolean;
      /** Set when the instance is not a worker and its cluster routes are to go: why it is not. */
      readonly notWorker?: string;
    }
  | { readonly ignored: string }
  | { readonly error: Error };

/** Our worker, a launching worker still to be given a pod CIDR, or a reason to leave the instance alone. */
function recognise(instance: InstanceView, job: InstanceJob, config: Config): Found {
  if (job.group !== undefined) {
    // Only Auto Scaling writes aws: tags: this one says which group really launched the instance.
    const group = instance.Tags?.find((tag) => tag.Key === AUTO_SCALING_GROUP_TAG)?.Value;
    if (group !== job.group)
      return {
        error: new UntrustedEventError(
          `${job.instanceId} is ${group === undefined ? "in no Auto Scaling group" : `in group ${quote(group)}`}, ` +
            `not ${quote(job.group)} as its lifecycle action says: nothing allocated, routed or completed`,
        ),
      };
  }
  if (job.intent === "launch" && job.actionMayBeOver && lifecycleOf(instance.State?.Name) === "gone") {
    return { ignored: `${job.instanceId} is ${instance.State?.Name}; its launch action is no longer active` };
  }
  const classified = classifyInstance(instance, config);
  if ("worker" in classified) return classified;
  if ((job.intent === "launch" && config.allocatePodCidr) || launchedWithoutHook(job, instance, config)) {
    // Classify as if tagged: the cluster tag must still match before a block is given away.
    const provisional = classifyInstance(withoutPodCidr(instance, config.podCidrTag), config);
    if ("worker" in provisional) return { worker: provisional.worker, needsAllocation: true };
  }
  if (job.intent === "add" || job.intent === "launch") {
    const allocationHint = job.intent === "launch" ? " or set ALLOCATE_POD_CIDR=lifecycle" : "";
    return {
      error: new NotAWorkerError(
        `${classified.notWorker}: ${job.intent} needs a worker tagged ${config.podCidrTag}=<pod CIDR>${allocationHint}`,
      ),
    };
  }
  if (job.removesRoutesOfNonWorker || (job.untagged && halfTagged(instance, config))) {
    // Read it as a worker with no pod CIDR, so exactly the cluster routes pointing at it go.
    const named = classifyInstance(withoutPodCidr(instance, config.podCidrTag), { podCidrTag: config.podCidrTag });
    if ("worker" in named) return { worker: named.worker, notWorker: classified.notWorker };
  }
  return { ignored: classified.notWorker };
}

/**
 * With ALLOCATE_POD_CIDR=launch, an instance that no lifecycle hook announces (Karpenter's, EC2 Fleet's,
 * a plain RunInstances) is allocated on its own state change: pending, or running should that be lost.
 * Its running event, arriving before EC2 shows the new tag, adopts the block the first claim routed.
 */
function launchedWithoutHook(job: InstanceJob, instance: InstanceView, config: Config): boolean {
  return (
    config.allocatePodCidr === "launch" &&
    job.intent === "reconcile" &&
    (job.reportedState === "pending" || job.reportedState === "running") &&
    lifecycleOf(instance.State?.Name) === "live"
  );
}

/**
 * True when EC2 shows the instance carrying exactly one of the two tags that make a worker: it was one of
 * this cluster's workers until the other was removed. An instance carrying neither (a VPN box) never
 * was, whatever an event's body says; without CLUSTER_TAG, nothing can show it.
 */
function halfTagged(instance: InstanceView, config: Config): boolean {
  if (!config.clusterTag) return false;
  const tags = new Map((instance.Tags ?? []).map((tag) => [tag.Key ?? "", tag.Value ?? ""]));
  const { key, value } = config.clusterTag;
  const member = tags.has(key) && (value === undefined || tags.get(key) === value);
  return member !== tags.has(config.podCidrTag);
}

/** The instance as if tagged with an empty pod CIDR: to be read as a worker that has no block yet. */
function withoutPodCidr(instance: InstanceView, podCidrTag: string): InstanceView {
  return { ...instance, Tags: [...(instance.Tags ?? []), { Key: podCidrTag, Value: "" }] };
}

/** An instance EC2 does not show: too new to see yet (retry), or gone long enough to be forgotten. */
function unseen(job: InstanceJob, now: number): Found {
  if (job.intent === "add")
    return { error: new NotAWorkerError(`instance ${job.instanceId} not found: add needs a running worker`) };
  if (job.intent === "launch" && job.actionMayBeOver) {
    return { ignored: `instance ${job.instanceId} is not found; its launch action is no longer active` };
  }
  if (job.intent === "launch" || mayStillBeLaunching(job, now)) {
    return {
      error: new InstanceNotVisibleError(
        `instance ${job.instanceId} is launching but EC2 does not show it yet; the retry will find it`,
      ),
    };
  }
  // Only routes pointing at this very instance id can be ours to remove.
  return {
    worker: {
      instanceId: job.instanceId,
      state: "not-found",
      lifecycle: "unknown",
      podCidrTag: "",
      routeTarget: { kind: "instance", id: job.instanceId },
      interfaceIds: [],
    },
  };
}

function desireOf(
  job: InstanceJob,
  worker: Worker,
  config: Config,
): { desire: Desire; because: string } | { error: Error } {
  switch (job.intent) {
    case "add":
    case "launch":
      if (worker.lifecycle === "stopped" && job.fromWarmPool) {
        return {
          error: new InstanceNotReadyError(
            `${worker.instanceId} is ${worker.state}: it is still coming out of the warm pool; the retry will find it running`,
          ),
        };
      }
      if (worker.lifecycle !== "live")
        return {
          error: new NotAWorkerError(
            `${worker.instanceId} is ${worker.state}: ${job.intent} needs a pending or running worker`,
          ),
        };
      return { desire: "ensure", because: `${worker.instanceId} is ${worker.state} (${job.source})` };
    case "remove":
      return { desire: "remove", because: `${worker.instanceId} is ${worker.state}; ${job.source}` };
    case "reconcile":
      return desireFor(worker, config.onStop);
  }
}

function mayStillBeLaunching(job: InstanceJob, now: number): boolean {
  if (job.reportedState !== "pending" && job.reportedState !== "running") return false;
  const eventTime = job.eventTime === undefined ? Number.NaN : Date.parse(job.eventTime);
  return Number.isFinite(eventTime) && now - eventTime < LAUNCH_VISIBILITY_GRACE_MS;
}
