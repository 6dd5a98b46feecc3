import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";
import { AutoScalingClient } from "@aws-sdk/client-auto-scaling";
import { EC2Client } from "@aws-sdk/client-ec2";
import { ServiceQuotasClient } from "@aws-sdk/client-service-quotas";
import { SQSClient } from "@aws-sdk/client-sqs";
import { autoScalingAdapter } from "../adapters/autoscaling.js";
import { parseConfig } from "../core/config.js";
import { ec2Adapter } from "../adapters/ec2.js";
import { queueAdapter, type QueuePort } from "../adapters/queue.js";
import { readRouteQuota } from "../adapters/quotas.js";
import type { RouteQuota } from "../core/quota.js";
import { explainUnreadableAnswers } from "../adapters/unreadable-answers.js";
import { setTimeout as sleep } from "node:timers/promises";
import type { Clock, Dependencies } from "../jobs/dependencies.js";
import type { QueueOrigin } from "./queue.js";

/**
 * Standard retries (exponential backoff with jitter, a longer base for throttling), 8 attempts: with 30%
 * of calls throttled, 5 attempts give up on 0.3^5, about 1 call in 400, and the bench's cold sync of
 * 1,000 workers needed a third invocation; 8 give up on about 1 in 15,000, and it needed two. The
 * invocation's deadline still bounds every call. Adaptive mode's client-side rate limiting would only see
 * this one container's calls; the pool in `jobs/pool.ts` backs off the invocation as a whole.
 */
const RETRY = { retryMode: "standard", maxAttempts: 8 } as const;

export type Env = Readonly<Record<string, string | undefined>>;

/** How long one invocation's work may run, and its completion (which must outlast a work timeout). */
export interface Deadlines {
  readonly work?: AbortSignal;
  readonly completion?: AbortSignal;
}

export interface Wired {
  readonly logger: Logger;
  /** CloudWatch metrics in embedded metric format (namespace PodRoutes; POWERTOOLS_METRICS_NAMESPACE overrides). */
  readonly metrics: Metrics;
  /** The jobs' dependencies for one invocation, every AWS call bounded by its deadlines. */
  dependencies(deadlines?: Deadlines): Dependencies;
  /** The event queue, for one invocation: its client is built on first use (only a failed record needs it). */
  queue(deadlines?: Deadlines): QueuePort;
  /** The queue and message group pod-routes' rules send to, when known: records from elsewhere are refused. */
  readonly queueOrigin: QueueOrigin;
}

/** The system's clock. */
export const systemClock: Clock = { now: () => Date.now(), pause: (ms) => sleep(ms) };

/**
 * Settings, clients and logger, from an environment: the Lambda's, or the CLI's. Region, endpoint and
 * credentials come from the SDK's standard variables. Built once; adapters are per invocation.
 */
export function wire(env: Env, clock: Clock = systemClock): Wired {
  const config = parseConfig(env);
  const logLevel = env["POWERTOOLS_LOG_LEVEL"];
  const logger = new Logger({ serviceName: "pod-routes", ...(logLevel ? { logLevel: logLevel as "INFO" } : {}) });
  const ec2 = new EC2Client(RETRY);
  const autoScaling = new AutoScalingClient(RETRY);
  explainUnreadableAnswers(ec2);
  explainUnreadableAnswers(autoScaling);
  let sqs: SQSClient | undefined;
  let routeQuota: Promise<RouteQuota> | undefined;
  // Once per execution environment; an unreadable quota is logged here once, and assumed thereafter.
  const readQuota = (signal?: AbortSignal) =>
    (routeQuota ??= readRouteQuota(new ServiceQuotasClient(RETRY), signal).then((quota) => {
      if (quota.problem)
        logger.warn("route quota not read: route tables' headroom is not measured, nor creates refused up front", {
          problem: quota.problem,
          fix: "allow servicequotas:GetServiceQuota on the vpc/L-93826ACB quota (the template's role does)",
        });
      return quota;
    }));
  const metrics = new Metrics({
    namespace: env["POWERTOOLS_METRICS_NAMESPACE"] ?? "PodRoutes",
    serviceName: "pod-routes",
  });
  return {
    logger,
    metrics,
    queueOrigin: {
      ...(config.eventQueueArn ? { queueArn: config.eventQueueArn } : {}),
      ...(config.eventMessageGroup ? { messageGroup: config.eventMessageGroup } : {}),
    },
    dependencies: (deadlines = {}) => ({
      config,
      ec2: ec2Adapter(ec2, deadlines.work),
      autoScaling: autoScalingAdapter(autoScaling, deadlines.completion),
      routeQuota: () => readQuota(deadlines.work),
      log: logger,
      now: () => clock.now(),
      pause: (ms) => clock.pause(ms),
    }),
    queue: (deadlines = {}) => queueAdapter(() => (sqs ??= new SQSClient(RETRY)), deadlines.completion),
  };
}
