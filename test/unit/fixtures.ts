import { parseBlock, type CidrBlock } from "../../functions/pod-routes/core/cidr.js";
import type { Lifecycle, ObservedRoute, ObservedTable, Worker } from "../../functions/pod-routes/core/model.js";
import type { Claim, Desire } from "../../functions/pod-routes/core/planner.js";

export const CLUSTER = block("10.200.0.0/16");
export const TABLE_ID = "rtb-00000000000000001";

export function block(text: string): CidrBlock {
  const parsed = parseBlock(text);
  if (!parsed) throw new Error(`bad fixture CIDR ${text}`);
  return parsed;
}

export function worker(instanceId: string, podCidrTag: string, overrides: Partial<Worker> = {}): Worker {
  const lifecycle: Lifecycle = overrides.lifecycle ?? "live";
  return {
    instanceId,
    state: lifecycle === "live" ? "running" : lifecycle === "stopped" ? "stopped" : "terminated",
    lifecycle,
    vpcId: "vpc-1",
    subnetId: "subnet-1",
    podCidrTag,
    routeTarget: { kind: "instance", id: instanceId },
    interfaceIds: [`eni-${instanceId.slice(2)}`],
    sourceDestCheck: true,
    ...overrides,
  };
}

export function claim(w: Worker, desire: Desire, withCidr = true): Claim {
  return {
    worker: w,
    desire,
    because: `${w.instanceId} is ${w.state}`,
    podCidrs: withCidr
      ? Object.fromEntries(w.podCidrTag.split(",").map((text) => [block(text).family, block(text)]))
      : {},
  };
}

export function table(routes: ObservedRoute[]): ObservedTable {
  return {
    routeTableId: TABLE_ID,
    vpcId: "vpc-1",
    main: false,
    subnetIds: ["subnet-1"],
    vpcCidrs: ["10.240.0.0/16"],
    routes: [{ destination: "10.240.0.0/16", foreignTarget: "local", blackhole: false }, ...routes],
    quotaRoutes: {
      ipv4: routes.filter((route) => !route.destination.includes(":")).length,
      ipv6: routes.filter((route) => route.destination.includes(":")).length,
    },
  };
}

export const to = {
  instance: (destination: string, instanceId: string, blackhole = false): ObservedRoute => ({
    destination,
    instanceId,
    blackhole,
  }),
  eni: (destination: string, networkInterfaceId: string): ObservedRoute => ({
    destination,
    networkInterfaceId,
    blackhole: false,
  }),
  gateway: (destination: string, gatewayId: string): ObservedRoute => ({
    destination,
    foreignTarget: gatewayId,
    blackhole: false,
  }),
};
