import {
  CreateAutoScalingGroupCommand,
  DescribeAutoScalingGroupsCommand,
  PutLifecycleHookCommand,
  type AutoScalingClient,
} from "@aws-sdk/client-auto-scaling";
import { CreateLaunchTemplateCommand, type EC2Client } from "@aws-sdk/client-ec2";
import { AMI } from "./network.js";

export interface WorkerGroup {
  readonly name: string;
  readonly launchHook: string;
  readonly terminateHook: string;
  readonly instanceIds: readonly string[];
}

/** An Auto Scaling worker group with pod-routes' launch and terminate hooks, as users deploy it. */
export async function buildWorkerGroup(
  ec2: EC2Client,
  autoScaling: AutoScalingClient,
  subnetId: string,
  size: number,
  name = "hard-k8s-workers",
): Promise<WorkerGroup> {
  await ec2.send(
    new CreateLaunchTemplateCommand({
      LaunchTemplateName: `${name}-template`,
      LaunchTemplateData: {
        ImageId: AMI,
        InstanceType: "t3.micro",
        MetadataOptions: { InstanceMetadataTags: "enabled" },
        // As the example's launch template does: each instance named after its group.
        TagSpecifications: [{ ResourceType: "instance", Tags: [{ Key: "Name", Value: name }] }],
      },
    }),
  );
  await autoScaling.send(
    new CreateAutoScalingGroupCommand({
      AutoScalingGroupName: name,
      LaunchTemplate: { LaunchTemplateName: `${name}-template` },
      MinSize: 0,
      MaxSize: Math.max(size, 1) * 2,
      DesiredCapacity: size,
      VPCZoneIdentifier: subnetId,
    }),
  );
  const hooks = { launchHook: "pod-routes-launch", terminateHook: "pod-routes-terminate" };
  await autoScaling.send(
    new PutLifecycleHookCommand({
      AutoScalingGroupName: name,
      LifecycleHookName: hooks.launchHook,
      LifecycleTransition: "autoscaling:EC2_INSTANCE_LAUNCHING",
      DefaultResult: "ABANDON",
      HeartbeatTimeout: 300,
    }),
  );
  await autoScaling.send(
    new PutLifecycleHookCommand({
      AutoScalingGroupName: name,
      LifecycleHookName: hooks.terminateHook,
      LifecycleTransition: "autoscaling:EC2_INSTANCE_TERMINATING",
      DefaultResult: "CONTINUE",
      HeartbeatTimeout: 300,
    }),
  );
  const group = (await autoScaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] })))
    .AutoScalingGroups![0]!;
  return { name, ...hooks, instanceIds: (group.Instances ?? []).map((instance) => instance.InstanceId!) };
}
