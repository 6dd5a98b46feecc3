import {
  CreateTagsCommand,
  DeleteRouteCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
} from "@aws-sdk/client-ec2";
import { afterAll, it } from "vitest";
import { bundledHandler, type Handler } from "../support/bundle.js";
import { lifecycleAction, scheduled, stateChange } from "../../scripts/cli/sample-events.js";
import { buildTutorialNetwork } from "../../scripts/emulator/network.js";
import { buildWorkerGroup } from "../../scripts/emulator/worker-group.js";
import { autoScaling, ec2, handlerCalls } from "../support/moto-harness.js";

/**
 * Per kind of event, against moto: the AWS calls the bundled handler makes, and its warm latency
 * (in-process, median over RUNS invocations, moto's own time included). Prints a table.
 */
const RUNS = 9;
const rows: Array<{ scenario: string; actions: string[]; ms: number[] }> = [];

/** Times `invoke` RUNS times (after `prepare`, untimed), recording the calls of the first run. */
async function measure(
  scenario: string,
  invoke: (run: number) => Promise<unknown>,
  prepare: (run: number) => Promise<unknown> = async () => {},
) {
  const row = { scenario, actions: [] as string[], ms: [] as number[] };
  for (let run = 0; run < RUNS; run++) {
    await prepare(run);
    handlerCalls();
    const start = performance.now();
    await invoke(run);
    row.ms.push(performance.now() - start);
    if (run === 0) row.actions = handlerCalls();
  }
  rows.push(row);
}

/** A handler already past its first invocation, as a warm Lambda environment is. */
async function warmHandler(settings: Record<string, string>): Promise<Handler> {
  const handler = bundledHandler(settings);
  await handler({ Event: "autoscaling:TEST_NOTIFICATION" });
  return handler;
}

afterAll(() => {
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const summarise = (actions: string[]) => {
    const counts = new Map<string, number>();
    for (const action of actions) counts.set(action, (counts.get(action) ?? 0) + 1);
    return [...counts].map(([action, n]) => `${action}×${n}`).join(" ");
  };
  const width = Math.max(...rows.map((row) => row.scenario.length));
  console.log(
    [
      "",
      `AWS API calls and warm latency per event (median of ${RUNS}, against moto)`,
      `${"scenario".padEnd(width)}  calls  reads  median ms  actions`,
      ...rows.map((row) => {
        const reads = row.actions.filter((action) => action.startsWith("Describe")).length;
        return `${row.scenario.padEnd(width)}  ${String(row.actions.length).padStart(5)}  ${String(reads).padStart(5)}  ${median(row.ms).toFixed(1).padStart(9)}  ${summarise(row.actions)}`;
      }),
      "Goals:",
      ...GOALS.map(({ scenario, goal, met }) => {
        const row = rows.find((candidate) => candidate.scenario === scenario);
        return `  ${scenario}: ${goal}: ${row ? (met(row.actions) ? "met" : `MISSED (${summarise(row.actions)})`) : "not measured"}`;
      }),
    ].join("\n"),
  );
});

/** The API-economy goals. The converged sync fits one page of each read here. */
const GOALS: Array<{ scenario: string; goal: string; met: (actions: string[]) => boolean }> = [
  { scenario: "launch (running event)", goal: "at most 4 calls", met: (actions) => actions.length <= 4 },
  {
    scenario: "replay of an applied event",
    goal: "at most 2 calls, reads only",
    met: (actions) => actions.length <= 2 && actions.every((action) => action.startsWith("Describe")),
  },
  {
    scenario: "converged sync, 100 workers",
    goal: "2 calls (one page of each read)",
    met: (actions) => actions.length === 2,
  },
];

it("state-change events", async () => {
  const seed = await buildTutorialNetwork(ec2, RUNS);
  const handler = await warmHandler({ ROUTE_TABLE_IDS: seed.routeTableId });
  const workers = seed.workers.map((worker) => worker.instanceId);

  await measure("launch (running event)", (run) => handler(stateChange(workers[run]!, "running")));
  await measure("replay of an applied event", () =>
    handler(stateChange(workers[0]!, "running", { replayName: "bench" })),
  );
  await measure(
    "terminate",
    (run) => handler(stateChange(workers[run]!, "terminated")),
    (run) => ec2.send(new TerminateInstancesCommand({ InstanceIds: [workers[run]!] })),
  );
  await measure("unsupported event (refused)", () =>
    handler({ source: "aws.s3", "detail-type": "Object Created", detail: {} }).catch(() => undefined),
  );
});

it("lifecycle actions", async () => {
  const seed = await buildTutorialNetwork(ec2, 0);
  const group = await buildWorkerGroup(ec2, autoScaling, seed.subnetId, RUNS);
  const handler = await warmHandler({ ROUTE_TABLE_IDS: seed.routeTableId, ALLOCATE_POD_CIDR: "true" });
  const workers = group.instanceIds;

  await measure("lifecycle launch with allocation", (run) =>
    handler(lifecycleAction("launch", workers[run]!, { group: group.name, hook: group.launchHook })),
  );
  await measure("lifecycle terminate", (run) =>
    handler(lifecycleAction("terminate", workers[run]!, { group: group.name, hook: group.terminateHook })),
  );
});

it("full sync of 100 workers", async () => {
  const seed = await buildTutorialNetwork(ec2, 0);
  const launched = await ec2.send(
    new RunInstancesCommand({ ImageId: "ami-12c6146b", MinCount: 100, MaxCount: 100, SubnetId: seed.subnetId }),
  );
  const ids = launched.Instances!.map((instance) => instance.InstanceId!);
  await Promise.all(
    ids.map((id, n) =>
      ec2.send(new CreateTagsCommand({ Resources: [id], Tags: [{ Key: "pod-cidr", Value: `10.200.${n}.0/24` }] })),
    ),
  );
  const handler = await warmHandler({ ROUTE_TABLE_IDS: seed.routeTableId });

  await measure("first sync, 100 workers unrouted", () => handler(scheduled()));
  rows.at(-1)!.ms.splice(1);
  await measure("converged sync, 100 workers", () => handler(scheduled()));
  await measure(
    "sync with 10% drift (10 routes missing)",
    () => handler(scheduled()),
    () =>
      Promise.all(
        Array.from({ length: 10 }, (_, n) =>
          ec2.send(
            new DeleteRouteCommand({ RouteTableId: seed.routeTableId, DestinationCidrBlock: `10.200.${n * 10}.0/24` }),
          ),
        ),
      ),
  );
});
