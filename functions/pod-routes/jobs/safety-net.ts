import { ownsHook } from "../core/config.js";
import type { LifecycleRequest } from "../core/request.js";
import type { Dependencies } from "./dependencies.js";

/**
 * The launch actions still waiting on pod-routes' own hooks in the worker groups, as lifecycle requests
 * (completed by instance id: there is no token), leaving out the instances `handled` already names. A
 * launch message that was lost or dead-lettered leaves such an action behind; a sync finds it, so no
 * worker waits for its hook's timeout. One DescribeAutoScalingGroups, and DescribeLifecycleHooks for
 * each group with an instance waiting. What cannot be read is left to the next sync.
 */
export async function waitingLaunchActions(
  handled: ReadonlySet<string>,
  deps: Dependencies,
): Promise<LifecycleRequest[]> {
  const { config, autoScaling, log } = deps;
  if (config.workerGroupNames.length === 0) return [];
  try {
    const waiting = (await autoScaling.waitingLaunches(config.workerGroupNames)).filter(
      (launch) => !handled.has(launch.instanceId),
    );
    const hooks = new Map<string, string[]>();
    for (const groupName of new Set(waiting.map((launch) => launch.groupName)))
      hooks.set(
        groupName,
        (await autoScaling.launchHooks(groupName)).filter((hook) => ownsHook(config, hook)),
      );
    return waiting.flatMap(({ groupName, instanceId }) =>
      (hooks.get(groupName) ?? []).map((hookName) => ({
        kind: "lifecycle" as const,
        transition: "launch" as const,
        trigger: "schedule" as const,
        dryRun: false,
        instanceId,
        groupName,
        hookName,
      })),
    );
  } catch (error) {
    log.warn("launch actions waiting on pod-routes' hooks not read: the next sync looks again", {
      error: String(error),
    });
    return [];
  }
}
