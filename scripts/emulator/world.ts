import type { AutoScalingClient } from "@aws-sdk/client-auto-scaling";
import type { EC2Client } from "@aws-sdk/client-ec2";
import { buildTutorialNetwork, type TutorialNetwork } from "./network.js";
import { buildWorkerGroup, type WorkerGroup } from "./worker-group.js";

/** What the emulator builds: the tutorial's network and workers, and an Auto Scaling worker group of one. */
export interface World {
  readonly network: TutorialNetwork;
  readonly group: WorkerGroup;
}

/** The rows the emulator prints: every instance by the name the CLI's --instance takes. */
export interface InstanceRow {
  readonly name: string;
  readonly instanceId: string;
  readonly podCidr: string;
  readonly note: string;
}

export async function buildWorld(
  ec2: EC2Client,
  autoScaling: AutoScalingClient,
  workerCount: number,
  { dualStack = false } = {},
): Promise<World> {
  const network = await buildTutorialNetwork(ec2, workerCount, { dualStack });
  // One instance, so that the group's name (its instances' Name tag) names it alone.
  const group = await buildWorkerGroup(ec2, autoScaling, network.subnetId, 1);
  return { network, group };
}

export function instanceRows({ network, group }: World): InstanceRow[] {
  return [
    { name: "controller-0", instanceId: network.controllerId, podCidr: "", note: "not a worker" },
    ...network.workers.map((worker) => ({ ...worker, note: "worker, not yet routed" })),
    ...group.instanceIds.map((instanceId) => ({
      name: group.name,
      instanceId,
      podCidr: "",
      note: `in Auto Scaling group ${group.name} (hooks ${group.launchHook}, ${group.terminateHook}); a launch allocates its pod CIDR`,
    })),
  ];
}
