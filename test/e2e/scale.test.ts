import { CreateRouteCommand, TerminateInstancesCommand } from "@aws-sdk/client-ec2";
import { afterEach, describe, expect, it, vi } from "vitest";
import { scheduled } from "../../scripts/cli/sample-events.js";
import { bundledHandler } from "../support/bundle.js";
import { buildNetwork, launchTaggedWorkers } from "../../scripts/emulator/network.js";
import { routesOf } from "../support/routes.js";
import { DescribeInstancesCommand } from "@aws-sdk/client-ec2";
import type { Context } from "aws-lambda";
import { ec2, handlerRequests, injectFaults, injectedFaults } from "../support/moto-harness.js";

/** The n-th /24 block of the cluster CIDR. */
const block = (n: number) => `10.200.${n}.0/24`;

const filterValues = (params: Readonly<Record<string, string>>) =>
  Object.keys(params).filter((key) => /^Filter\.\d+\.Value\.\d+$/.test(key)).length;

describe("at scale", () => {
  it("a sync repairs 250 routes to replaced workers, with no call over EC2's 200 filter values", async () => {
    // A /20 subnet: room for 500 instances, the old and their replacements.
    const seed = await buildNetwork(ec2, "10.240.0.0/16", "10.240.0.0/20");
    const rtb = seed.routeTableId;
    const old = await launchTaggedWorkers(ec2, seed.subnetId, 250, block);
    for (const [n, id] of old.entries()) {
      await ec2.send(new CreateRouteCommand({ RouteTableId: rtb, DestinationCidrBlock: block(n), InstanceId: id }));
    }
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: old }));
    const replacements = await launchTaggedWorkers(ec2, seed.subnetId, 250, block);
    handlerRequests();

    const summary = await bundledHandler({ ROUTE_TABLE_IDS: rtb })(scheduled());

    expect(summary.failures).toEqual([]);
    const calls = handlerRequests();
    const firstAttempts = calls.filter((call) => call.attempt === 1);
    expect(Math.max(...calls.map((call) => filterValues(call.params)))).toBeLessThanOrEqual(200);
    // The workers (tag key and four states), then the 250 old targets in two calls of at most 200 ids.
    expect(
      firstAttempts.filter((call) => call.action === "DescribeInstances").map((call) => filterValues(call.params)),
    ).toEqual([5, 200, 50]);
    const routes = (await routesOf(ec2, rtb)).filter(([cidr]) => cidr.startsWith("10.200."));
    expect(routes.sort()).toEqual(replacements.map((id, n) => [block(n), id]).sort());
  });
});

describe("logs at 1,000 workers", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  it("a cold sync and a converged sync write no line over 32 KB: one line per change, the summary as counts", async () => {
    const seed = await buildNetwork(ec2, "10.240.0.0/16", "10.240.0.0/20");
    // /26 blocks: 1,024 of them in 10.200.0.0/16.
    await launchTaggedWorkers(ec2, seed.subnetId, 1000, (n) => `10.200.${n >> 2}.${(n & 3) * 64}/26`);
    const lines: string[] = [];
    vi.stubEnv("POWERTOOLS_LOG_LEVEL", "INFO");
    vi.stubEnv("POWERTOOLS_METRICS_DISABLED", "false");
    for (const stream of [process.stdout, process.stderr]) {
      vi.spyOn(stream, "write").mockImplementation((chunk) => (lines.push(...String(chunk).split("\n")), true));
    }
    const handler = bundledHandler({ ROUTE_TABLE_IDS: seed.routeTableId, POD_CIDR_PREFIX_LENGTH: "26" });

    const cold = await handler(scheduled());
    const coldLines = lines.splice(0);
    const converged = await handler(scheduled());
    const convergedLines = lines.splice(0);
    vi.restoreAllMocks();

    expect(cold.failures).toEqual([]);
    const created = cold.tables.flatMap((t) => t.decisions).filter((d) => d.action === "create" && d.applied);
    expect(created).toHaveLength(1000);
    const longest = (of: string[]) => Math.max(...of.map((line) => Buffer.byteLength(line)));
    expect(longest(coldLines)).toBeLessThanOrEqual(32 * 1024);
    expect(longest(convergedLines)).toBeLessThanOrEqual(32 * 1024);
    const entries = (of: string[]) => of.filter(Boolean).map((line) => JSON.parse(line) as Record<string, any>);
    // Each change its own line; a converged sync logs no change, only its summary, in counts.
    expect(entries(coldLines).filter((e) => e["message"] === "route decision")).toHaveLength(1000);
    expect(entries(convergedLines).filter((e) => e["message"] === "route decision")).toHaveLength(0);
    const summary = entries(convergedLines).find((e) => e["message"] === "summary")!["summary"];
    expect(summary).toMatchObject({ decisions: { keep: 1000 }, applied: {}, failures: [] });
    expect(summary["keepSample"]).toHaveLength(5);
    // The returned summary stays complete.
    expect(converged.tables.flatMap((t) => t.decisions)).toHaveLength(1000);
  }, 300_000);
});

describe("a cold sync under throttling", () => {
  it("100 unrouted workers with 30% of calls throttled: converged within 2 invocations, every routed worker finished", async () => {
    const seed = await buildNetwork(ec2, "10.240.0.0/16", "10.240.0.0/20");
    const workers = await launchTaggedWorkers(ec2, seed.subnetId, 100, block);
    const handler = bundledHandler({ ROUTE_TABLE_IDS: seed.routeTableId });
    // As Lambda calls it with the template's timeout.
    const context = { functionName: "pod-routes", getRemainingTimeInMillis: () => 120_000 } as Context;
    injectFaults({ seed: 16, rate: 0.3, faults: ["throttle"] });

    let invocations = 0;
    let converged = false;
    while (!converged && invocations < 2) {
      invocations++;
      const summary = await handler(scheduled(), context).catch(() => undefined);
      converged = summary !== undefined && summary.failures.length === 0;
      // Whatever an invocation leaves, each worker it routed is finished: its source/dest check is off.
      const routed = new Set((await routesOf(ec2, seed.routeTableId)).map(([, target]) => target));
      const instances = (await ec2.send(new DescribeInstancesCommand({ InstanceIds: workers }))).Reservations!.flatMap(
        (r) => r.Instances!,
      );
      for (const instance of instances.filter((i) => routed.has(i.InstanceId!)))
        expect(instance.SourceDestCheck, instance.InstanceId).toBe(false);
    }
    expect(injectedFaults().throttle).toBeGreaterThan(50);
    injectFaults(undefined);

    expect(converged).toBe(true);
    const routes = (await routesOf(ec2, seed.routeTableId)).filter(([cidr]) => cidr.startsWith("10.200."));
    expect(routes.sort()).toEqual(workers.map((id, n) => [block(n), id]).sort());
  }, 240_000);
});
