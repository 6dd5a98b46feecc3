import { CompleteLifecycleActionCommand, type AutoScalingClient } from "@aws-sdk/client-auto-scaling";
import type { LifecycleResult } from "../core/config.js";
import { awsErrorCode } from "../core/errors.js";

export interface LifecycleAction {
  readonly groupName: string;
  readonly hookName: string;
  readonly instanceId: string;
  readonly token?: string;
}

/** `no-longer-active`: already completed, timed out or abandoned — what a duplicate delivery meets. */
export type Completion = "completed" | "no-longer-active";

export interface AutoScalingPort {
  completeLifecycleAction(action: LifecycleAction, result: LifecycleResult): Promise<Completion>;
}

export function autoScalingAdapter(client: AutoScalingClient, abortSignal?: AbortSignal): AutoScalingPort {
  return {
    async completeLifecycleAction(action, result) {
      try {
        await client.send(
          new CompleteLifecycleActionCommand({
            AutoScalingGroupName: action.groupName,
            LifecycleHookName: action.hookName,
            LifecycleActionResult: result,
            // The token names this very action; the instance id is the fallback AWS accepts.
            ...(action.token ? { LifecycleActionToken: action.token } : { InstanceId: action.instanceId }),
          }),
          abortSignal ? { abortSignal } : {},
        );
        return "completed";
      } catch (error) {
        if (awsErrorCode(error) === "ValidationError" && /No active Lifecycle Action/i.test((error as Error).message))
          return "no-longer-active";
        throw error;
      }
    },
  };
}
