import { DescribeRouteTablesCommand, type EC2Client } from "@aws-sdk/client-ec2";

/** The table as the tutorial's verification step prints it: destination and target, sorted by destination. */
export async function routesOf(ec2: EC2Client, routeTableId: string): Promise<Array<[string, string]>> {
  const table = (await ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: [routeTableId] }))).RouteTables![0]!;
  return (table.Routes ?? [])
    .map((route): [string, string] => [
      route.DestinationCidrBlock ?? "",
      route.GatewayId ?? route.InstanceId ?? route.NetworkInterfaceId ?? route.NatGatewayId ?? "?",
    ])
    .sort(([a], [b]) => a.localeCompare(b, "en", { numeric: true }));
}
