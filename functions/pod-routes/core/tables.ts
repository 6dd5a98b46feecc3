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
