import pLimit from "p-limit";

/** Tasks without a retry before the pool takes one more at once. */
const CALM_TASKS = 8;

export type Pool = <T>(task: () => Promise<T>) => Promise<T>;

/**
 * Runs tasks in the order given, at most `max` at once, and fewer when EC2 pushes back: a task during
 * which the SDK had to retry (throttling, 5xx) halves the concurrency, down to one; every CALM_TASKS
 * tasks without a retry add one back (additive increase, multiplicative decrease). The SDK backs off each
 * call; this backs off the whole invocation, so its calls stop competing for the same token bucket.
 */
export function adaptivePool(max: number, retries: () => number): Pool {
  const limit = pLimit(max);
  let calm = 0;
  return (task) =>
    limit(async () => {
      const before = retries();
      try {
        return await task();
      } finally {
        if (retries() > before) {
          limit.concurrency = Math.max(1, Math.floor(limit.concurrency / 2));
          calm = 0;
        } else if (++calm >= CALM_TASKS && limit.concurrency < max) {
          limit.concurrency++;
          calm = 0;
        }
      }
    });
}
