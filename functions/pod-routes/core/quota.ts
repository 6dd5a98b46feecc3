import type { Decision } from "./planner.js";

/** Service Quotas' name for "Routes per route table" (Amazon VPC), which counts IPv4 and IPv6 routes apart. */
export const ROUTES_PER_TABLE = { serviceCode: "vpc", quotaCode: "L-93826ACB" } as const;

/** AWS's documented default for the quota: what is assumed when Service Quotas cannot be read. */
export const DOCUMENTED_ROUTES_PER_TABLE = 50;

/** A table holding this share of its quota (percent) is logged as a warning, and alarmed on. */
export const NEARLY_FULL_PERCENT = 80;

/**
 * The quota as pod-routes knows it. `applied`: the account's value, from Service Quotas. `default`: AWS's
 * default there, the account having none applied. `assumed`: Service Quotas could not be read (`problem`
 * says why), so the documented default, which neither measures nor refuses anything: the account's
 * quota may be many times it, and routes that fit would be refused.
 */
export interface RouteQuota {
  readonly limit: number;
  readonly source: "applied" | "default" | "assumed";
  readonly problem?: string;
}

/** How full a table is, for one family, after an invocation's changes. */
export interface Headroom {
  /** The routes of one family the quota counts: neither the local route nor propagated ones. */
  readonly routes: number;
  readonly limit: number;
  /** How many more routes fit; 0 when the table is full (or past a quota since lowered). */
  readonly free: number;
  /** `routes` as a percentage of `limit`, to one decimal. */
  readonly utilization: number;
}

/** The table's headroom, or undefined when the quota is only assumed. */
export function headroomOf(routes: number, quota: RouteQuota): Headroom | undefined {
  if (quota.source === "assumed") return undefined;
  const { limit } = quota;
  return { routes, limit, free: Math.max(0, limit - routes), utilization: Math.round((routes / limit) * 1000) / 10 };
}

export function nearlyFull(headroom: Headroom): boolean {
  return headroom.utilization >= NEARLY_FULL_PERCENT;
}

/**
 * The creates that do not fit, given in the order they will be tried: each quota (`key`: a table, and a
 * family there) takes as many as it has room for (`room`; a key not in it is not limited), first come first.
 */
export function overQuota(
  decisions: ReadonlyArray<{ readonly decision: Decision; readonly key: string }>,
  room: ReadonlyMap<string, number>,
): Set<Decision> {
  const left = new Map(room);
  const refused = new Set<Decision>();
  for (const { decision, key } of decisions) {
    const free = left.get(key);
    if (decision.action !== "create" || free === undefined) continue;
    if (free > 0) left.set(key, free - 1);
    else refused.add(decision);
  }
  return refused;
}
