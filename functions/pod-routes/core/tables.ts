import type { ObservedTable } from "./model.js";

/** The table a subnet uses: the one explicitly associated with it, else its VPC's main table. */
export function tableForSubnet(
  tables: readonly ObservedTable[],
  vpcId: string | undefined,
  subnetId: string | undefined,
): ObservedTable | undefined {
  const inVpc = tables.filter((table) => table.vpcId === vpcId);
  return (
    inVpc.find((table) => subnetId !== undefined && table.subnetIds.includes(subnetId)) ??
    inVpc.find((table) => table.main)
  );
}

/**
 * The one table of a VPC in which allocation claims blocks (by CreateRoute, which only one caller wins):
 * the first configured one there, else the one with the lowest id. One table for every allocation, so
 * no block is handed out twice across tables.
 */
export function claimTable(
  tables: readonly ObservedTable[],
  vpcId: string | undefined,
  configuredIds: readonly string[],
): ObservedTable | undefined {
  const inVpc = tables.filter((table) => table.vpcId === vpcId);
  const rank = (table: ObservedTable) => {
    const configured = configuredIds.indexOf(table.routeTableId);
    return configured === -1 ? configuredIds.length : configured;
  };
  return [...inVpc].sort((a, b) => rank(a) - rank(b) || a.routeTableId.localeCompare(b.routeTableId))[0];
}
