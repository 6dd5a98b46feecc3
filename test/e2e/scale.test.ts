import { describe, expect, it } from "vitest";
import { scheduled } from "../../scripts/cli/sample-events.js";
import { bundledHandler } from "../support/bundle.js";
import { buildNetwork, launchTaggedWorkers } from "../../scripts/emulator/network.js";
import { routesOf } from "../support/routes.js";
import { DescribeInstancesCommand } from "@aws-sdk/client-ec2";
import type { Context } from "aws-lambda";
import { ec2, injectFaults, injectedFaults } from "../support/moto-harness.js";

/** The n-th /24 block of the cluster CIDR. */
const block = (n: number) => `10.200.${n}.0/24`;

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
