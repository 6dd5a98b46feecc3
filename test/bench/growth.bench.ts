import { CreateTagsCommand, RunInstancesCommand, type EC2Client } from "@aws-sdk/client-ec2";
import type { Context, SQSBatchResponse, SQSEvent } from "aws-lambda";
import { afterAll, it, vi } from "vitest";
import { scheduled, stateChange } from "../../scripts/cli/sample-events.js";
import { bundledHandler } from "../support/bundle.js";
import { createEventQueue, pollUntilEmpty } from "../support/event-queue.js";
import { buildNetwork } from "../../scripts/emulator/network.js";
import { ec2, handlerCalls, injectFaults, motoEndpoint } from "../support/moto-harness.js";

/**
 * How pod-routes grows with the cluster, against moto: for N = 10, 50, 200 and 1,000 workers, a cold sync
 * (no route yet), a converged sync, one launch, and a burst of 100 launches through the queue. Per
 * scenario: AWS calls by operation, handler time, peak heap growth, the longest log line. Then the
 * cold sync of 1,000 workers with 30% of calls throttled, invoked as Lambda would with the template's
 * timeout until converged (goal: 2 invocations). Beside it, what Kubernetes' route controller with
 * cloud-provider-aws would call for the same work, from its aws_routes.go.
 */
const SIZES = [10, 50, 200, 1000];
const BURST = 100;
const TIMEOUT_MS = 120_000;
/** /24 blocks of 10.192.0.0/12 (outside the VPC): 4,096 of them, room for every N and its launches. */
const CLUSTER = { CLUSTER_CIDR: "10.192.0.0/12" };
const block = (n: number) => `10.${192 + (n >> 8)}.${n & 255}.0/24`;

interface Row {
  readonly n: number;
  readonly scenario: string;
  readonly calls: string[];
  readonly ms: number;
  readonly heapMb: number;
  readonly longestLine: number;
}
const rows: Row[] = [];
let throttled = "not measured";

async function workers(client: EC2Client, subnetId: string, from: number, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let start = 0; start < count; start += 500) {
    const batch = Math.min(500, count - start);
    const launched = await client.send(
      new RunInstancesCommand({ ImageId: "ami-12c6146b", MinCount: batch, MaxCount: batch, SubnetId: subnetId }),
    );
    ids.push(...launched.Instances!.map((instance) => instance.InstanceId!));
  }
  for (const [n, id] of ids.entries()) {
    await client.send(new CreateTagsCommand({ Resources: [id], Tags: [{ Key: "pod-cidr", Value: block(from + n) }] }));
  }
  return ids;
}

/** Runs `work`, recording the handler's calls, its time, peak heap growth and the longest line it logged. */
async function measure(n: number, scenario: string, work: () => Promise<unknown>): Promise<void> {
  const lines: string[] = [];
  for (const stream of [process.stdout, process.stderr]) {
    vi.spyOn(stream, "write").mockImplementation((chunk) => (lines.push(...String(chunk).split("\n")), true));
  }
  handlerCalls();
  const before = process.memoryUsage().heapUsed;
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().heapUsed)), 5);
  const start = performance.now();
  try {
    await work();
  } finally {
    const ms = performance.now() - start;
    clearInterval(sampler);
    vi.restoreAllMocks();
    rows.push({
      n,
      scenario,
      calls: handlerCalls(),
      ms,
      heapMb: (Math.max(peak, process.memoryUsage().heapUsed) - before) / 2 ** 20,
      longestLine: Math.max(0, ...lines.map((line) => Buffer.byteLength(line))),
    });
  }
}

for (const n of SIZES) {
  it(`${n} workers`, async () => {
    vi.stubEnv("POWERTOOLS_LOG_LEVEL", "INFO");
    const network = await buildNetwork(ec2, "10.240.0.0/16", "10.240.0.0/20");
    const settings = { ROUTE_TABLE_IDS: network.routeTableId, ...CLUSTER };
    await workers(ec2, network.subnetId, 0, n);
    const handler = bundledHandler(settings);
    await handler({ Event: "autoscaling:TEST_NOTIFICATION" });

    await measure(n, "cold sync", () => handler(scheduled()));
    await measure(n, "converged sync", () => handler(scheduled()));
    const [newcomer] = await workers(ec2, network.subnetId, n, 1);
    await measure(n, "one launch", () => handler(stateChange(newcomer!, "running")));
    const burst = await workers(ec2, network.subnetId, n + 1, BURST);
    const queue = await createEventQueue(motoEndpoint, { group: `growth-${n}` });
    await queue.send(burst.map((id) => stateChange(id, "running")));
    const consume = (event: SQSEvent): Promise<SQSBatchResponse> => handler(event);
    await measure(n, `burst of ${BURST}, queued`, () => pollUntilEmpty(motoEndpoint, queue, consume));
    vi.unstubAllEnvs();
  });
}

it("cold sync of 1,000 workers, 30% of calls throttled", async () => {
  vi.stubEnv("POWERTOOLS_LOG_LEVEL", "SILENT");
  const network = await buildNetwork(ec2, "10.240.0.0/16", "10.240.0.0/20");
  await workers(ec2, network.subnetId, 0, 1000);
  const handler = bundledHandler({ ROUTE_TABLE_IDS: network.routeTableId, ...CLUSTER });
  const context = { functionName: "pod-routes", getRemainingTimeInMillis: () => TIMEOUT_MS } as Context;
  injectFaults({ seed: 1000, rate: 0.3, faults: ["throttle"] });
  const start = performance.now();
  let invocations = 0;
  for (let converged = false; !converged && invocations < 5;) {
    invocations++;
    const summary = await handler(scheduled(), context).catch(() => undefined);
    converged = summary !== undefined && summary.failures.length === 0;
  }
  injectFaults(undefined);
  vi.unstubAllEnvs();
  throttled = `${invocations} invocation(s), ${((performance.now() - start) / 1000).toFixed(0)} s in all (goal: 2 at most): ${invocations <= 2 ? "met" : "MISSED"}`;
});

afterAll(() => {
  const operations = [
    "DescribeInstances",
    "DescribeRouteTables",
    "CreateRoute",
    "ModifyInstanceAttribute",
    "DeleteRoute",
    "ReplaceRoute",
  ];
  const short = ["DescInst", "DescRtb", "Create", "ModAttr", "Delete", "Replace"];
  const header = ["N", "scenario".padEnd(22), "calls", ...short, "handler ms", "heap MB", "longest line"];
  const line = (cells: Array<string | number>) => cells.map((cell) => String(cell).padStart(8)).join(" ");
  console.log(
    [
      "",
      "Growth with the cluster, against moto (calls by operation, handler time, peak heap growth, longest log line in bytes)",
      line(header),
      ...rows.map((row) =>
        line([
          row.n,
          row.scenario.padEnd(22),
          row.calls.length,
          ...operations.map((op) => row.calls.filter((call) => call === op).length),
          row.ms.toFixed(0),
          row.heapMb.toFixed(1),
          row.longestLine,
        ]),
      ),
      "Kubernetes' route controller with cloud-provider-aws, same work (from its aws_routes.go):",
      ...SIZES.map(
        (n) =>
          `  N=${n}: converged reconcile 2 calls (DescribeRouteTables, DescribeInstances), every reconcile period; ` +
          `cold ${2 + 4 * n} calls (each route: DescribeInstances, ModifyInstanceAttribute, DescribeRouteTables, ` +
          `CreateRoute; ${2 + 3 * n} from v1.33, without the DescribeInstances)`,
      ),
      `Cold sync of 1,000 workers under 30% throttling: ${throttled}`,
      `No log line over 32 KB: ${rows.every((row) => row.longestLine <= 32 * 1024) ? "met" : "MISSED"}`,
    ].join("\n"),
  );
});
