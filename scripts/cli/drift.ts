import type { TagMatch } from "../../functions/pod-routes/core/config.js";
import type { Summary } from "../../functions/pod-routes/jobs/summary.js";
import { podCidrTagsOf } from "../lib/summary.mjs";

export type DriftKind = "missing" | "wrong-target" | "orphan" | "blackhole" | "conflict" | "overlap" | "invalid-tag";

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
        case "overlap":
          return [{ kind: decision.action, ...at, ...(decision.target ? { target: decision.target } : {}) }];
        default:
          return [];
      }
    }),
  );
  for (const failure of summary.failures)
    if (failure.kind === "invalid-pod-cidr") drift.push({ kind: "invalid-tag", detail: failure.message });
  return drift;
}

/** A route pod-routes leaves alone, and the tags that would make its instance a worker that owns it. */
export interface Unmanaged {
  readonly routeTableId: string;
  readonly cidr: string;
  readonly target: string;
  /**
   * For an instance target: the tags to add, e.g. ["pod-cidr=10.200.0.0/24"], or with a route of each
   * family to it ["pod-cidr=10.200.0.0/24,fd00:10:200::/64"]; none when it holds two of one family.
   */
  readonly tagsToAdd?: readonly string[];
  readonly detail: string;
}

/** The unmanaged routes of a dry-run full sync, with the tags that would hand each over. */
export function unmanagedOf(
  summary: Summary,
  selector: { readonly podCidrTag: string; readonly clusterTag?: TagMatch },
): Unmanaged[] {
  const clusterTag = selector.clusterTag && [selector.clusterTag.key, selector.clusterTag.value ?? ""].join("=");
  const podCidrTags = podCidrTagsOf(summary);
  return summary.tables.flatMap((table) =>
    table.decisions.flatMap((decision): Unmanaged[] =>
      decision.action === "unmanaged" && decision.cidr && decision.target
        ? [
            {
              routeTableId: decision.routeTableId,
              cidr: decision.cidr,
              target: decision.target,
              ...(podCidrTags.has(decision.target)
                ? {
                    tagsToAdd: [
                      `${selector.podCidrTag}=${podCidrTags.get(decision.target)}`,
                      ...(clusterTag ? [clusterTag] : []),
                    ],
                  }
                : {}),
              detail: decision.reason,
            },
          ]
        : [],
    ),
  );
}
