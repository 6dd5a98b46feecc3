import { CreateTagsCommand, DeleteRouteCommand, RunInstancesCommand, TerminateInstancesCommand } from "@aws-sdk/client-ec2";
import { afterAll, it } from "vitest";
import { bundledHandler } from "../support/bundle.js";
import { lifecycleAction, scheduled, stateChange } from "../support/events.js";
import { buildSeed } from "../support/seed.js";
import { buildWorkerGroup } from "../support/worker-group.js";
import { autoScaling, ec2, handlerCalls } from "../integration/harness.js";

/** AWS API calls each kind of event costs the bundled handler, against moto. Prints a table. */
const rows: Array<{ scenario: string; calls: number; reads: number; mutations: number; actions: string }> = [];

function record(scenario: string) {
  const actions = handlerCalls();
  const reads = actions.filter((action) => action.startsWith("Describe")).length;
  const counts = new Map<string, number>();
  for (const action of actions) counts.set(action, (counts.get(action) ?? 0) + 1);
  rows.push({ scenario, calls: actions.length, reads, mutations: actions.length - reads, actions: [...counts].map(([a, n]) => `${a}×${n}`).join(" ") });
}

afterAll(() => {
  const width = Math.max(...rows.map((row) => row.scenario.length));
  const lines = rows.map((row) => `${row.scenario.padEnd(width)}  ${String(row.calls).padStart(5)}  ${String(row.reads).padStart(5)}  ${String(row.mutations).padStart(9)}  ${row.actions}`);
  console.log(["", "AWS API calls per event (npm run bench)", `${"scenario".padEnd(width)}  calls  reads  mutations  actions`, ...lines].join("\n"));
});

it("single-worker events", async () => {
  const seed = await buildSeed(ec2, 1);
  const handler = bundledHandler({ ROUTE_TABLE_IDS: seed.routeTableId });
  const worker = seed.workers[0]!.instanceId;
  handlerCalls();

  await handler(stateChange(worker, "running"));
  record("launch (running event)");
  await handler(stateChange(worker, "running", { replayName: "bench" }));
  record("replay of an applied event");
  await ec2.send(new TerminateInstancesCommand({ InstanceIds: [worker] }));
  await handler(stateChange(worker, "terminated"));
  record("terminate");
});

it("lifecycle actions", async () => {
  const seed = await buildSeed(ec2, 0);
  const group = await buildWorkerGroup(ec2, autoScaling, seed.subnetId, 1);
  const worker = group.instanceIds[0]!;
  const handler = bundledHandler({ ROUTE_TABLE_IDS: seed.routeTableId, ALLOCATE_POD_CIDR: "true" });
  handlerCalls();

  await handler(lifecycleAction("launch", worker, { group: group.name, hook: group.launchHook }));
  record("lifecycle launch with allocation");
  await handler(lifecycleAction("terminate", worker, { group: group.name, hook: group.terminateHook }));
  record("lifecycle terminate");
});

it("full sync of 100 workers", async () => {
  const seed = await buildSeed(ec2, 0);
  const launched = await ec2.send(new RunInstancesCommand({ ImageId: "ami-12c6146b", MinCount: 100, MaxCount: 100, SubnetId: seed.subnetId }));
  const ids = launched.Instances!.map((instance) => instance.InstanceId!);
  await Promise.all(ids.map((id, n) => ec2.send(new CreateTagsCommand({ Resources: [id], Tags: [{ Key: "pod-cidr", Value: `10.200.${n}.0/24` }] }))));
  const handler = bundledHandler({ ROUTE_TABLE_IDS: seed.routeTableId });
  handlerCalls();

  await handler(scheduled());
  record("first sync, 100 workers unrouted");
  await handler(scheduled());
  record("converged sync, 100 workers");
  await Promise.all(ids.slice(0, 10).map((_, n) => ec2.send(new DeleteRouteCommand({ RouteTableId: seed.routeTableId, DestinationCidrBlock: `10.200.${n}.0/24` }))));
  await handler(scheduled());
  record("sync with 10% drift (10 routes missing)");
});
