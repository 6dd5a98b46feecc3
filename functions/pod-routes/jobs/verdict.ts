import type { Config, LifecycleResult } from "../core/config.js";
import { ReconcileFailedError } from "../core/errors.js";
import type { Request } from "../core/request.js";
import type { JobOutcome } from "./controller.js";
import { isConfigurationError, isTransient, permanentFailureOf } from "./failures.js";
import type { Allocation, Failure, LifecycleOutcome, Summary } from "./summary.js";

/**
 * What became of a request. `retry`: its own instance failed in a way a retry can fix, or the settings
 * failed the whole batch; records about other instances have no order to keep, so nothing else waits
 * for it. `deferred`: a sync whose transient failures are left to the next sync. The others, `deferred`
 * included, are acknowledged when queued.
 */
export type Outcome = "done" | "ignored" | "failed" | "unreadable" | "refused" | "deferred" | "retry";

export interface Verdict {
  readonly outcome: Outcome;
  /** Why it was ignored, refused, failed or retried. */
  readonly reason?: string;
  /** The error that decided it, for a direct caller to see as it was thrown. */
  readonly error?: Error;
  readonly allocation?: Allocation;
  readonly lifecycle?: LifecycleOutcome;
}

/**
 * Every decision about what happens to a request, from its job's outcome, in one place: whether a queued
 * record is acknowledged or retried, how a launch action completes, and what a direct call returns.
 */
export const verdicts = {
  /** An instance's job, by its own error, or else by the failures about its instance. */
  ofJob(outcome: JobOutcome, failures: readonly Failure[]): Verdict {
    if (outcome.error !== undefined) return verdicts.ofError(outcome.error);
    if (outcome.ignored !== undefined) return { outcome: "ignored", reason: outcome.ignored };
    const about = failures.filter((failure) => failure.instanceIds?.includes(outcome.job.instanceId));
    const verdict = verdicts.ofFailures(about);
    return outcome.allocation ? { ...verdict, allocation: outcome.allocation } : verdict;
  },

  /** Stopped by an error: given up when no retry can fix it, unless the settings are at fault. */
  ofError(error: Error): Verdict {
    const failure = permanentFailureOf(error);
    if (failure && !isConfigurationError(error)) return { outcome: "failed", reason: failure.message, error };
    return { outcome: "retry", reason: `${error.name}: ${error.message}`, error };
  },

  ofFailures(failures: readonly Failure[]): Verdict {
    const transient = failures.find(isTransient);
    if (transient) return { outcome: "retry", reason: transient.message };
    if (failures.length > 0) return { outcome: "failed", reason: failures.map((f) => f.message).join("; ") };
    return { outcome: "done" };
  },

  /** A sync is never retried from the queue: the next scheduled one does it again. */
  ofSync(batchError: Error | undefined, failures: readonly Failure[]): Verdict {
    const reasons = [
      ...(batchError ? [`${batchError.name}: ${batchError.message}`] : []),
      ...failures.map((f) => f.message),
    ];
    if (reasons.length === 0) return { outcome: "done" };
    const transient =
      (batchError !== undefined && permanentFailureOf(batchError) === undefined) || failures.some(isTransient);
    return {
      outcome: transient ? "deferred" : "failed",
      reason: reasons.join("; "),
      ...(batchError ? { error: batchError } : {}),
    };
  },

  /**
   * How a launch action ends, or undefined while it must wait: CONTINUE once routed, the configured
   * failure result on a permanent failure; a transient failure waits for the retry, and settings at
   * fault for their fix. A sync gives up no launch it found waiting: the hook's own timeout and default
   * result decide those.
   */
  launchResult(verdict: Verdict, config: Config, foundWaiting: boolean): LifecycleResult | undefined {
    if (verdict.outcome === "done") return "CONTINUE";
    if (verdict.outcome === "failed" && !foundWaiting) return config.launchFailureResult;
    return undefined;
  },

  /**
   * What a direct call (a manual payload, a raw EventBridge event, the CLI) ends with: its summary alone,
   * or also the error its caller must see. What a retry can fix, and settings at fault, fail the
   * invocation, so Lambda retries an asynchronous one; so does every failure of a manual request, which
   * its caller reads. A delivered event's permanent failures are reported in the summary (logged and
   * counted), not retried.
   */
  direct(request: Request, verdict: Verdict, summary: Summary): Error | undefined {
    const { error } = verdict;
    if (error !== undefined && (verdict.outcome === "retry" || isConfigurationError(error))) return error;
    if (request.trigger === "manual" && error !== undefined) return error;
    const failed = verdict.outcome === "retry" || verdict.outcome === "deferred" || summary.failures.some(isTransient);
    if (failed || (request.trigger === "manual" && summary.failures.length > 0))
      return new ReconcileFailedError(summary.failures.map((failure) => failure.message));
    return undefined;
  },
};
