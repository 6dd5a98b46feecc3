import type { BatchSummary } from "../jobs/batch.js";
import type { Summary } from "../jobs/summary.js";

/** Keep decisions shown as examples: what "in place" looked like, without listing every worker. */
const KEEP_SAMPLE = 5;
/** Failures listed in full; the rest counted. Each is also its own error line. */
const FAILURES_LISTED = 20;

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
  const { tables, instanceChanges, failures, ...rest } = summary;
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
    failures: failures.slice(0, FAILURES_LISTED).map(({ kind, message }) => ({ kind, message })),
    ...(failures.length > FAILURES_LISTED ? { moreFailures: failures.length - FAILURES_LISTED } : {}),
  };
}
