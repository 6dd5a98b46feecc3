import type { Family } from "./cidr.js";
import { printable } from "./printable.js";

/**
 * Every failure pod-routes reports has a name of its own, so callers (and log queries) can tell a
 * bad tag from a conflict from an AWS outage. Messages name the instance, the value and the fix.
 */
export abstract class PodRoutesError extends Error {
  abstract override readonly name: string;
}

/** The base of a named error class: minification renames classes, so each carries its name as a string. */
function named<const Name extends string>(name: Name) {
  return class extends PodRoutesError {
    override readonly name = name;
  };
}

/** How much of an input value errors and logs quote: enough to recognise it, never a flood. */
const QUOTED_CHARACTERS = 200;

/**
 * A value as JSON, safe to print (see printable), cut to QUOTED_CHARACTERS with a note of its full
 * length: input may be anything.
 */
export function quote(value: unknown): string {
  const text = printable(JSON.stringify(value) ?? typeof value);
  return text.length <= QUOTED_CHARACTERS ? text : `${text.slice(0, QUOTED_CHARACTERS)}… (${text.length} characters)`;
}

/** An environment variable holds a value pod-routes cannot use. */
export class ConfigError extends named("ConfigError") {
  constructor(
    readonly variable: string,
    readonly value: string,
    reason: string,
  ) {
    super(`${variable}=${quote(value)} is invalid: ${reason}`);
  }
}

/** The invocation payload is not an event or manual request pod-routes handles. */
export class UnsupportedEventError extends named("UnsupportedEventError") {}

/** A worker's pod-CIDR tag cannot be routed; nothing was changed for it. */
export class InvalidPodCidrError extends named("InvalidPodCidrError") {
  constructor(
    readonly instanceId: string,
    readonly tag: string,
    readonly value: string,
    readonly reason: string,
  ) {
    super(
      `instance ${instanceId}: tag ${tag}=${quote(value)} is not a usable pod CIDR: ${reason}. ` +
        `Fix the tag; no route was changed for this instance.`,
    );
  }
}

/** A manual request names an instance that cannot take the requested action. */
export class NotAWorkerError extends named("NotAWorkerError") {}

/** An event claims what EC2 does not confirm (a lifecycle action for a group the instance is not in). */
export class UntrustedEventError extends named("UntrustedEventError") {}

/** EC2 does not show an instance yet that an event just reported as launched (eventual consistency). */
export class InstanceNotVisibleError extends named("InstanceNotVisibleError") {}

/** An instance is not yet in the state its event promised (a warm-pool launch still stopped): retry. */
export class InstanceNotReadyError extends named("InstanceNotReadyError") {}

/** The invocation stopped its AWS calls short of the Lambda timeout; the retry or the next sync converges. */
export class DeadlineExceededError extends named("DeadlineExceededError") {}

/** An endpoint answered with something other than an AWS response (an emulator lacking a call, a proxy's page). */
export class UnreadableAnswerError extends named("UnreadableAnswerError") {}

/** A configured route table does not exist. */
export class RouteTableNotFoundError extends named("RouteTableNotFoundError") {}

/** The route table is full: the quota, not pod-routes, must change. */
export class RouteLimitError extends named("RouteLimitError") {
  /**
   * `held`: the routes of the family the table holds now; `needed`: how many it would hold with every pod
   * route made; `limit`: the quota as read, when the routes were refused up front (EC2's refusal says the
   * table is full). IPv6 routes count against a quota of their own.
   */
  constructor(
    routeTableId: string,
    counts: { readonly held: number; readonly needed: number; readonly limit?: number; readonly family?: Family },
    cause: unknown,
  ) {
    const { held, needed, limit, family } = counts;
    const routes = family === "ipv6" ? "IPv6 routes" : "routes";
    super(
      `${routeTableId} is full: the "Routes per route table" quota (Amazon VPC, L-93826ACB) allows ` +
        `${limit ?? held} ${routes} here${limit !== undefined && limit !== held ? ` and it holds ${held}` : ""}, ` +
        `and ${needed} are needed (${needed - held} pod routes not created); request an increase to at least ` +
        `${needed} in Service Quotas, or free routes`,
      { cause },
    );
  }
}

/** Every pod CIDR block of the configured size is taken. */
export class PodCidrPoolExhaustedError extends named("PodCidrPoolExhaustedError") {}

/** Some routes could not be converged (conflicts, bad tags, failed changes); the others were. Lists each. */
export class ReconcileFailedError extends named("ReconcileFailedError") {
  constructor(readonly failures: readonly string[]) {
    super(`${failures.length} failure(s); everything else converged:\n- ${failures.join("\n- ")}`);
  }
}

/** The error code of an AWS SDK error (`name`), or undefined for anything else. */
export function awsErrorCode(error: unknown): string | undefined {
  if (error instanceof Error && "$metadata" in error) return error.name;
  return undefined;
}

/** Whatever was thrown, as an Error: JavaScript lets anything be thrown. */
export function asError(thrown: unknown): Error {
  return thrown instanceof Error ? thrown : new Error(typeof thrown === "string" ? thrown : quote(thrown));
}
