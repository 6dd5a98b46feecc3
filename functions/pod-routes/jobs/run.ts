import { syncAll, type InstanceJob } from "./controller.js";
import { reconcileInstance } from "./patience.js";
import type { Config } from "../core/config.js";
import { printable } from "../core/printable.js";
import type { InstanceRequest, Request } from "../core/request.js";
import { handleLifecycleAction } from "./lifecycle.js";
import type { Dependencies } from "./dependencies.js";
import { emptySummary, type Summary } from "./summary.js";

/** Does what a decoded request asks. */
export function run(request: Request, deps: Dependencies): Promise<Summary> {
  const dryRun = deps.config.dryRun || request.dryRun;
  switch (request.kind) {
    case "sync":
      return syncAll(request, deps);
    case "lifecycle":
      return handleLifecycleAction(request, deps);
    case "ignored":
      return Promise.resolve(emptySummary(request, dryRun, { ignored: request.reason }));
    case "instance":
      return reconcileInstance(request, instanceJobOf(request, dryRun, deps.config), deps);
  }
}

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
