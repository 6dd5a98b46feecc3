import type { Logger } from "@aws-lambda-powertools/logger";
import type { AutoScalingPort } from "../adapters/autoscaling.js";
import type { Config } from "../core/config.js";
import type { Ec2Port } from "../adapters/ec2.js";
import type { RouteQuota } from "../core/quota.js";

/** The time as pod-routes sees it: what it is now, and a wait. */
export interface Clock {
  now(): number;
  pause(ms: number): Promise<void>;
}

/** What a job needs from the outside world: settings, the AWS adapters and quota, a logger and a clock. */
export interface Dependencies extends Clock {
  readonly config: Config;
  readonly ec2: Ec2Port;
  readonly autoScaling: AutoScalingPort;
  /** The "Routes per route table" quota, read at most once per execution environment. */
  routeQuota(): Promise<RouteQuota>;
  readonly log: Pick<Logger, "debug" | "info" | "warn">;
}
