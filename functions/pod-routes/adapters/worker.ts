import type { TagMatch } from "../core/config.js";
import type { InstanceView } from "./instance-fields.js";
import type { Lifecycle, TargetFacts, Worker } from "../core/model.js";

export interface WorkerSelector {
  readonly podCidrTag: string;
  readonly clusterTag?: TagMatch;
}

/** The states of an instance that may hold a route: everything short of shutting down. */
export const WORKER_STATES: readonly string[] = ["pending", "running", "stopping", "stopped"];

export type Classified = { readonly worker: Worker } | { readonly notWorker: string };

/** pending/running need their route; stopping/stopped may keep it; anything else must lose it. */
export function lifecycleOf(state: string | undefined): Lifecycle {
  switch (state) {
    case "pending":
    case "running":
      return "live";
    case "stopping":
    case "stopped":
      return "stopped";
    default:
      return "gone";
  }
}

/** Decides whether an instance is one of our workers and, if so, how to route to it. */
export function classifyInstance(instance: InstanceView, selector: WorkerSelector): Classified {
  const instanceId = instance.InstanceId ?? "(unknown)";
  const tags = new Map((instance.Tags ?? []).map((tag) => [tag.Key ?? "", tag.Value ?? ""]));
  const podCidrTag = tags.get(selector.podCidrTag);
  if (podCidrTag === undefined) return { notWorker: `${instanceId} has no ${selector.podCidrTag} tag` };
  const { clusterTag } = selector;
  if (clusterTag) {
    const value = tags.get(clusterTag.key);
    if (value === undefined || (clusterTag.value !== undefined && value !== clusterTag.value)) {
      const wanted = clusterTag.value === undefined ? clusterTag.key : `${clusterTag.key}=${clusterTag.value}`;
      return { notWorker: `${instanceId} does not carry the cluster tag ${wanted}` };
    }
  }
  const interfaces = [...(instance.NetworkInterfaces ?? [])].sort(
    (a, b) => (a.Attachment?.DeviceIndex ?? 0) - (b.Attachment?.DeviceIndex ?? 0),
  );
  const primary = interfaces[0];
  // CreateRoute accepts an instance target only when the instance has exactly one interface.
  const multiHomed = interfaces.length > 1 && primary?.NetworkInterfaceId !== undefined;
  const name = tags.get("Name");
  const sourceDestCheck = multiHomed ? primary?.SourceDestCheck : instance.SourceDestCheck;
  return {
    worker: {
      instanceId,
      ...(name !== undefined ? { name } : {}),
      state: instance.State?.Name ?? "unknown",
      lifecycle: lifecycleOf(instance.State?.Name),
      ...(instance.VpcId !== undefined ? { vpcId: instance.VpcId } : {}),
      ...(instance.SubnetId !== undefined ? { subnetId: instance.SubnetId } : {}),
      podCidrTag,
      routeTarget: multiHomed
        ? { kind: "interface", id: primary.NetworkInterfaceId! }
        : { kind: "instance", id: instanceId },
      interfaceIds: interfaces.flatMap((eni) => (eni.NetworkInterfaceId ? [eni.NetworkInterfaceId] : [])),
      ...(sourceDestCheck !== undefined ? { sourceDestCheck } : {}),
    },
  };
}

/** The workers among instances; the others (bastions, other clusters) left out. */
export function workersOf(instances: readonly InstanceView[], selector: WorkerSelector): Worker[] {
  return instances.flatMap((instance) => {
    const classified = classifyInstance(instance, selector);
    return "worker" in classified ? [classified.worker] : [];
  });
}

/** Facts about an instance some route points at, keyed by the instance's id and each of its ENIs. */
export function targetFactsOf(instance: InstanceView, selector: WorkerSelector): Array<[string, TargetFacts]> {
  const tag = instance.Tags?.find((t) => t.Key === selector.podCidrTag)?.Value;
  const facts: TargetFacts = {
    lifecycle: lifecycleOf(instance.State?.Name),
    worker: "worker" in classifyInstance(instance, selector),
    ...(tag !== undefined ? { podCidrTag: tag } : {}),
  };
  const ids = [instance.InstanceId, ...(instance.NetworkInterfaces ?? []).map((eni) => eni.NetworkInterfaceId)];
  return ids.flatMap((id) => (id ? [[id, facts] as [string, TargetFacts]] : []));
}
