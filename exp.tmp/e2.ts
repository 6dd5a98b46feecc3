import { AutoScalingClient, CompleteLifecycleActionCommand } from "@aws-sdk/client-auto-scaling";
export const h = () => [AutoScalingClient, CompleteLifecycleActionCommand];
