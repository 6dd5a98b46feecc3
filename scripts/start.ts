import { AutoScalingClient } from "@aws-sdk/client-auto-scaling";
import { CreateRouteCommand, DeleteRouteCommand, EC2Client, TerminateInstancesCommand } from "@aws-sdk/client-ec2";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { createHandler as CreateHandler } from "../functions/pod-routes/entry/handler.js";
import { lifecycleAction, scheduled, stateChange } from "./cli/sample-events.js";
import { startMoto } from "./emulator/moto.js";
import { buildTutorialNetwork, launchWorker } from "./emulator/network.js";
import { buildWorkerGroup } from "./emulator/worker-group.js";
import { readRouteTable, renderRouteTable, type RouteRow } from "./cli/render.js";
import { overlaps, parseBlock } from "../functions/pod-routes/core/cidr.js";
import { parseConfig } from "../functions/pod-routes/core/config.js";

/**
 * `npm start`: pod-routes at work on an emulated AWS (moto, on a free loopback port, always stopped).
 * Builds the network of "Kubernetes the hard way on AWS", then drives the built handler through six
 * steps, printing the route table after each. Exits 0 only if every step ended as stated.
 */
const root = resolve(import.meta.dirname, "..");
// A reader that stops early (`npm start | head`) ends the story quietly, as Unix tools do.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code !== "EPIPE") throw error;
  process.exit(0);
});
const outcomes: boolean[] = [];

const moto = await startMoto({ launcher: resolve(root, "scripts/emulator/moto_server.py") }).catch((error: Error) => {
  // Missing moto, a taken port: the message says what to do; a stack trace would not.
  console.error(error.message);
  process.exit(1);
});
try {
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: moto.endpoint,
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "emulator",
    AWS_SECRET_ACCESS_KEY: "emulator",
    POWERTOOLS_LOG_LEVEL: process.env["POWERTOOLS_LOG_LEVEL"] ?? "SILENT",
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
  });
  await story();
} finally {
  await moto.stop();
}
const failed = outcomes.filter((ok) => !ok).length;
console.log(
  failed === 0
    ? `\nAll ${outcomes.length} steps ended as stated.`
    : `\n${failed} of ${outcomes.length} steps did not end as stated.`,
);
process.exitCode = failed === 0 ? 0 : 1;

async function story(): Promise<void> {
  // The metrics the function emits (CloudWatch embedded metric format lines) are not part of the story.
  process.env["POWERTOOLS_METRICS_DISABLED"] = "true";
  const ec2 = new EC2Client({});
  const autoScaling = new AutoScalingClient({});
  const { createHandler } = (await import(pathToFileURL(resolve(root, "dist/pod-routes/index.mjs")).href)) as {
    createHandler: typeof CreateHandler;
  };
  const network = await buildTutorialNetwork(ec2);
  const handler = createHandler({ ...process.env, ROUTE_TABLE_IDS: network.routeTableId });
  const [worker0, worker1, worker2] = network.workers.map((worker) => worker.instanceId) as [string, string, string];
  const selector = parseConfig({ ...process.env, ROUTE_TABLE_IDS: network.routeTableId });
  const table = () => readRouteTable(ec2, network.routeTableId, selector);
  const tutorialRows = (w1: string, extra: Array<[string, string]> = []) =>
    [
      ["0.0.0.0/0", network.internetGatewayId],
      ["10.200.0.0/24", worker0],
      ["10.200.1.0/24", w1],
      ["10.200.2.0/24", worker2],
      ["10.240.0.0/16", "local"],
      ...extra,
    ].sort(([a], [b]) => a!.localeCompare(b!, "en", { numeric: true }));
  console.log(
    `moto server on ${moto.endpoint}; the network of "Kubernetes the hard way on AWS": ${network.vpcId} (10.240.0.0/16), ${network.subnetId}, ${network.routeTableId} with a default route to ${network.internetGatewayId}`,
  );
  console.log(
    `workers: ${network.workers.map((w) => `${w.name} ${w.instanceId} ${w.podCidr}`).join(", ")}; controller-0 ${network.controllerId}`,
  );

  const events = network.workers.map((worker) => stateChange(worker.instanceId, "running"));
  for (const event of events) await handler(event);
  step(
    1,
    "the workers' running events routed each pod CIDR to its worker: the tutorial's verification table",
    tutorialRows(worker1),
    await table(),
  );

  const replays = await Promise.all(events.map((event) => handler({ ...event, "replay-name": "npm-start-replay" })));
  const changed = replays.flatMap((summary) => summary.tables.flatMap((t) => t.decisions.filter((d) => d.applied)));
  step(
    2,
    `the same events replayed from an archive: ${changed.length} change(s), the table as it was`,
    tutorialRows(worker1),
    await table(),
    changed.length === 0,
  );

  const replacement = await launchWorker(ec2, network.subnetId, "worker-1", "10.200.1.0/24");
  await ec2.send(new TerminateInstancesCommand({ InstanceIds: [worker1] }));
  await handler(stateChange(replacement, "running"));
  await handler(stateChange(worker1, "terminated"));
  step(
    3,
    `worker-1 replaced by ${replacement} with the same pod CIDR; the old worker's late terminate event left its route alone`,
    tutorialRows(replacement),
    await table(),
  );

  const badlyTagged = await launchWorker(ec2, network.subnetId, "worker-3", "10.200.3.7/24");
  // A delivered event that fails for good is reported, not retried: the summary names the failure.
  const refusal = (await handler(stateChange(badlyTagged, "running"))).failures[0]?.message ?? "accepted";
  step(
    4,
    `worker-3 (${badlyTagged}), tagged 10.200.3.7/24, was refused, the table unchanged — ${refusal}`,
    tutorialRows(replacement),
    await table(),
    refusal.startsWith("InvalidPodCidrError"),
  );

  const group = await buildWorkerGroup(ec2, autoScaling, network.subnetId, 1);
  const launched = group.instanceIds[0]!;
  const allocating = createHandler({
    ...process.env,
    ROUTE_TABLE_IDS: network.routeTableId,
    ALLOCATE_POD_CIDR: "true",
  });
  const launch = await allocating(lifecycleAction("launch", launched, { group: group.name, hook: group.launchHook }));
  const allocated = launch.allocation?.cidr ?? "(none)";
  const holders = [
    ...network.workers.map((worker) => ({ name: worker.name, tag: worker.podCidr })),
    { name: "worker-3", tag: "10.200.3.7/24" },
  ];
  step(
    5,
    `an Auto Scaling launch got pod CIDR ${allocated}, the lowest free block (${takenBelow(allocated, holders)}), ` +
      `tagged and routed; pod-routes then completed its launch hook with ${launch.lifecycle?.result}, so Auto ` +
      "Scaling puts the instance in service",
    tutorialRows(replacement, [[allocated, launched]]),
    await table(),
    launch.lifecycle?.completion === "completed",
  );

  await ec2.send(new DeleteRouteCommand({ RouteTableId: network.routeTableId, DestinationCidrBlock: "10.200.0.0/24" }));
  const byHand = (cidr: string, InstanceId: string) =>
    ec2.send(new CreateRouteCommand({ RouteTableId: network.routeTableId, DestinationCidrBlock: cidr, InstanceId }));
  await byHand("10.200.9.0/24", worker1);
  await byHand("10.200.8.0/24", network.controllerId);
  const drifted = await table();
  const sync = await handler(scheduled());
  const repaired = await table();
  console.log(
    "\ndrift by hand: 10.200.0.0/24 deleted, 10.200.9.0/24 → the old worker-1 (terminated) and " +
      `10.200.8.0/24 → controller-0 added\n${renderRouteTable(drifted)}`,
  );
  // The badly tagged worker is reported by every sync, as it should be; everything else converges.
  step(
    6,
    "a full sync repaired the drift (the missing route is back, the orphan to the old worker-1 gone), left the " +
      "route to controller-0 alone (not a worker: unmanaged) and still reported worker-3's bad tag",
    tutorialRows(replacement, [
      ["10.200.8.0/24", network.controllerId],
      [allocated, launched],
    ]),
    repaired,
    sync.failures.some((failure) => failure.message.startsWith("InvalidPodCidrError")),
  );
}

/** The blocks below `allocated`, each with whose tag holds it: why the allocation skipped them. */
function takenBelow(allocated: string, holders: ReadonlyArray<{ name: string; tag: string }>): string {
  const below = Array.from({ length: Number(allocated.split(".")[2]) }, (_, n) => `10.200.${n}.0/24`);
  return below
    .map((cidr) => {
      const holder = holders.find((h) => overlaps(parseBlock(h.tag)!, parseBlock(cidr)!));
      if (!holder) return `${cidr} free`;
      return holder.tag === cidr
        ? `${cidr}: ${holder.name}'s`
        : `${cidr}: ${holder.name}'s tag ${holder.tag} lies in it`;
    })
    .join("; ");
}

function step(number: number, what: string, expected: string[][], actual: RouteRow[], alsoTrue = true): void {
  const found = actual.map((row) => [row.destination, row.target]);
  const ok = alsoTrue && JSON.stringify(found) === JSON.stringify(expected);
  outcomes.push(ok);
  console.log(`\n${ok ? "ok" : "NOT AS STATED"} — step ${number}: ${what}`);
  console.log(renderRouteTable(actual));
  if (!ok) console.log(`expected:\n${expected.map((row) => row.join("  ")).join("\n")}`);
}
