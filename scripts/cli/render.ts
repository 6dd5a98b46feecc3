import { printable } from "../../functions/pod-routes/core/printable.js";
import {
  DescribeInstancesCommand,
  DescribeRouteTablesCommand,
  type EC2Client,
  type Instance,
} from "@aws-sdk/client-ec2";
import { classifyInstance, lifecycleOf, type WorkerSelector } from "../../functions/pod-routes/adapters/worker.js";

export interface RouteRow {
  readonly destination: string;
  readonly target: string;
  /** The target instance's Name tag. */
  readonly name: string;
  /** What the target instance is: a worker, not a worker, or gone; empty for any other target. */
  readonly targetIs: string;
  readonly state: string;
}

/**
 * A route table as the tutorial's verification step prints it, IPv4 and IPv6: destination, target, and for a route to
 * an instance its Name and what it is to pod-routes (a worker of this cluster, not a worker, or gone:
 * the route is then an orphan).
 */
export async function readRouteTable(
  ec2: EC2Client,
  routeTableId: string,
  selector: WorkerSelector,
): Promise<RouteRow[]> {
  const table = (await ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: [routeTableId] }))).RouteTables?.[0];
  const routes = table?.Routes ?? [];
  const instanceIds = [...new Set(routes.flatMap((route) => (route.InstanceId ? [route.InstanceId] : [])))];
  const instances = new Map<string, Instance>();
  if (instanceIds.length > 0) {
    const described = await ec2.send(
      new DescribeInstancesCommand({ Filters: [{ Name: "instance-id", Values: instanceIds }] }),
    );
    for (const instance of described.Reservations?.flatMap((r) => r.Instances ?? []) ?? [])
      instances.set(instance.InstanceId!, instance);
  }
  return (
    routes
      .filter((route) => route.DestinationCidrBlock ?? route.DestinationIpv6CidrBlock)
      .map((route) => {
        const target =
          route.GatewayId ??
          route.InstanceId ??
          route.NetworkInterfaceId ??
          route.NatGatewayId ??
          route.TransitGatewayId ??
          "?";
        const instance = route.InstanceId === undefined ? undefined : instances.get(route.InstanceId);
        return {
          destination: (route.DestinationCidrBlock ?? route.DestinationIpv6CidrBlock)!,
          target,
          name: instance?.Tags?.find((tag) => tag.Key === "Name")?.Value ?? "",
          targetIs: route.InstanceId === undefined ? "" : whatInstanceIs(instance, selector),
          state: route.State ?? "",
        };
      })
      // IPv4 first, then IPv6, each in address order.
      .sort(
        (a, b) =>
          Number(a.destination.includes(":")) - Number(b.destination.includes(":")) ||
          a.destination.localeCompare(b.destination, "en", { numeric: true }),
      )
  );
}

function whatInstanceIs(instance: Instance | undefined, selector: WorkerSelector): string {
  const state = instance?.State?.Name;
  if (!instance || lifecycleOf(state) === "gone") return `gone (${state ?? "not found"})`;
  return `${"worker" in classifyInstance(instance, selector) ? "worker" : "not a worker"} (${state})`;
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
    ["DESTINATION", "TARGET", "NAME", "TARGET IS"],
    rows.map((row) => [
      row.destination,
      row.target,
      row.name,
      row.targetIs + (row.state === "blackhole" ? ", blackhole" : ""),
    ]),
  );
}
