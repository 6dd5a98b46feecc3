import type { Family } from "./cidr.js";

/** What pod-routes observes in EC2, reduced to the facts its decisions depend on. */

/**
 * A route to a CIDR block, IPv4 or IPv6 (`destination` as EC2 writes it). Routes to prefix lists are
 * never observed.
 */
export interface ObservedRoute {
  readonly destination: string;
  readonly instanceId?: string;
  readonly networkInterfaceId?: string;
  /** A gateway, NAT, endpoint, peering or other target: never pod-routes' to change. */
  readonly foreignTarget?: string;
  readonly blackhole: boolean;
}

export interface ObservedTable {
  readonly routeTableId: string;
  readonly vpcId: string;
  readonly main: boolean;
  readonly subnetIds: readonly string[];
  /** The VPC's CIDR blocks, IPv4 and IPv6, from the table's `local` routes. */
  readonly vpcCidrs: readonly string[];
  readonly routes: readonly ObservedRoute[];
  /**
   * The routes the "Routes per route table" quota counts, per family (each has its own): neither the
   * local routes nor routes propagated from a gateway. A route to a prefix list counts once here, as
   * IPv4 (AWS counts its maximum entries).
   */
  readonly quotaRoutes: Readonly<Record<Family, number>>;
}

/** Where a route to a worker points: the instance, or its primary ENI when it has several. */
export type RouteTarget =
  { readonly kind: "instance"; readonly id: string } | { readonly kind: "interface"; readonly id: string };

/**
 * How an instance's state bears on its route. `unknown`: EC2 does not show the instance at all, either
 * launched too recently to be listed or terminated long enough ago to be forgotten; only its route's
 * state (a blackhole, or not) tells which.
 */
export type Lifecycle = "live" | "stopped" | "gone" | "unknown";

/** An instance carrying the pod-CIDR tag (and the cluster tag, when one is configured). */
export interface Worker {
  readonly instanceId: string;
  readonly name?: string;
  readonly state: string;
  readonly lifecycle: Lifecycle;
  readonly vpcId?: string;
  readonly subnetId?: string;
  /** The raw tag value; validated per route table, whose VPC CIDRs it must not overlap. */
  readonly podCidrTag: string;
  readonly routeTarget: RouteTarget;
  readonly interfaceIds: readonly string[];
  /** Of the instance, or of its primary ENI when it has several; undefined when EC2 did not say. */
  readonly sourceDestCheck?: boolean;
}

/** What is known of whatever a route points at, keyed by instance or ENI id. */
export interface TargetFacts {
  readonly lifecycle: Lifecycle;
  /** A worker of this cluster: it carries the pod-CIDR tag, and the cluster tag when one is set. */
  readonly worker: boolean;
  /** The pod-CIDR tag of the instance, when it has one. */
  readonly podCidrTag?: string;
}

/** The id a route points at when it points at an instance or ENI (the instance, when EC2 names both). */
export function routeTargetId(route: ObservedRoute): string | undefined {
  return route.foreignTarget === undefined ? (route.instanceId ?? route.networkInterfaceId) : undefined;
}

/**
 * True when the route reaches the worker the way pod-routes routes it: through its primary interface
 * (the first of `interfaceIds`, whose source/dest check pod-routes turns off), or by instance id when it
 * has one interface. A route through a secondary interface reaches an interface that drops pod traffic.
 */
export function inPlace(route: ObservedRoute, worker: Worker): boolean {
  if (route.foreignTarget !== undefined) return false;
  if (route.networkInterfaceId !== undefined) return route.networkInterfaceId === worker.interfaceIds[0];
  return route.instanceId === worker.instanceId && worker.routeTarget.kind === "instance";
}

/** True when the route points at this worker, by instance id or through any of its ENIs. */
export function pointsAt(route: ObservedRoute, worker: Worker): boolean {
  if (route.foreignTarget !== undefined) return false;
  if (route.instanceId !== undefined) return route.instanceId === worker.instanceId;
  return route.networkInterfaceId !== undefined && worker.interfaceIds.includes(route.networkInterfaceId);
}

/** How many of the table's routes count against the family's quota. */
export function quotaRoutesIn(table: ObservedTable, family: Family): number {
  return family === "ipv4" ? table.quotaRoutes.ipv4 : table.quotaRoutes.ipv6;
}
