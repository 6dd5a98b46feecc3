import {
  CompleteLifecycleActionCommand,
  DescribeAutoScalingGroupsCommand,
  DescribeLifecycleHooksCommand,
  type AutoScalingClient,
} from "@aws-sdk/client-auto-scaling";
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

/** An instance of a group held in `Pending:Wait` by a launch lifecycle hook. */
export interface WaitingLaunch {
  readonly groupName: string;
  readonly instanceId: string;
}

export interface AutoScalingPort {
  completeLifecycleAction(action: LifecycleAction, result: LifecycleResult): Promise<Completion>;
  /** The groups' instances waiting in `Pending:Wait` (one DescribeAutoScalingGroups a page of groups). */
  waitingLaunches(groupNames: readonly string[]): Promise<WaitingLaunch[]>;
  /** The names of a group's launch lifecycle hooks. */
  launchHooks(groupName: string): Promise<string[]>;
}

export function autoScalingAdapter(client: AutoScalingClient, abortSignal?: AbortSignal): AutoScalingPort {
  const options = abortSignal ? { abortSignal } : {};
  return {
    async waitingLaunches(groupNames) {
      const waiting: WaitingLaunch[] = [];
      let NextToken: string | undefined;
      do {
        const page = await client.send(
          new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [...groupNames], NextToken }),
          options,
        );
        for (const group of page.AutoScalingGroups ?? [])
          for (const instance of group.Instances ?? [])
            if (instance.LifecycleState === "Pending:Wait" && instance.InstanceId && group.AutoScalingGroupName)
              waiting.push({ groupName: group.AutoScalingGroupName, instanceId: instance.InstanceId });
        NextToken = page.NextToken;
      } while (NextToken);
      return waiting;
    },

    async launchHooks(groupName) {
      const answer = await client.send(new DescribeLifecycleHooksCommand({ AutoScalingGroupName: groupName }), options);
      return (answer.LifecycleHooks ?? [])
        .filter((hook) => hook.LifecycleTransition === "autoscaling:EC2_INSTANCE_LAUNCHING")
        .flatMap((hook) => hook.LifecycleHookName ?? []);
    },

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
          options,
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
