import type { LifecycleResult } from "../core/config.js";
import { reconcileInstance, type InstanceJob } from "./controller.js";
import { ReconcileFailedError } from "../core/errors.js";
import { isTransient, permanentFailureOf } from "./failures.js";
import type { LifecycleRequest } from "../core/request.js";
import type { Dependencies } from "./dependencies.js";
import type { Summary } from "./summary.js";

/**
 * Routes (or unroutes) the instance behind a lifecycle action, then completes the action.
 * Launch: CONTINUE once the route is in place; LAUNCH_FAILURE_RESULT on a permanent failure, reported
 * in the summary; no completion on a transient one, so Lambda's retry (or the hook's timeout) decides.
 * Terminate: always CONTINUE — a scale-in is never held hostage — and a failed removal is reported.
 */
export async function handleLifecycleAction(request: LifecycleRequest, deps: Dependencies): Promise<Summary> {
  const { config } = deps;
  const dryRun = config.dryRun || request.dryRun;
  const job: InstanceJob = {
    instanceId: request.instanceId,
    dryRun,
    intent: request.transition === "launch" ? "launch" : request.destination === "WarmPool" ? "stop" : "remove",
    source: `${request.transition} lifecycle action of ${request.groupName}`,
  };
  let summary: Summary;
  let transientError: Error | undefined;
  try {
    summary = await reconcileInstance(reported(request), job, deps);
  } catch (error) {
    // A permanent failure still completes the action. A transient one leaves a launch to the retry;
    // a terminate is completed all the same, then fails so the retry removes the route.
    const failure = permanentFailureOf(error);
    if (failure === undefined && request.transition === "launch") throw error;
    if (failure === undefined) transientError = error instanceof Error ? error : new Error(String(error));
    summary = {
      request: reported(request),
      dryRun,
      tables: [],
      instanceChanges: [],
      failures: failure ? [failure] : [],
    };
  }
  const { failures } = summary;
  if (request.transition === "launch" && failures.some(isTransient)) {
    throw new ReconcileFailedError(failures.map((failure) => failure.message));
  }

  const result: LifecycleResult =
    request.transition === "launch" && failures.length > 0 ? config.launchFailureResult : "CONTINUE";
  const completion = dryRun ? ("planned" as const) : await deps.autoScaling.completeLifecycleAction(request, result);
  deps.log.info("lifecycle action completed", {
    instanceId: request.instanceId,
    groupName: request.groupName,
    hookName: request.hookName,
    result,
    completion,
  });
  if (transientError !== undefined) throw transientError;
  return { ...summary, lifecycle: { result, completion } };
}

/**
 * The request as the summary reports and logs it: the action's token cut to its first characters. The
 * token lets anyone who may complete lifecycle actions decide this launch; the logs do not need it.
 */
function reported(request: LifecycleRequest): LifecycleRequest {
  return request.token === undefined ? request : { ...request, token: `${request.token.slice(0, 8)}…` };
}
