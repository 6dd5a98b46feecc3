import { printable } from "../../functions/pod-routes/core/printable.js";
import { DescribeInstancesCommand, DescribeRouteTablesCommand, type EC2Client } from "@aws-sdk/client-ec2";

export interface RouteRow {
  readonly destination: string;
  readonly target: string;
  readonly worker: string;
  readonly state: string;
}

/** A route table as the tutorial's verification step prints it: destination, target, and the worker's name. */
export async function readRouteTable(ec2: EC2Client, routeTableId: string): Promise<RouteRow[]> {
  const table = (await ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: [routeTableId] }))).RouteTables?.[0];
  const routes = table?.Routes ?? [];
  const instanceIds = [...new Set(routes.flatMap((route) => (route.InstanceId ? [route.InstanceId] : [])))];
  const names = new Map<string, string>();
  if (instanceIds.length > 0) {
    const described = await ec2.send(
      new DescribeInstancesCommand({ Filters: [{ Name: "instance-id", Values: instanceIds }] }),
    );
    for (const instance of described.Reservations?.flatMap((r) => r.Instances ?? []) ?? []) {
      names.set(instance.InstanceId!, instance.Tags?.find((tag) => tag.Key === "Name")?.Value ?? "");
    }
  }
  return routes
    .filter((route) => route.DestinationCidrBlock)
    .map((route) => {
      const target =
        route.GatewayId ??
        route.InstanceId ??
        route.NetworkInterfaceId ??
        route.NatGatewayId ??
        route.TransitGatewayId ??
        "?";
      return {
        destination: route.DestinationCidrBlock!,
        target,
        worker: route.InstanceId ? (names.get(route.InstanceId) ?? "") : "",
        state: route.State ?? "",
      };
    })
    .sort((a, b) => a.destination.localeCompare(b.destination, "en", { numeric: true }));
}

/**
 * Plain columns, no colour: readable in a terminal and in a log. Each cell (a tag value, a name) prints
 * as one plain line.
 */
export function columns(header: readonly string[], cellRows: ReadonlyArray<readonly string[]>): string {
  const rows = cellRows.map((row) => row.map(printable));
  const widths = header.map((title, index) => Math.max(title.length, ...rows.map((row) => (row[index] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, index) => cell.padEnd(widths[index]!))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}

export function renderRouteTable(rows: readonly RouteRow[]): string {
  return columns(
    ["DESTINATION", "TARGET", "WORKER"],
    rows.map((row) => [row.destination, row.target, row.worker]),
  );
}
