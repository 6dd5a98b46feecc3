import { DescribeRouteTablesCommand, TerminateInstancesCommand } from "@aws-sdk/client-ec2";
import { describe, expect, it } from "vitest";
import { scheduled, stateChange } from "../../scripts/cli/sample-events.js";
import { buildTutorialNetwork, CLUSTER_CIDR_V6 } from "../../scripts/emulator/network.js";
import { parseBlock } from "../../functions/pod-routes/core/cidr.js";
import { bundledHandler } from "../support/bundle.js";
import { ec2, handlerRequests } from "../support/moto-harness.js";

/** Every route of the table to an instance, IPv4 and IPv6, as EC2 lists them. */
async function podRoutes(routeTableId: string): Promise<Record<string, string>> {
  const [table] = (await ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: [routeTableId] }))).RouteTables ?? [];
  return Object.fromEntries(
    (table?.Routes ?? []).flatMap((route) =>
      route.InstanceId ? [[(route.DestinationCidrBlock ?? route.DestinationIpv6CidrBlock)!, route.InstanceId]] : [],
    ),
  );
}

describe("a dual-stack cluster over the wire (the deployed bundle on moto)", () => {
  it("routes each worker's IPv4 and IPv6 blocks with their own parameters, and removes both when it goes", async () => {
    const seed = await buildTutorialNetwork(ec2, 2, { dualStack: true });
    const handler = bundledHandler({ ROUTE_TABLE_IDS: seed.routeTableId, CLUSTER_CIDR_V6 });
    const [first, second] = seed.workers.map((worker) => worker.instanceId) as [string, string];

    const summary = await handler(scheduled());

    expect(summary.failures).toEqual([]);
    expect(await podRoutes(seed.routeTableId)).toEqual({
      "10.200.0.0/24": first,
      "10.200.1.0/24": second,
      "fd00:10:200::/64": first,
      "fd00:10:200:1::/64": second,
    });
    const creates = handlerRequests().filter((call) => call.action === "CreateRoute");
    expect(
      creates.map((call) => call.params["DestinationIpv6CidrBlock"] ?? call.params["DestinationCidrBlock"]),
    ).toEqual(expect.arrayContaining(["fd00:10:200::/64", "10.200.0.0/24"]));
    // The VPC's own IPv6 block is the table's local route, not the cluster's.
    expect(seed.vpcIpv6Cidr).toMatch(/::\/56$/);

    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [first] }));
    await handler(stateChange(first, "terminated"));

    expect(await podRoutes(seed.routeTableId)).toEqual({ "10.200.1.0/24": second, "fd00:10:200:1::/64": second });
  });

  it("refuses a CLUSTER_CIDR_V6 inside the VPC's own IPv6 block, naming both, and changes nothing", async () => {
    const seed = await buildTutorialNetwork(ec2, 1, { dualStack: true });
    // In RFC 5952's form, as the error names it: moto may write the VPC's block with leading zeros.
    const inside = parseBlock(seed.vpcIpv6Cidr!.replace("/56", "/60"))!.text;
    const handler = bundledHandler({ ROUTE_TABLE_IDS: seed.routeTableId, CLUSTER_CIDR_V6: inside });

    await expect(handler({ action: "sync" })).rejects.toThrow(
      `CLUSTER_CIDR_V6="${inside}" is invalid: overlaps ${seed.vpcIpv6Cidr}, a CIDR block of ${seed.vpcId}`,
    );
    expect(await podRoutes(seed.routeTableId)).toEqual({});
  });
});
