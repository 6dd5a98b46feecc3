import pLimit from "p-limit";

/** Tasks per look at how hard EC2 pushes back. */
const WINDOW = 8;
/** SDK retries per task above which the pool halves, and below which it grows by one. */
const HEAVY = 1.5;
const LIGHT = 0.5;

export type Pool = <T>(task: () => Promise<T>) => Promise<T>;

/**
 * Runs tasks in the order given, at most `max` at once, and fewer when EC2 pushes back. Every WINDOW
 * tasks it compares the SDK's retries (throttling, 5xx) with the tasks done: over HEAVY retries a task
 * means the account's token bucket is empty, and the concurrency halves, down to one; under LIGHT adds
 * one back. Scattered retries in between (some throttled calls among many) leave it as it is: slowing
 * down would not spare them. The SDK backs off each call; this backs off the whole invocation, so its
 * calls stop competing for one bucket.
 */
export function adaptivePool(max: number, retries: () => number): Pool {
  const limit = pLimit(max);
  let retriesBefore = retries();
  let done = 0;
  const look = () => {
    const perTask = (retries() - retriesBefore) / done;
    if (perTask > HEAVY) limit.concurrency = Math.max(1, Math.floor(limit.concurrency / 2));
    else if (perTask < LIGHT && limit.concurrency < max) limit.concurrency++;
    retriesBefore = retries();
    done = 0;
  };
  return (task) =>
    limit(async () => {
      try {
        return await task();
      } finally {
        if (++done >= WINDOW) look();
      }
    });
}
