import type { LifecycleResult } from "../core/config.js";
import { reconcileInstance, type InstanceJob } from "./controller.js";
import {
  InvalidPodCidrError,
  NotAWorkerError,
  PodCidrPoolExhaustedError,
  ReconcileFailedError,
  RouteLimitError,
  RouteTableNotFoundError,
} from "../core/errors.js";
import type { LifecycleRequest } from "../core/request.js";
import type { Dependencies } from "./dependencies.js";
import type { Summary } from "./summary.js";

/** Errors no retry can fix: the launch is given up (LAUNCH_FAILURE_RESULT) instead of left waiting. */
const PERMANENT_ERRORS = [
  InvalidPodCidrError,
  NotAWorkerError,
  PodCidrPoolExhaustedError,
  RouteLimitError,
  RouteTableNotFoundError,
];

/**
 * Routes (or unroutes) the instance behind a lifecycle action, then completes the action.
 * Launch: CONTINUE once the route is in place; LAUNCH_FAILURE_RESULT on a permanent failure; no
 * completion on a transient one, so Lambda's retry (or the hook's timeout) decides. Terminate: always
 * CONTINUE — a scale-in is never held hostage — and a failed removal fails the invocation afterwards.
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
  let summary: Summary | undefined;
  let thrown: Error | undefined;
  try {
    summary = await reconcileInstance(reported(request), job, deps);
  } catch (error) {
    thrown = error instanceof Error ? error : new Error(String(error));
  }
  const failures = summary?.failures ?? [];
  const permanent =
    thrown !== undefined
      ? PERMANENT_ERRORS.some((type) => thrown instanceof type)
      : failures.every((f) => f.kind !== "aws-error");
  const failed = thrown !== undefined || failures.length > 0;
  if (request.transition === "launch" && failed && !permanent)
    throw thrown ?? new ReconcileFailedError(failures.map((failure) => failure.message));

  const result: LifecycleResult = request.transition === "launch" && failed ? config.launchFailureResult : "CONTINUE";
  const completion = dryRun ? ("planned" as const) : await deps.autoScaling.completeLifecycleAction(request, result);
  deps.log.info("lifecycle action completed", {
    instanceId: request.instanceId,
    groupName: request.groupName,
    hookName: request.hookName,
    result,
    completion,
  });
  if (thrown !== undefined) throw thrown;
  return { ...summary!, lifecycle: { result, completion } };
}

/**
 * The request as the summary reports and logs it: the action's token cut to its first characters. The
 * token lets anyone who may complete lifecycle actions decide this launch; the logs do not need it.
 */
function reported(request: LifecycleRequest): LifecycleRequest {
  return request.token === undefined ? request : { ...request, token: `${request.token.slice(0, 8)}…` };
}
