import type { BatchSummary } from "../jobs/batch.js";
import type { Summary } from "../jobs/summary.js";

/** Keep decisions shown as examples: what "in place" looked like, without listing every worker. */
const KEEP_SAMPLE = 5;
/** Failures, and each kind of change, listed up to this many; the rest counted. Each is a line of its own too. */
const LISTED = 20;

/**
 * A summary as one log line: counts, not lists. Each change is already a line of its own ("route
 * decision"), so this line stays small at any cluster size: a converged sync of 1,000 workers would
 * otherwise log a quarter of a megabyte in one event. The invocation's answer keeps the full summary.
 */
export function summaryForLog(summary: Summary | BatchSummary): Record<string, unknown> {
  const decisions = summary.tables.flatMap((table) => table.decisions);
  const count = (items: ReadonlyArray<{ readonly action: string }>) => {
    const counts = new Map<string, number>();
    for (const { action } of items) counts.set(action, (counts.get(action) ?? 0) + 1);
    return Object.fromEntries(counts);
  };
  const { tables, instanceChanges, failures, changed, ...rest } = summary;
  return {
    ...("records" in rest
      ? { ...rest, records: rest.records.length, waitingLaunches: rest.waitingLaunches.length }
      : rest),
    tables: tables.map((table) => table.routeTableId),
    decisions: count(decisions),
    applied: count(decisions.filter((d) => d.applied)),
    keepSample: decisions
      .filter((d) => d.action === "keep")
      .slice(0, KEEP_SAMPLE)
      .map(({ cidr, instanceId, target }) => ({ cidr, instanceId, target })),
    sourceDestChecks: {
      planned: instanceChanges.length,
      applied: instanceChanges.filter((change) => change.applied).length,
      failed: instanceChanges.filter((change) => change.error !== undefined).length,
    },
    // What changed, as the CLI lists it: routes, source/dest checks, pod CIDRs given out, lifecycle actions.
    changed: {
      ...listed("routes", changed.routes),
      ...listed("sourceDestChecks", changed.sourceDestChecks),
      ...listed("allocations", changed.allocations),
      ...listed("lifecycleActions", changed.lifecycleActions),
    },
    ...listed(
      "failures",
      failures.map(({ kind, message }) => ({ kind, message })),
    ),
  };
}

/** The first LISTED items under `name`, and under `moreName` how many more there were. */
function listed<T>(name: string, items: readonly T[]): Record<string, readonly T[] | number> {
  const more = `more${name[0]!.toUpperCase()}${name.slice(1)}`;
  return items.length > LISTED ? { [name]: items.slice(0, LISTED), [more]: items.length - LISTED } : { [name]: items };
}
