import type { Allocation, Changes, LifecycleOutcome } from "./summary.js";

/** A route made, replaced or deleted (in a dry run: one that would be). */
export interface RouteChange {
  readonly action: "create" | "replace" | "delete";
  readonly routeTableId: string;
  readonly cidr: string;
  readonly instanceId?: string;
  /** Where the route points now (create, replace), or pointed (delete). */
  readonly target?: string;
  /** Where a replaced route pointed before. */
  readonly previousTarget?: string;
}

/**
 * What an invocation changed, or in a dry run would change: the routes, the source/dest checks turned
 * off, the pod CIDRs given out and the lifecycle actions completed. What an operator asks first, in the
 * CLI's answer and the function's summary log alike.
 */
export interface Changed {
  readonly dryRun: boolean;
  readonly routes: readonly RouteChange[];
  readonly sourceDestChecks: ReadonlyArray<{ readonly instanceId: string; readonly target: string }>;
  readonly allocations: ReadonlyArray<Allocation & { readonly instanceId: string }>;
  readonly lifecycleActions: ReadonlyArray<LifecycleOutcome & { readonly instanceId: string }>;
}

/** What changed, from what a run reports: its changes, and each request's allocation and lifecycle action. */
export function changedOf(
  { dryRun, tables, instanceChanges }: Changes & { readonly dryRun: boolean },
  outcomes: ReadonlyArray<{
    readonly instanceId?: string;
    readonly allocation?: Allocation;
    readonly lifecycle?: LifecycleOutcome;
  }>,
): Changed {
  const made = (item: { readonly applied: boolean; readonly error?: string }) =>
    dryRun ? item.error === undefined : item.applied;
  const routes = tables.flatMap((table) =>
    table.decisions.flatMap((d) =>
      (d.action === "create" || d.action === "replace" || d.action === "delete") && d.cidr !== undefined && made(d)
        ? [
            {
              action: d.action,
              routeTableId: d.routeTableId,
              cidr: d.cidr,
              ...(d.instanceId !== undefined ? { instanceId: d.instanceId } : {}),
              ...(d.target !== undefined ? { target: d.target } : {}),
              ...(d.previousTarget !== undefined ? { previousTarget: d.previousTarget } : {}),
            },
          ]
        : [],
    ),
  );
  return {
    dryRun,
    routes,
    sourceDestChecks: instanceChanges.filter(made).map(({ instanceId, target }) => ({ instanceId, target })),
    allocations: outcomes.flatMap(({ instanceId, allocation }) =>
      allocation && instanceId !== undefined ? [{ instanceId, ...allocation }] : [],
    ),
    lifecycleActions: outcomes.flatMap(({ instanceId, lifecycle }) =>
      lifecycle && instanceId !== undefined ? [{ instanceId, ...lifecycle }] : [],
    ),
  };
}
