import { TerminateInstancesCommand } from "@aws-sdk/client-ec2";
import { describe, expect, it } from "vitest";
import { lifecycleAction, scheduled, stateChange } from "../../scripts/cli/sample-events.js";
import { bundledHandler } from "../support/bundle.js";
import { expectRouting } from "../support/invariants.js";
import { buildTutorialNetwork, launchTaggedWorkers } from "../../scripts/emulator/network.js";
import { routesOf } from "../support/routes.js";
import { buildWorkerGroup } from "../../scripts/emulator/worker-group.js";
import { autoScaling, ec2 } from "../support/moto-harness.js";

const N = 100;
const CLUSTER = /^10\.200\./;

/** Each invocation in its own handler, as concurrent Lambda environments would run them. */
const all = (rtb: string, events: unknown[], settings: Record<string, string> = {}) =>
  Promise.all(events.map((event) => bundledHandler({ ROUTE_TABLE_IDS: rtb, ...settings })(event)));

const podRoutes = async (rtb: string) => (await routesOf(ec2, rtb)).filter(([cidr]) => CLUSTER.test(cidr));

describe(`bursts of ${N} concurrent invocations`, () => {
  it(`${N} launches, then ${N} terminations: the exact table each time`, async () => {
    const seed = await buildTutorialNetwork(ec2, 0);
    const rtb = seed.routeTableId;
    const ids = await launchTaggedWorkers(ec2, seed.subnetId, N, (n) => `10.200.${n}.0/24`);

    await all(
      rtb,
      ids.map((id) => stateChange(id, "running")),
    );
    expect(await podRoutes(rtb)).toEqual(ids.map((id, n) => [`10.200.${n}.0/24`, id]));

    await ec2.send(new TerminateInstancesCommand({ InstanceIds: ids }));
    await all(
      rtb,
      ids.map((id) => stateChange(id, "terminated")),
    );
    expect(await routesOf(ec2, rtb)).toEqual([
      ["0.0.0.0/0", seed.internetGatewayId],
      ["10.240.0.0/16", "local"],
    ]);
  });

  it("replacements reusing CIDRs win, whatever order their launch and the old workers' late terminations arrive in", async () => {
    const seed = await buildTutorialNetwork(ec2, 0);
    const rtb = seed.routeTableId;
    const old = await launchTaggedWorkers(ec2, seed.subnetId, 30, (n) => `10.200.${n}.0/24`);
    await all(
      rtb,
      old.map((id) => stateChange(id, "running")),
    );
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: old }));
    const replacements = await launchTaggedWorkers(ec2, seed.subnetId, 30, (n) => `10.200.${n}.0/24`);

    const events = [
      ...replacements.map((id) => stateChange(id, "running")),
      ...old.map((id) => stateChange(id, "terminated")),
    ];
    await all(
      rtb,
      events.sort(() => 0.5 - pseudoRandom()),
    );

    expect(await podRoutes(rtb)).toEqual(replacements.map((id, n) => [`10.200.${n}.0/24`, id]));
  });

  it("20 concurrent lifecycle launches with allocation get 20 distinct blocks, routed to the tagged worker", async () => {
    const seed = await buildTutorialNetwork(ec2, 0);
    const rtb = seed.routeTableId;
    const group = await buildWorkerGroup(ec2, autoScaling, seed.subnetId, 20);

    const summaries = await all(
      rtb,
      group.instanceIds.map((id) => lifecycleAction("launch", id, { group: group.name, hook: group.launchHook })),
      { ALLOCATE_POD_CIDR: "true" },
    );

    const blocks = summaries.map((summary) => summary.allocation?.cidr);
    expect(new Set(blocks).size).toBe(20);
    expect((await podRoutes(rtb)).sort()).toEqual(group.instanceIds.map((id, n) => [blocks[n], id]).sort());
  });

  it("full syncs racing launches, replacements and terminations: every invocation succeeds, the table ends exact", async () => {
    const seed = await buildTutorialNetwork(ec2, 0);
    const rtb = seed.routeTableId;
    const old = await launchTaggedWorkers(ec2, seed.subnetId, 20, (n) => `10.200.${n}.0/24`);
    await all(
      rtb,
      old.map((id) => stateChange(id, "running")),
    );
    const [leaving, staying] = [old.slice(0, 10), old.slice(10)];
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: leaving }));
    const replacements = await launchTaggedWorkers(ec2, seed.subnetId, 10, (n) => `10.200.${n}.0/24`);
    const fresh = await launchTaggedWorkers(ec2, seed.subnetId, 20, (n) => `10.200.${n + 20}.0/24`);

    const events = [
      ...replacements.map((id) => stateChange(id, "running")),
      ...leaving.map((id) => stateChange(id, "terminated")),
      ...fresh.map((id) => stateChange(id, "running")),
      ...Array.from({ length: 8 }, () => scheduled()),
    ].sort(() => 0.5 - pseudoRandom());
    const outcomes = await Promise.allSettled(events.map((event) => bundledHandler({ ROUTE_TABLE_IDS: rtb })(event)));

    expect(outcomes.flatMap((outcome) => (outcome.status === "rejected" ? [String(outcome.reason)] : []))).toEqual([]);
    expect(await podRoutes(rtb)).toEqual(
      [...replacements, ...staying, ...fresh].map((id, n) => [`10.200.${n}.0/24`, id]),
    );
    await expectRouting(ec2, rtb, { everyWorkerRouted: true });
  });
});

let state = 12345;
/** A fixed shuffle: the same order on every run. */
function pseudoRandom(): number {
  state = (state * 1103515245 + 12345) % 2 ** 31;
  return state / 2 ** 31;
}
