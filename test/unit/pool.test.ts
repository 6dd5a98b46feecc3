import { describe, expect, it } from "vitest";
import { adaptivePool } from "../../functions/pod-routes/jobs/pool.js";

/** Runs tasks through the pool and records how many ran at once when each started. */
async function run(count: number, pushBack: (n: number) => boolean) {
  let retries = 0;
  let running = 0;
  const atStart: number[] = [];
  const pool = adaptivePool(4, () => retries);
  await Promise.all(
    Array.from({ length: count }, (_, n) =>
      pool(async () => {
        atStart.push(++running);
        await new Promise((resolve) => setTimeout(resolve, 2));
        if (pushBack(n)) retries++;
        running--;
      }),
    ),
  );
  return atStart;
}

describe("the adaptive pool", () => {
  it("runs 4 at once while EC2 answers without retries", async () => {
    expect(Math.max(...(await run(40, () => false)))).toBe(4);
  });

  it("falls to one at a time while every task needs retries", async () => {
    const atStart = await run(40, () => true);
    expect(atStart.slice(8).every((n) => n === 1)).toBe(true);
  });

  it("grows back after the push-back stops", async () => {
    const atStart = await run(120, (n) => n < 20);
    expect(atStart.slice(20, 27).every((n) => n === 1)).toBe(true);
    expect(Math.max(...atStart.slice(90))).toBe(4);
  });
});
