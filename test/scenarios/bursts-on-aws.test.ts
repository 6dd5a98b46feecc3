import { EC2Client } from "@aws-sdk/client-ec2";
import { describe, expect, it } from "vitest";
import { lifecycleAction, scheduled, stateChange } from "../../scripts/cli/sample-events.js";
import { expectRouting } from "../support/invariants.js";
import { CLUSTER_TAG_KEY, tutorialWorld, useFakeCloud } from "../support/worlds.js";

const N = 100;
const GROUP = "hard-k8s-workers";
const HOOK = "pod-routes-launch";
const block = (n: number) => `10.200.${n}.0/24`;
const tagsFor = (podCidr: string) => ({ "pod-cidr": podCidr, [CLUSTER_TAG_KEY]: "owned" });

/**
 * Concurrent invocations, each with a handler of its own as concurrent Lambda environments would run
 * them, interleaving at every AWS call on one cloud.
 */
describe(`bursts of up to ${N} concurrent invocations`, () => {
  const aws = useFakeCloud({ routeLimit: 200 });

  const all = (tableId: string, events: unknown[], settings: Record<string, string> = {}) =>
    Promise.all(events.map((event) => aws.handler({ ROUTE_TABLE_IDS: tableId, ...settings })(event)));
  /** The table's pod routes, as [cidr, target] in the order of their blocks. */
  const podRoutes = (tableId: string) =>
    Object.entries(aws.cloud.routesOf(tableId))
      .filter(([cidr]) => cidr.startsWith("10.200."))
      .sort(([a], [b]) => a.localeCompare(b, "en", { numeric: true }));
  const launch = (subnetId: string, count: number, first = 0) =>
    Array.from({ length: count }, (_, n) => aws.cloud.launch(subnetId, { tags: tagsFor(block(first + n)) }));
  const terminate = (ids: string[]) => ids.forEach((id) => aws.cloud.setState(id, "terminated"));

  it(`${N} launches, then ${N} terminations: the exact table each time`, async () => {
    const { tableId, subnetId } = tutorialWorld(aws.cloud, { workers: 0 });
    const ids = launch(subnetId, N);

    await all(
      tableId,
      ids.map((id) => stateChange(id, "running")),
    );
    expect(podRoutes(tableId)).toEqual(ids.map((id, n) => [block(n), id]));

    terminate(ids);
    await all(
      tableId,
      ids.map((id) => stateChange(id, "terminated")),
    );
    expect(podRoutes(tableId)).toEqual([]);
  });

  it("replacements reusing CIDRs win, whatever order their launch and the old workers' late terminations arrive in", async () => {
    const { tableId, subnetId } = tutorialWorld(aws.cloud, { workers: 0 });
    const old = launch(subnetId, 30);
    await all(
      tableId,
      old.map((id) => stateChange(id, "running")),
    );
    terminate(old);
    const replacements = launch(subnetId, 30);

    const events = [
      ...replacements.map((id) => stateChange(id, "running")),
      ...old.map((id) => stateChange(id, "terminated")),
    ];
    await all(tableId, shuffled(events));

    expect(podRoutes(tableId)).toEqual(replacements.map((id, n) => [block(n), id]));
  });

  it("20 concurrent lifecycle launches with allocation get 20 distinct blocks, routed to the tagged worker", async () => {
    const { tableId, subnetId } = tutorialWorld(aws.cloud, { workers: 0 });
    aws.cloud.group(GROUP, [{ name: HOOK, transition: "launch" }]);
    const launched = Array.from({ length: 20 }, () =>
      aws.cloud.launchIntoGroup(GROUP, subnetId, { tags: { [CLUSTER_TAG_KEY]: "owned" } }),
    );

    const summaries = await all(
      tableId,
      launched.map(({ instanceId, tokens }) =>
        lifecycleAction("launch", instanceId, { group: GROUP, hook: HOOK, token: tokens[HOOK] }),
      ),
      { ALLOCATE_POD_CIDR: "true", WORKER_GROUP_NAMES: GROUP },
    );

    const blocks = summaries.map((summary) => summary.allocation?.cidr);
    expect(new Set(blocks).size).toBe(20);
    expect(Object.fromEntries(podRoutes(tableId))).toEqual(
      Object.fromEntries(launched.map(({ instanceId }, n) => [blocks[n], instanceId])),
    );
    expect(aws.cloud.completions.map((completion) => completion.result)).toEqual(Array(20).fill("CONTINUE"));
  });

  it("full syncs racing launches, replacements and terminations: every invocation succeeds, the table ends exact", async () => {
    const { tableId, subnetId } = tutorialWorld(aws.cloud, { workers: 0 });
    const old = launch(subnetId, 20);
    await all(
      tableId,
      old.map((id) => stateChange(id, "running")),
    );
    const [leaving, staying] = [old.slice(0, 10), old.slice(10)];
    terminate(leaving);
    const replacements = launch(subnetId, 10);
    const fresh = launch(subnetId, 20, 20);

    const events = shuffled([
      ...replacements.map((id) => stateChange(id, "running")),
      ...leaving.map((id) => stateChange(id, "terminated")),
      ...fresh.map((id) => stateChange(id, "running")),
      ...Array.from({ length: 8 }, () => scheduled()),
    ]);
    const outcomes = await Promise.allSettled(events.map((event) => aws.handler({ ROUTE_TABLE_IDS: tableId })(event)));

    expect(outcomes.flatMap((outcome) => (outcome.status === "rejected" ? [String(outcome.reason)] : []))).toEqual([]);
    expect(podRoutes(tableId)).toEqual([...replacements, ...staying, ...fresh].map((id, n) => [block(n), id]));
    await expectRouting(new EC2Client({ region: "us-east-1" }), tableId, { everyWorkerRouted: true });
  });
});

/** The events in a fixed pseudo-random order: the same every run. */
function shuffled<T>(items: T[]): T[] {
  let state = 42;
  const next = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  return items
    .map((item) => [next(), item] as const)
    .sort(([a], [b]) => a - b)
    .map(([, item]) => item);
}
