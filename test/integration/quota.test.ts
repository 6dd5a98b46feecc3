import { ServiceQuotasClient } from "@aws-sdk/client-service-quotas";
import { describe, expect, it } from "vitest";
import { scheduled } from "../../scripts/cli/sample-events.js";
import { buildTutorialNetwork } from "../../scripts/emulator/network.js";
import { readRouteQuota } from "../../functions/pod-routes/adapters/quotas.js";
import { bundledHandler } from "../support/bundle.js";
import { ec2, motoEndpoint } from "../support/moto-harness.js";

// The emulated account's quota: moto with the project's additions answers it as applied (startMoto).
const EMULATED_QUOTA = 1000;

describe("the route quota over the wire", () => {
  it("is read from Service Quotas as the account's applied value", async () => {
    const client = new ServiceQuotasClient({
      endpoint: motoEndpoint,
      region: "us-east-1",
      credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
    });

    expect(await readRouteQuota(client)).toEqual({ limit: EMULATED_QUOTA, source: "applied" });
  });

  it("gives the deployed bundle each table's headroom after its changes", async () => {
    const seed = await buildTutorialNetwork(ec2);
    const handler = bundledHandler({ ROUTE_TABLE_IDS: seed.routeTableId });

    const summary = await handler(scheduled());

    // The tutorial's table: its gateway route, and a route to each of its three workers.
    expect(summary.tables.map((table) => [table.routeTableId, table.headroom])).toEqual([
      [seed.routeTableId, { routes: 4, limit: EMULATED_QUOTA, free: EMULATED_QUOTA - 4, utilization: 0.4 }],
    ]);
  });
});
