import { Logger } from "@aws-lambda-powertools/logger";
import { AutoScalingClient } from "@aws-sdk/client-auto-scaling";
import { EC2Client } from "@aws-sdk/client-ec2";
import type { Context } from "aws-lambda";
import { parseConfig } from "./config.js";
import { autoScalingAdapter } from "./autoscaling.js";
import { run } from "./run.js";
import type { Dependencies, Summary } from "./summary.js";
import { ec2Adapter } from "./ec2.js";
import { ReconcileFailedError } from "./errors.js";
import { decodeEvent } from "./event.js";

/** Retries ride out throttling: the EC2 mutating bucket refills at only 5 calls per second. */
const MAX_ATTEMPTS = 5;

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Builds a handler bound to an environment. Settings are parsed and clients built on the first
 * invocation, once; the event is decoded before any AWS call so bad input changes nothing.
 */
export function createHandler(env: Env = process.env): (event: unknown, context?: Context) => Promise<Summary> {
  let wired: { deps: Dependencies; logger: Logger } | undefined;
  return async (event, context) => {
    wired ??= wire(env);
    const { deps, logger } = wired;
    logger.resetKeys();
    if (context) logger.addContext(context);
    try {
      const request = decodeEvent(event);
      logger.appendKeys({
        trigger: request.trigger,
        ...(request.eventId ? { eventId: request.eventId } : {}),
        ...(request.replayName ? { replayName: request.replayName } : {}),
      });
      const summary = await run(request, deps);
      logger.info("summary", { summary });
      if (summary.failures.length > 0) throw new ReconcileFailedError(summary.failures.map((failure) => failure.message));
      return summary;
    } catch (error) {
      logger.error("invocation failed", error as Error);
      throw error;
    }
  };
}

function wire(env: Env): { deps: Dependencies; logger: Logger } {
  const config = parseConfig(env);
  const logger = new Logger({ serviceName: "pod-routes" });
  const ec2 = ec2Adapter(new EC2Client({ maxAttempts: MAX_ATTEMPTS }));
  const autoScaling = autoScalingAdapter(new AutoScalingClient({ maxAttempts: MAX_ATTEMPTS }));
  return { deps: { config, ec2, autoScaling, log: logger, now: Date.now }, logger };
}

export const handler = createHandler();
