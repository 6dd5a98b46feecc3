import { ownsHook, type Config, type LifecycleResult } from "../core/config.js";
import type { InstanceJob } from "./controller.js";
import { reconcileInstance } from "./patience.js";
import { quote, ReconcileFailedError, UntrustedEventError } from "../core/errors.js";
import { printable } from "../core/printable.js";
import { isConfigurationError, isTransient, permanentFailureOf } from "./failures.js";
import type { LifecycleRequest } from "../core/request.js";
import type { Dependencies } from "./dependencies.js";
import { emptySummary, type LifecycleOutcome, type Summary } from "./summary.js";

/** The longest a hook waits for a launch action (the largest heartbeat timeout): older ones are over. */
const LONGEST_ACTION_MS = 7200 * 1000;

/**
 * Completes pod-routes' own lifecycle actions; other hooks' actions (a node-termination handler's drain
 * hook, say) are left to their owners. Launch: CONTINUE once the route is in place;
 * LAUNCH_FAILURE_RESULT on a permanent failure, reported in the summary; no completion on a transient
 * one, so Lambda's retry (or the hook's timeout) decides. A replayed or old launch action of an instance
 * that is gone is over: acknowledged without completion. Terminate: CONTINUE at once, the route left
 * as it is, since the instance still runs and may be draining; it goes when EC2 reports the instance
 * shutting down (or stopped, with ON_STOP=remove).
 */
export async function handleLifecycleAction(request: LifecycleRequest, deps: Dependencies): Promise<Summary> {
  const { config } = deps;
  const dryRun = config.dryRun || request.dryRun;
  const about = { instanceId: request.instanceId, groupName: request.groupName, hookName: request.hookName };
  const quiet = (ignored: string): Summary => emptySummary(reported(request), dryRun, { ignored });
  if (!ownsHook(config, request.hookName)) {
    deps.log.debug("lifecycle action of another hook: left to its owner", about);
    return quiet(`hook ${request.hookName} is not one of LIFECYCLE_HOOK_NAMES: its action is left to its owner`);
  }
  const strange = strangeGroup(config, request);
  if (strange !== undefined)
    return emptySummary(reported(request), dryRun, { failures: [permanentFailureOf(strange)!] });
  if (request.transition === "terminate") {
    const summary = quiet(
      `${request.instanceId} still runs while it terminates: its route stays until EC2 reports it shutting down`,
    );
    return { ...summary, lifecycle: await complete(request, "CONTINUE", dryRun, deps) };
  }

  let summary: Summary;
  try {
    summary = await reconcileInstance(reported(request), launchJobOf(request, dryRun, deps.now()), deps);
  } catch (error) {
    // A permanent failure still completes the action; a transient one, or settings at fault, leave it open;
    // an action EC2 does not confirm is not completed at all.
    const failure = permanentFailureOf(error);
    if (failure === undefined || isConfigurationError(error)) throw error;
    summary = emptySummary(reported(request), dryRun, { failures: [failure] });
    if (error instanceof UntrustedEventError) return summary;
  }
  if (summary.ignored !== undefined) {
    deps.log.info("launch action no longer active: acknowledged, not completed", { ...about, why: summary.ignored });
    return summary;
  }
  const { failures } = summary;
  if (failures.some(isTransient)) throw new ReconcileFailedError(failures.map((failure) => failure.message));
  const result: LifecycleResult = failures.length > 0 ? config.launchFailureResult : "CONTINUE";
  return { ...summary, lifecycle: await complete(request, result, dryRun, deps) };
}

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

export async function complete(
  request: LifecycleRequest,
  result: LifecycleResult,
  dryRun: boolean,
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

function ageOf(request: LifecycleRequest, now: number): number {
  const time = request.eventTime === undefined ? Number.NaN : Date.parse(request.eventTime);
  return Number.isFinite(time) ? now - time : 0;
}

/**
 * The request as the summary reports and logs it: the action's token cut to its first characters. The
 * token lets anyone who may complete lifecycle actions decide this launch; the logs do not need it.
 */
function reported(request: LifecycleRequest): LifecycleRequest {
  return request.token === undefined ? request : { ...request, token: `${request.token.slice(0, 8)}…` };
}
