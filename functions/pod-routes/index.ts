import type { Context } from "aws-lambda";
import { ReconcileFailedError } from "./errors.js";
import { decodeEvent } from "./event.js";
import { run } from "./run.js";
import type { Summary } from "./summary.js";
import { wire, type Env } from "./wire.js";

/**
 * Builds a handler bound to an environment. Settings are parsed and clients built on the first
 * invocation, once; the event is decoded before any AWS call so bad input changes nothing.
 */
export function createHandler(env: Env = process.env): (event: unknown, context?: Context) => Promise<Summary> {
  let wired: ReturnType<typeof wire> | undefined;
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

export const handler = createHandler();
