import type { Summary } from "../../functions/pod-routes/jobs/summary.js";

export type DriftKind = "missing" | "wrong-target" | "orphan" | "blackhole" | "conflict" | "invalid-tag";

export interface Drift {
  readonly kind: DriftKind;
  readonly routeTableId?: string;
  readonly cidr?: string;
  /** Where the route points now, if it exists. */
  readonly target?: string;
  readonly detail: string;
}

/** What a dry-run full sync would change, named the way an operator thinks of it. */
export function driftOf(summary: Summary): Drift[] {
  const drift: Drift[] = summary.tables.flatMap((table) =>
    table.decisions.flatMap((decision): Drift[] => {
      const at = {
        routeTableId: decision.routeTableId,
        ...(decision.cidr ? { cidr: decision.cidr } : {}),
        detail: decision.reason,
      };
      switch (decision.action) {
        case "create":
          return [{ kind: "missing", ...at }];
        case "replace":
          return [
            {
              kind: decision.blackhole ? "blackhole" : "wrong-target",
              ...at,
              ...(decision.previousTarget ? { target: decision.previousTarget } : {}),
            },
          ];
        case "delete":
          return [
            {
              kind: decision.blackhole ? "blackhole" : "orphan",
              ...at,
              ...(decision.target ? { target: decision.target } : {}),
            },
          ];
        case "conflict":
          return [{ kind: "conflict", ...at, ...(decision.target ? { target: decision.target } : {}) }];
        default:
          return [];
      }
    }),
  );
  for (const failure of summary.failures)
    if (failure.kind === "invalid-pod-cidr") drift.push({ kind: "invalid-tag", detail: failure.message });
  return drift;
}
