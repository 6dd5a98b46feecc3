import { DescribeInstancesCommand, type EC2Client } from "@aws-sdk/client-ec2";
import { INSTANCE_ID } from "../../functions/pod-routes/entry/event.js";

/** Every instance id in a text: the decoder's pattern, unanchored. */
const INSTANCE_IDS = new RegExp(`\\b${INSTANCE_ID.source.slice(1, -1)}\\b`, "g");

/** A name or id that names no single live instance: bad usage, said with what was found. */
export class InstanceNameError extends Error {
  override readonly name = "InstanceNameError";
}

/**
 * The instance a user names: an id as it is, else the one instance (not terminated) whose Name tag it is.
 * Names are how the emulator's instances are known (worker-1), and how people speak of workers.
 */
export async function instanceNamed(ec2: EC2Client, nameOrId: string): Promise<string> {
  if (INSTANCE_ID.test(nameOrId)) return nameOrId;
  const found = await ec2.send(
    new DescribeInstancesCommand({
      Filters: [
        { Name: "tag:Name", Values: [nameOrId] },
        { Name: "instance-state-name", Values: ["pending", "running", "stopping", "stopped", "shutting-down"] },
      ],
    }),
  );
  const ids = (found.Reservations ?? []).flatMap((r) => r.Instances ?? []).map((i) => i.InstanceId!);
  if (ids.length === 1) return ids[0]!;
  throw new InstanceNameError(
    ids.length === 0
      ? `no instance is named ${JSON.stringify(nameOrId)} (tag Name, not terminated): give an instance id (i-…) or a Name`
      : `${ids.length} instances are named ${JSON.stringify(nameOrId)}: ${ids.join(", ")}; give one's id`,
  );
}

/**
 * An event file's text about another instance: the one instance id it names, everywhere (a queued batch's
 * bodies too), replaced. An event naming none or several cannot say which to replace.
 */
export function retargeted(text: string, file: string, instanceId: string): string {
  const named = [...new Set(text.match(INSTANCE_IDS) ?? [])];
  if (named.length !== 1)
    throw new InstanceNameError(
      named.length === 0
        ? `event file ${file} names no instance: --instance is for events about one`
        : `event file ${file} names ${named.length} instances (${named.join(", ")}): --instance replaces only one`,
    );
  return text.replaceAll(named[0]!, instanceId);
}
