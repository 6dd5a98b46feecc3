import type { Config, LifecycleResult } from "../core/config.js";
import { quote, UntrustedEventError } from "../core/errors.js";
import type { LifecycleRequest } from "../core/request.js";
import type { Dependencies } from "./dependencies.js";
import type { LifecycleOutcome } from "./summary.js";

/**
 * Refuses, before any AWS call, a lifecycle action of a group that is not one of WORKER_GROUP_NAMES (when
 * set): only those groups' actions are pod-routes' to complete, and their instances' to be allocated a block.
 */
export function strangeGroup(config: Config, request: LifecycleRequest): UntrustedEventError | undefined {
  if (config.workerGroupNames.length === 0 || config.workerGroupNames.includes(request.groupName)) return undefined;
  return new UntrustedEventError(
    `lifecycle action for ${request.instanceId} of group ${quote(request.groupName)}, which is not one of ` +
      `WORKER_GROUP_NAMES (${config.workerGroupNames.join(", ")}): nothing allocated, routed or completed`,
  );
}

/** Completes a lifecycle action (or, in a dry run, only says it would), and logs it. */
export async function complete(
  request: LifecycleRequest,
  { result, dryRun }: { readonly result: LifecycleResult; readonly dryRun: boolean },
  deps: Dependencies,
): Promise<LifecycleOutcome> {
  const completion = dryRun ? ("planned" as const) : await deps.autoScaling.completeLifecycleAction(request, result);
  deps.log.info("lifecycle action completed", {
    instanceId: request.instanceId,
    groupName: request.groupName,
    hookName: request.hookName,
    result,
    completion,
  });
  return { result, completion };
}

/**
 * The request as the summary reports and logs it: the action's token cut to its first characters. The
 * token lets anyone who may complete lifecycle actions decide this launch; the logs do not need it.
 */
export function reported(request: LifecycleRequest): LifecycleRequest {
  return request.token === undefined ? request : { ...request, token: `${request.token.slice(0, 8)}…` };
}
