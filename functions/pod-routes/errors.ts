/**
 * Every failure pod-routes reports has a name of its own, so callers (and log queries) can tell a
 * bad tag from a conflict from an AWS outage. Messages name the instance, the value and the fix.
 */
export class PodRoutesError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** An environment variable holds a value pod-routes cannot use. */
export class ConfigError extends PodRoutesError {
  constructor(
    readonly variable: string,
    readonly value: string,
    reason: string,
  ) {
    super(`${variable}=${JSON.stringify(value)} is invalid: ${reason}`);
  }
}

/** The invocation payload is not an event or manual request pod-routes handles. */
export class UnsupportedEventError extends PodRoutesError {}

/** A worker's pod-CIDR tag cannot be routed; nothing was changed for it. */
export class InvalidPodCidrError extends PodRoutesError {
  constructor(
    readonly instanceId: string,
    readonly tag: string,
    readonly value: string,
    readonly reason: string,
  ) {
    super(
      `instance ${instanceId}: tag ${tag}=${JSON.stringify(value)} is not a usable pod CIDR: ${reason}. ` +
        `Fix the tag; no route was changed for this instance.`,
    );
  }
}

/** A manual request names an instance that cannot take the requested action. */
export class NotAWorkerError extends PodRoutesError {}

/** EC2 does not show an instance yet that an event just reported as launched (eventual consistency). */
export class InstanceNotVisibleError extends PodRoutesError {}

/** A configured route table does not exist. */
export class RouteTableNotFoundError extends PodRoutesError {}

/** The route table is full: the quota, not pod-routes, must change. */
export class RouteLimitError extends PodRoutesError {}

/** An EC2 call failed for a reason pod-routes cannot resolve by itself. */
export class Ec2CallError extends PodRoutesError {
  constructor(
    readonly operation: string,
    readonly code: string,
    detail: string,
    cause: unknown,
  ) {
    super(`${operation} failed (${code}) ${detail}`, { cause });
  }
}

/** Some routes could not be converged; the others were. Lists every failure. */
export class ReconcileFailedError extends PodRoutesError {
  constructor(readonly failures: readonly string[]) {
    super(`${failures.length} route change(s) failed:\n- ${failures.join("\n- ")}`);
  }
}

/** The error code of an AWS SDK error (`name`), or undefined for anything else. */
export function awsErrorCode(error: unknown): string | undefined {
  if (error instanceof Error && "$metadata" in error) return error.name;
  return undefined;
}
