import { contains, parseBlock, type CidrBlock } from "./cidr.js";
import type { OnStop } from "./config.js";
import { quote } from "./errors.js";
import { tagBlocks, type PodCidrs } from "./pod-cidr.js";
import {
  inPlace,
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

/**
 * `conflict`: a worker's route cannot be made (its CIDR is held by something pod-routes may not take).
 * `overlap`: a route inside a worker's pod CIDR, more specific than it, takes part of its traffic.
 * `unmanaged`: a route inside the cluster CIDR to something that is not provably pod-routes' (a live or
 * stopped instance that is not a worker, an ENI of no worker): reported, never changed.
 */
export type Action = "create" | "replace" | "delete" | "keep" | "conflict" | "overlap" | "unmanaged" | "skip";

export interface Decision {
  readonly action: Action;
  readonly routeTableId: string;
  /** The route's destination; absent only when a skipped worker's tag is no CIDR at all. */
  readonly cidr?: string;
  /** The worker this decision is about, when there is one (for an overlap, the worker overlapped). */
  readonly instanceId?: string;
  /** Where the route points after the decision (create, replace), or now (the others). */
  readonly target?: string;
  /** Where a replaced route pointed before. */
  readonly previousTarget?: string;
  /** Set when the route replaced or deleted was a blackhole (its target stopped, or gone). */
  readonly blackhole?: true;
  /** On a conflict between live workers: the others claiming the same CIDR. */
  readonly rivals?: readonly string[];
  readonly reason: string;
}

export interface Claim {
  readonly worker: Worker;
  readonly desire: Desire;
  /** Why the desire follows from the worker's state, e.g. "i-1 is running". */
  readonly because: string;
  /**
   * The validated pod CIDRs, one per routed family the tag names: a family's is required to ensure or
   * retain its route, optional to remove it.
   */
  readonly podCidrs: PodCidrs;
  /** Part of the tag not routed, and why (an IPv6 block while IPv6 is off). */
  readonly ignored?: string;
}

/** One family's plan for one table: its routes are the ones inside `clusterCidr`, of that family. */
export interface TablePlanInput {
  readonly table: ObservedTable;
  readonly clusterCidr: CidrBlock;
  readonly claims: readonly Claim[];
  /**
   * `claims`: only the claimed workers' routes may change (one instance's event).
   * `table`: every route inside the cluster CIDR that is provably ours is converged (full sync): one to
   * a worker of this cluster, to an instance that is gone, or a blackhole. Any other is `unmanaged`.
   */
  readonly scope: "claims" | "table";
  /** Instance and ENI ids whose routes stay exactly as they are (workers with an invalid tag). */
  readonly held: ReadonlySet<string>;
  /**
   * Facts about the other instances routes point at (in a full sync, every target inside the cluster
   * CIDR); a target with no facts counts as a live stranger, never as ours.
   */
  readonly targets: ReadonlyMap<string, TargetFacts>;
  /** With `keep`, a stopped worker holds its block: nobody else may take its route. */
  readonly onStop: OnStop;
}

export function desireFor(worker: Worker, onStop: OnStop): { desire: Desire; because: string } {
  const because = `${worker.instanceId} is ${worker.state}`;
  const byLifecycle: Record<Lifecycle, Desire> = {
    live: "ensure",
    stopped: onStop === "keep" ? "retain" : "remove",
    gone: "remove",
    unknown: "remove",
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
  const podCidrOf = (claim: Claim) => claim.podCidrs[clusterCidr.family];
  // Each destination in one spelling: an IPv6 block may be written more than one way.
  const inCluster = table.routes.flatMap((route) => {
    const block = parseBlock(route.destination);
    return block && contains(clusterCidr, block) ? [{ route, key: block.text }] : [];
  });
  const routeAt = new Map(inCluster.map(({ route, key }) => [key, route]));
  const settled = new Set<string>();
  const decisions: Decision[] = [];

  for (const [cidr, rivals] of groupBy(
    claims.filter((c) => c.desire === "ensure" && podCidrOf(c)),
    (c) => podCidrOf(c)!.text,
  )) {
    settled.add(cidr);
    decisions.push(planEnsure(input, routeTableId, cidr, rivals, routeAt.get(cidr)));
  }

  for (const claim of claims.filter((c) => c.desire === "retain" && podCidrOf(c))) {
    const cidr = podCidrOf(claim)!.text;
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

  /** Instances with a route decided on here: no "nothing to remove" skip for them. */
  const decided = new Set<string>();
  const deletedRoutes = new Set<string>();
  for (const { route, key } of inCluster) {
    const targetId = routeTargetId(route);
    if (targetId === undefined || settled.has(key)) continue;
    const owner = claims.find((claim) => pointsAt(route, claim.worker));
    if (owner?.worker.lifecycle === "unknown" && !route.blackhole) {
      decided.add(owner.worker.instanceId);
      decisions.push(unmanaged(routeTableId, route, input.targets));
    } else if (owner) {
      decided.add(owner.worker.instanceId);
      deletedRoutes.add(route.destination);
      decisions.push(
        deleteRoute(
          routeTableId,
          route,
          owner.worker.instanceId,
          staleBecause(owner, podCidrOf(owner), route.destination),
        ),
      );
    } else if (scope === "table") {
      const ours = whyOurs(route, input.targets);
      if (held.has(targetId)) {
        decisions.push({
          action: "skip",
          routeTableId,
          cidr: route.destination,
          target: targetId,
          reason: `${targetId} has an invalid pod-CIDR tag; its routes are left alone`,
        });
      } else if (ours === undefined) {
        decisions.push(unmanaged(routeTableId, route, input.targets));
      } else {
        deletedRoutes.add(route.destination);
        decisions.push(deleteRoute(routeTableId, route, undefined, `${ours}; no worker claims ${route.destination}`));
      }
    }
  }

  // Each destination parsed once: a table of 1,000 routes against 1,000 claims is a million checks.
  const remaining = table.routes.flatMap((route) => {
    const block = deletedRoutes.has(route.destination) ? undefined : parseBlock(route.destination);
    return block ? [{ route, block }] : [];
  });
  for (const claim of claims.filter((c) => c.desire === "ensure" && podCidrOf(c))) {
    const podCidr = podCidrOf(claim)!;
    for (const { route, block: inner } of remaining) {
      if (inner.prefixLength <= podCidr.prefixLength || !contains(podCidr, inner)) continue;
      const target = describeTarget(route);
      decisions.push({
        action: "overlap",
        routeTableId,
        cidr: route.destination,
        instanceId: claim.worker.instanceId,
        target,
        reason:
          `${route.destination} → ${target} lies inside ${podCidr.text} → ${claim.worker.instanceId} ` +
          `(its pod CIDR) and takes that part of its traffic: remove ${route.destination} or re-tag the worker`,
      });
    }
  }

  for (const claim of claims.filter((c) => c.desire === "remove" && !decided.has(c.worker.instanceId))) {
    const cidr = podCidrOf(claim)?.text;
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

/**
 * The instance and ENI targets of the routes inside the cluster CIDR, blackholes included: a blackhole
 * is a stopped instance as often as a gone one, and only its facts tell whether it is ours.
 */
export function clusterTargets(table: ObservedTable, clusterCidr: CidrBlock): string[] {
  const targets = table.routes
    .filter((route) => isInside(clusterCidr, route.destination))
    .flatMap((route) => routeTargetId(route) ?? []);
  return [...new Set(targets)];
}

/** Target ids whose facts the planner needs: other instances holding a CIDR a live worker claims. */
export function contestedTargets(table: ObservedTable, claims: readonly Claim[]): string[] {
  const contested = new Set<string>();
  for (const claim of claims) {
    if (claim.desire !== "ensure") continue;
    for (const podCidr of Object.values(claim.podCidrs)) {
      const route = table.routes.find((r) => parseBlock(r.destination)?.text === podCidr.text);
      const targetId = route && routeTargetId(route);
      if (route && targetId && !pointsAt(route, claim.worker)) contested.add(targetId);
    }
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
    return {
      ...conflict(`live workers ${names} all claim ${cidr}; fix their pod-CIDR tags so each is unique`),
      rivals: rivals.slice(1).map((c) => c.worker.instanceId),
    };
  }
  if (!route)
    return { action: "create", ...about, target: worker.routeTarget.id, reason: `${because} and has no route` };
  if (inPlace(route, worker))
    return { action: "keep", ...about, target: current, reason: `${because} and its route is in place` };
  if (pointsAt(route, worker)) {
    const through = route.networkInterfaceId ?? route.instanceId!;
    return {
      action: "replace",
      ...about,
      target: worker.routeTarget.id,
      previousTarget: through,
      reason:
        `${because}; its route goes through ${through}, not ${worker.routeTarget.id}, the interface whose ` +
        "source/dest check is off, so the pods' traffic would be dropped",
    };
  }
  if (route.foreignTarget !== undefined) {
    return conflict(
      `${cidr} routes to ${current}, which pod-routes never changes; ${instanceId} claims it: remove that route or re-tag the worker`,
    );
  }
  const gone = whyReplaceable(input, route, cidr);
  if (gone === undefined) {
    const facts = input.targets.get(routeTargetId(route)!);
    const holder =
      facts === undefined
        ? route.instanceId !== undefined
          ? `instance ${current}, which pod-routes knows nothing of`
          : `network interface ${current}, which belongs to no instance pod-routes knows`
        : facts.lifecycle === "unknown"
          ? `instance ${current}, which EC2 does not show (an unknown target)`
          : facts.worker
            ? facts.lifecycle === "stopped"
              ? `stopped worker ${current}, which keeps its block while ON_STOP=keep`
              : `live worker ${current}`
            : `${facts.lifecycle} instance ${current}, which is not a worker of this cluster`;
    return conflict(
      `${cidr} routes to ${holder}; ${instanceId} claims it too: remove that route or fix the pod-CIDR tag of one of them`,
    );
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

/**
 * Why a route to an instance or ENI is provably pod-routes' to change: its target is gone, or is a worker
 * of this cluster, or the route is a blackhole to an instance EC2 no longer knows or to an interface
 * attached to no instance. Undefined for anything else, which stays as it is: a blackhole alone proves
 * nothing (a stopped VPN box's route is one), nor does an active route to an instance EC2 does not show yet.
 */
function whyOurs(route: ObservedRoute, targets: ReadonlyMap<string, TargetFacts>): string | undefined {
  const targetId = routeTargetId(route)!;
  const facts = targets.get(targetId);
  if (facts === undefined && route.instanceId === undefined && route.blackhole)
    return `the route to ${targetId} is a blackhole: the interface is attached to no instance`;
  if (facts?.lifecycle === "unknown")
    return route.blackhole ? `the route to ${targetId} is a blackhole and EC2 no longer knows it` : undefined;
  if (facts?.lifecycle === "gone") return `${targetId} is gone`;
  if (facts?.worker) return `${targetId} is a worker of this cluster`;
  return undefined;
}

/**
 * Why the route's current target may lose it to a live worker, or undefined when it may not: it is
 * gone, or a worker now tagged with another block, or a stopped worker when ON_STOP=remove. A stopped
 * worker still tagged with the block keeps it while ON_STOP=keep.
 */
function whyReplaceable(input: TablePlanInput, route: ObservedRoute, cidr: string): string | undefined {
  const ours = whyOurs(route, input.targets);
  const targetId = routeTargetId(route)!;
  const facts = input.targets.get(targetId);
  if (ours === undefined || !facts?.worker || facts.lifecycle === "gone") return ours;
  if (!tagBlocks(facts.podCidrTag ?? "").some((block) => block.text === cidr))
    return `${targetId} is now tagged ${quote(facts.podCidrTag)}`;
  if (facts.lifecycle === "stopped" && input.onStop === "remove") return `${targetId} is stopped and ON_STOP=remove`;
  return undefined;
}

function unmanaged(routeTableId: string, route: ObservedRoute, targets: ReadonlyMap<string, TargetFacts>): Decision {
  const targetId = routeTargetId(route)!;
  const facts = targets.get(targetId);
  const what =
    facts === undefined
      ? `${targetId}, which belongs to no instance pod-routes knows`
      : facts.lifecycle === "unknown"
        ? `${targetId}, an unknown target: EC2 does not show it (launched too recently to list?) and its route is active`
        : `${targetId}, a ${facts.lifecycle} instance that is not a worker of this cluster`;
  return {
    action: "unmanaged",
    routeTableId,
    cidr: route.destination,
    target: targetId,
    reason: `${route.destination} routes to ${what}: left alone (tag it as a worker to hand its route over)`,
  };
}

function staleBecause(owner: Claim, podCidr: CidrBlock | undefined, destination: string): string {
  if (owner.desire === "remove") return owner.because;
  return `${owner.worker.instanceId}'s pod CIDR is now ${podCidr?.text ?? quote(owner.worker.podCidrTag)}, not ${destination}`;
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

function isInside(clusterCidr: CidrBlock, destination: string): boolean {
  const block = parseBlock(destination);
  return block !== undefined && contains(clusterCidr, block);
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}
