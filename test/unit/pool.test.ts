import { describe, expect, it } from "vitest";
import { adaptivePool } from "../../functions/pod-routes/jobs/pool.js";

/** Runs tasks through the pool, each adding `retriesOf(n)` SDK retries, and records how many ran at once. */
async function run(count: number, retriesOf: (n: number) => number) {
  let retries = 0;
  let running = 0;
  const atStart: number[] = [];
  const pool = adaptivePool(4, () => retries);
  await Promise.all(
    Array.from({ length: count }, (_, n) =>
      pool(async () => {
        atStart.push(++running);
        await new Promise((resolve) => setTimeout(resolve, 2));
        retries += retriesOf(n);
        running--;
      }),
    ),
  );
  return atStart;
}

describe("the adaptive pool", () => {
  it("runs 4 at once while EC2 answers without retries", async () => {
    expect(Math.max(...(await run(40, () => 0)))).toBe(4);
  });

  it("holds at 4 through scattered retries (about one a task)", async () => {
    const atStart = await run(80, (n) => (n % 2 === 0 ? 2 : 0));
    expect(Math.max(...atStart.slice(60))).toBe(4);
  });

  it("falls to one at a time while every task needs several retries", async () => {
    const atStart = await run(60, () => 3);
    expect(atStart.slice(30).every((n) => n === 1)).toBe(true);
  });

  it("grows back once the push-back stops", async () => {
    const atStart = await run(120, (n) => (n < 30 ? 3 : 0));
    expect(atStart.slice(30, 36).every((n) => n === 1)).toBe(true);
    expect(Math.max(...atStart.slice(90))).toBe(4);
  });
});
