import { contains, parseIpv4Block, type Ipv4Block } from "./cidr.js";
import type { OnStop } from "./config.js";
import {
  pointsAt,
  routeTargetId,
  type Lifecycle,
  type ObservedRoute,
  type ObservedTable,
  type TargetFacts,
  type Worker,
} from "./model.js";

/** What must become of a worker's route. */
export type Desire = "ensure" | "retain" | "remove";

export type Action = "create" | "replace" | "delete" | "keep" | "conflict" | "skip";

export interface Decision {
  readonly action: Action;
  readonly routeTableId: string;
  /** The route's destination; absent only when a skipped worker's tag is no CIDR at all. */
  readonly cidr?: string;
  /** The worker this decision is about, when there is one. */
  readonly instanceId?: string;
  /** Where the route points after the decision (create, replace) or now (keep, delete, conflict). */
  readonly target?: string;
  /** Where a replaced route pointed before. */
  readonly previousTarget?: string;
  /** Set when the route replaced or deleted was a blackhole (its target gone). */
  readonly blackhole?: true;
  readonly reason: string;
}

export interface Claim {
  readonly worker: Worker;
  readonly desire: Desire;
  /** Why the desire follows from the worker's state, e.g. "i-1 is running". */
  readonly because: string;
  /** The validated pod CIDR; required to ensure or retain, optional to remove. */
  readonly podCidr?: Ipv4Block;
}

export interface TablePlanInput {
  readonly table: ObservedTable;
  readonly clusterCidr: Ipv4Block;
  readonly claims: readonly Claim[];
  /**
   * `claims`: only the claimed workers' routes may change (one instance's event).
   * `table`: every instance route inside the cluster CIDR is ours to converge (full sync).
   */
  readonly scope: "claims" | "table";
  /** Instance and ENI ids whose routes stay exactly as they are (workers with an invalid tag). */
  readonly held: ReadonlySet<string>;
  /** Facts about the other instances routes point at; an unknown target counts as a live stranger. */
  readonly targets: ReadonlyMap<string, TargetFacts>;
}

export function desireFor(worker: Worker, onStop: OnStop): { desire: Desire; because: string } {
  const because = `${worker.instanceId} is ${worker.state}`;
  const byLifecycle: Record<Lifecycle, Desire> = {
    live: "ensure",
    stopped: onStop === "keep" ? "retain" : "remove",
    gone: "remove",
  };
  const desire = byLifecycle[worker.lifecycle];
  return { desire, because: worker.lifecycle === "stopped" ? `${because} and ON_STOP=${onStop}` : because };
}

/**
 * Decides, for one route table, what must happen to each route pod-routes may own. Pure: the same
 * facts always give the same decisions, and applying them then planning again gives only keeps/skips.
 */
export function planTable(input: TablePlanInput): Decision[] {
  const { table, clusterCidr, claims, scope, held } = input;
  const routeTableId = table.routeTableId;
  const inCluster = table.routes.filter((route) => isInside(clusterCidr, route.destination));
  const routeAt = new Map(inCluster.map((route) => [route.destination, route]));
  const settled = new Set<string>();
  const decisions: Decision[] = [];

  for (const [cidr, rivals] of groupBy(
    claims.filter((c) => c.desire === "ensure" && c.podCidr),
    (c) => c.podCidr!.text,
  )) {
    settled.add(cidr);
    decisions.push(planEnsure(input, routeTableId, cidr, rivals, routeAt.get(cidr)));
  }

  for (const claim of claims.filter((c) => c.desire === "retain" && c.podCidr)) {
    const cidr = claim.podCidr!.text;
    const { instanceId } = claim.worker;
    const route = routeAt.get(cidr);
    if (settled.has(cidr)) {
      decisions.push({
        action: "skip",
        routeTableId,
        cidr,
        instanceId,
        reason: `${claim.because}; a live worker claims ${cidr}`,
      });
    } else if (route && pointsAt(route, claim.worker)) {
      decisions.push({
        action: "keep",
        routeTableId,
        cidr,
        instanceId,
        target: describeTarget(route),
        reason: claim.because,
      });
    } else {
      decisions.push({
        action: "skip",
        routeTableId,
        cidr,
        instanceId,
        reason: `${claim.because}; no route of its own to keep`,
      });
    }
    settled.add(cidr);
  }

  const deleted = new Set<string>();
  for (const route of inCluster) {
    const targetId = routeTargetId(route);
    if (targetId === undefined || settled.has(route.destination)) continue;
    const owner = claims.find((claim) => pointsAt(route, claim.worker));
    if (owner) {
      deleted.add(owner.worker.instanceId);
      decisions.push(deleteRoute(routeTableId, route, owner.worker.instanceId, staleBecause(owner, route.destination)));
    } else if (scope === "table") {
      decisions.push(
        held.has(targetId)
          ? {
              action: "skip",
              routeTableId,
              cidr: route.destination,
              target: targetId,
              reason: `${targetId} has an invalid pod-CIDR tag; its routes are left alone`,
            }
          : deleteRoute(routeTableId, route, undefined, orphanBecause(route, input.targets)),
      );
    }
  }

  for (const claim of claims.filter((c) => c.desire === "remove" && !deleted.has(c.worker.instanceId))) {
    const cidr = claim.podCidr?.text;
    const other = cidr === undefined ? undefined : routeAt.get(cidr);
    decisions.push({
      action: "skip",
      routeTableId,
      ...(cidr !== undefined ? { cidr } : {}),
      instanceId: claim.worker.instanceId,
      reason: other
        ? `${claim.because}; ${cidr} routes to ${describeTarget(other)}, not to it: left alone`
        : `${claim.because}; no route to it to remove`,
    });
  }
  return decisions;
}

/** Target ids whose facts the planner needs: other instances holding a CIDR a live worker claims. */
export function contestedTargets(table: ObservedTable, claims: readonly Claim[]): string[] {
  const contested = new Set<string>();
  for (const claim of claims) {
    if (claim.desire !== "ensure" || !claim.podCidr) continue;
    const route = table.routes.find((r) => r.destination === claim.podCidr!.text);
    const targetId = route && routeTargetId(route);
    if (route && targetId && !route.blackhole && !pointsAt(route, claim.worker)) contested.add(targetId);
  }
  return [...contested];
}

function planEnsure(
  input: TablePlanInput,
  routeTableId: string,
  cidr: string,
  rivals: Claim[],
  route: ObservedRoute | undefined,
): Decision {
  const { worker, because } = rivals[0]!;
  const instanceId = worker.instanceId;
  const about = { routeTableId, cidr, instanceId };
  const current = route && describeTarget(route);
  const conflict = (reason: string): Decision => ({
    action: "conflict",
    ...about,
    ...(current ? { target: current } : {}),
    reason,
  });
  if (rivals.length > 1) {
    const names = rivals.map((c) => c.worker.instanceId).join(" and ");
    return conflict(`live workers ${names} all claim ${cidr}; fix their pod-CIDR tags so each is unique`);
  }
  if (!route)
    return { action: "create", ...about, target: worker.routeTarget.id, reason: `${because} and has no route` };
  if (pointsAt(route, worker))
    return { action: "keep", ...about, target: current, reason: `${because} and its route is in place` };
  if (route.foreignTarget !== undefined) {
    return conflict(
      `${cidr} routes to ${current}, which pod-routes never changes; ${instanceId} claims it: remove that route or re-tag the worker`,
    );
  }
  const gone = whyReplaceable(route, input.targets, cidr);
  if (gone === undefined) {
    const holder =
      route.instanceId !== undefined
        ? `live instance ${current}`
        : `network interface ${current}, which belongs to no instance pod-routes knows`;
    return conflict(`${cidr} routes to ${holder}; ${instanceId} claims it too: fix the pod-CIDR tag of one of them`);
  }
  return {
    action: "replace",
    ...about,
    target: worker.routeTarget.id,
    previousTarget: current,
    ...(route.blackhole ? { blackhole: true as const } : {}),
    reason: `${because}; ${gone}`,
  };
}

/** Why the route's current target may lose it, or undefined when it is a live instance entitled to it. */
function whyReplaceable(
  route: ObservedRoute,
  targets: ReadonlyMap<string, TargetFacts>,
  cidr: string,
): string | undefined {
  const targetId = routeTargetId(route)!;
  if (route.blackhole) return `the route to ${targetId} is a blackhole`;
  const facts = targets.get(targetId);
  if (!facts) return undefined;
  if (facts.lifecycle !== "live") return `${targetId} is ${facts.lifecycle === "gone" ? "gone" : "stopped"}`;
  if (facts.podCidrTag !== undefined && facts.podCidrTag !== cidr)
    return `${targetId} is now tagged ${facts.podCidrTag}`;
  return undefined;
}

function orphanBecause(route: ObservedRoute, targets: ReadonlyMap<string, TargetFacts>): string {
  const targetId = routeTargetId(route)!;
  if (route.blackhole) return `blackhole route to ${targetId}; no live worker claims ${route.destination}`;
  const facts = targets.get(targetId);
  return facts?.lifecycle === "gone" || facts === undefined
    ? `${targetId} is not a live worker; no worker claims ${route.destination}`
    : `no worker claims ${route.destination}`;
}

function staleBecause(owner: Claim, destination: string): string {
  if (owner.desire === "remove") return owner.because;
  return `${owner.worker.instanceId}'s pod CIDR is now ${owner.podCidr?.text ?? owner.worker.podCidrTag}, not ${destination}`;
}

function deleteRoute(
  routeTableId: string,
  route: ObservedRoute,
  instanceId: string | undefined,
  reason: string,
): Decision {
  return {
    action: "delete",
    routeTableId,
    cidr: route.destination,
    ...(instanceId ? { instanceId } : {}),
    target: describeTarget(route),
    ...(route.blackhole ? { blackhole: true as const } : {}),
    reason,
  };
}

function describeTarget(route: ObservedRoute): string {
  return route.foreignTarget ?? route.instanceId ?? route.networkInterfaceId ?? "(none)";
}

function isInside(clusterCidr: Ipv4Block, destination: string): boolean {
  const block = parseIpv4Block(destination);
  return block !== undefined && contains(clusterCidr, block);
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}
