import type { Completion } from "../adapters/autoscaling.js";
import type { LifecycleResult } from "../core/config.js";
import type { Decision } from "../core/planner.js";
import type { Family } from "../core/cidr.js";
import type { Headroom } from "../core/quota.js";
import type { Request } from "../core/request.js";
import type { Changed } from "./changed.js";

export interface ReportedDecision extends Decision {
  readonly applied: boolean;
  readonly error?: string;
  readonly errorCode?: string;
}

export interface InstanceChange {
  readonly instanceId: string;
  readonly change: "disable-source-dest-check";
  readonly target: string;
  readonly applied: boolean;
  readonly error?: string;
}

/**
 * `aws-error` may pass on retry; the others need a person (a tag, a conflicting route, the quota, a
 * queued message no version of pod-routes reads).
 */
export type FailureKind =
  | "conflict"
  | "invalid-pod-cidr"
  | "not-a-worker"
  | "pool-exhausted"
  | "route-limit"
  | "table-not-found"
  | "config"
  | "unreadable-event"
  | "refused-event"
  | "aws-error";

export interface Failure {
  readonly kind: FailureKind;
  /** The workers the failure is about, when it is about some: how a batch tells whose events it concerns. */
  readonly instanceIds?: readonly string[];
  readonly message: string;
}

/** A pool after an allocation: blocks in use of how many. */
export interface PoolUse {
  readonly inUse: number;
  readonly capacity: number;
}

export interface Allocation {
  /** The pod-CIDR tag written: one block, or the IPv4 and IPv6 blocks separated by a comma. */
  readonly cidr: string;
  readonly routeTableId: string;
  /**
   * How the blocks became the worker's: claimed now (one at least), found already routed to it, or only
   * planned (dry run).
   */
  readonly how: "claimed" | "adopted" | "planned";
  /** The IPv4 pool after this allocation (absent when its block was adopted). */
  readonly pool?: PoolUse;
  /** The IPv6 pool after this allocation, when IPv6 is on (absent when its block was adopted). */
  readonly poolV6?: PoolUse;
}

export interface LifecycleOutcome {
  readonly result: LifecycleResult;
  /** `planned` in a dry run, which completes nothing. */
  readonly completion: Completion | "planned";
}

/** One family's decisions in one table (a dual-stack table is reported once per family). */
export interface TableReport {
  readonly routeTableId: string;
  /** Absent on reports made before any plan (a table of another VPC skipped): IPv4. */
  readonly family?: Family;
  readonly decisions: readonly ReportedDecision[];
  /** Room left under the route quota after the changes; absent when the quota could not be read. */
  readonly headroom?: Headroom;
}

/**
 * What was planned, changed and failed: the one shape every stage reports in (converging tables, a
 * reconcile, a batch, a direct invocation's summary), combined rather than merged field by field.
 */
export interface Changes {
  readonly tables: readonly TableReport[];
  readonly instanceChanges: readonly InstanceChange[];
  readonly failures: readonly Failure[];
}

export const NO_CHANGES: Changes = { tables: [], instanceChanges: [], failures: [] };

/** Several stages' changes as one, in order. */
export function combined(...parts: readonly Changes[]): Changes {
  return {
    tables: parts.flatMap((part) => part.tables),
    instanceChanges: parts.flatMap((part) => part.instanceChanges),
    failures: parts.flatMap((part) => part.failures),
  };
}

export interface Summary extends Changes {
  readonly request: Request;
  readonly dryRun: boolean;
  /** What was changed (in a dry run, would be): the digest of the rest an operator reads first. */
  readonly changed: Changed;
  /** Why the instance or payload was left alone. */
  readonly ignored?: string;
  readonly allocation?: Allocation;
  readonly lifecycle?: LifecycleOutcome;
}
