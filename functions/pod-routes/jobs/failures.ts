import {
  ConfigError,
  InvalidPodCidrError,
  NotAWorkerError,
  PodCidrPoolExhaustedError,
  RouteLimitError,
  RouteTableNotFoundError,
  UntrustedEventError,
} from "../core/errors.js";
import type { Failure, FailureKind } from "./summary.js";

/** Errors no retry can fix: a person must change a tag, a route, a setting or a quota. */
const PERMANENT: ReadonlyArray<readonly [new (...args: never[]) => Error, FailureKind]> = [
  [InvalidPodCidrError, "invalid-pod-cidr"],
  [NotAWorkerError, "not-a-worker"],
  [PodCidrPoolExhaustedError, "pool-exhausted"],
  [RouteLimitError, "route-limit"],
  [RouteTableNotFoundError, "table-not-found"],
  [ConfigError, "config"],
  [UntrustedEventError, "refused-event"],
];

/** The failure an error stands for when no retry can fix it; undefined when a retry may. */
export function permanentFailureOf(error: unknown): Failure | undefined {
  const kind = PERMANENT.find(([type]) => error instanceof type)?.[1];
  return kind === undefined ? undefined : { kind, message: `${(error as Error).name}: ${(error as Error).message}` };
}

/**
 * Errors of the whole invocation's settings (a table that does not exist, a cluster CIDR inside the VPC):
 * the operator fixes the configuration, not the instances, so no instance's record is given up for them.
 */
export function isConfigurationError(error: unknown): boolean {
  return error instanceof ConfigError || error instanceof RouteTableNotFoundError;
}

/** True when a retry may fix the failure: AWS errors (throttling, 5xx, races past their rounds). */
export function isTransient(failure: Failure): boolean {
  return failure.kind === "aws-error";
}
