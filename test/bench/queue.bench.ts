import { CreateTagsCommand, RunInstancesCommand } from "@aws-sdk/client-ec2";
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import pLimit from "p-limit";
import { afterAll, it } from "vitest";
import { stateChange } from "../../scripts/cli/sample-events.js";
import { bundledHandler } from "../support/bundle.js";
import { createEventQueue, pollUntilEmpty } from "../support/event-queue.js";
import { buildTutorialNetwork } from "../../scripts/emulator/network.js";
import { routesOf } from "../support/routes.js";
import { ec2, handlerCalls, motoEndpoint } from "../support/moto-harness.js";

/**
 * A burst of 100 launches (running state-change events of tagged workers), two ways, against moto:
 * through the FIFO queue in batches of 10, as the template deploys it; and invoked directly, one event an
 * invocation, 5 at a time (the function's reserved concurrency). Prints the calls and the time until the
 * last worker is routed. The queue's own delivery latency (Lambda's poller) is not part of the figure.
 */
const N = 100;
const rows: Array<{ mode: string; invocations: number; ms: number; actions: string[]; readsPerBatch?: number }> = [];

async function burst(): Promise<{ rtb: string; ids: string[] }> {
  const seed = await buildTutorialNetwork(ec2, 0);
  const launched = await ec2.send(
    new RunInstancesCommand({ ImageId: "ami-12c6146b", MinCount: N, MaxCount: N, SubnetId: seed.subnetId }),
  );
  const ids = launched.Instances!.map((instance) => instance.InstanceId!);
  for (const [n, id] of ids.entries()) {
    await ec2.send(new CreateTagsCommand({ Resources: [id], Tags: [{ Key: "pod-cidr", Value: `10.200.${n}.0/24` }] }));
  }
  return { rtb: seed.routeTableId, ids };
}

async function assertRouted(rtb: string, ids: readonly string[]): Promise<void> {
  const routed = (await routesOf(ec2, rtb)).filter(([cidr]) => cidr.startsWith("10.200.")).length;
  if (routed !== ids.length) throw new Error(`${routed} of ${ids.length} workers routed`);
}

it(`${N} launches through the queue`, async () => {
  const { rtb, ids } = await burst();
  const queue = await createEventQueue(motoEndpoint);
  await queue.send(ids.map((id) => stateChange(id, "running")));
  const handler = bundledHandler({ ROUTE_TABLE_IDS: rtb });
  const readsPerBatch: number[] = [];
  const consume = async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const answer = await handler(event);
    const calls = handlerCalls();
    readsPerBatch.push(calls.filter((action) => action.startsWith("Describe")).length);
    actions.push(...calls);
    return answer;
  };
  const actions: string[] = [];
  handlerCalls();
  const start = performance.now();
  const report = await pollUntilEmpty(motoEndpoint, queue, consume);
  const ms = performance.now() - start;
  await assertRouted(rtb, ids);
  rows.push({
    mode: "queued, batches of 10",
    invocations: report.batches.length,
    ms,
    actions,
    readsPerBatch: Math.max(...readsPerBatch),
  });
});

it(`${N} launches invoked directly`, async () => {
  const { rtb, ids } = await burst();
  const limit = pLimit(5);
  handlerCalls();
  const start = performance.now();
  await Promise.all(ids.map((id) => limit(() => bundledHandler({ ROUTE_TABLE_IDS: rtb })(stateChange(id, "running")))));
  const ms = performance.now() - start;
  const actions = handlerCalls();
  await assertRouted(rtb, ids);
  rows.push({ mode: "direct, 5 at a time", invocations: N, ms, actions });
});

afterAll(() => {
  const count = (actions: string[], action: string) => actions.filter((a) => a === action).length;
  const kinds = ["DescribeInstances", "DescribeRouteTables", "CreateRoute", "ModifyInstanceAttribute"];
  const queued = rows.find((row) => row.readsPerBatch !== undefined);
  console.log(
    [
      "",
      `A burst of ${N} launches against moto: calls, and time until the last worker is routed`,
      `${"mode".padEnd(22)}  invocations  calls  ${kinds.map((k) => k.padStart(k.length)).join("  ")}  other  ms to last route`,
      ...rows.map((row) => {
        const known = kinds.map((k) => String(count(row.actions, k)).padStart(k.length));
        const other = row.actions.filter((a) => !kinds.includes(a)).length;
        return `${row.mode.padEnd(22)}  ${String(row.invocations).padStart(11)}  ${String(row.actions.length).padStart(5)}  ${known.join("  ")}  ${String(other).padStart(5)}  ${row.ms.toFixed(0).padStart(16)}`;
      }),
      "Goals for the queued burst:",
      `  at most 2 EC2 reads a batch: ${queued ? (queued.readsPerBatch! <= 2 ? "met" : `MISSED (${queued.readsPerBatch})`) : "not measured"}`,
      `  exactly the mutations needed (${N} creates, ${N} source/dest checks): ${
        queued
          ? count(queued.actions, "CreateRoute") === N && count(queued.actions, "ModifyInstanceAttribute") === N
            ? "met"
            : "MISSED"
          : "not measured"
      }`,
    ].join("\n"),
  );
});
