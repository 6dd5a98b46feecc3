import { describe, expect, it } from "vitest";
import { blocksInUse, freeBlocks, poolCapacity } from "../../functions/pod-routes/core/allocator.js";
import { block } from "./fixtures.js";

const pool = { clusterCidr: block("10.200.0.0/16"), prefixLength: 24 };
const first = (taken: string[], count = 3) => [...take(freeBlocks(pool, taken.map(block)), count)];

function* take<T>(items: Iterable<T>, count: number): Generator<T> {
  if (count <= 0) return;
  for (const item of items) {
    yield item;
    if (--count === 0) return;
  }
}

describe("freeBlocks", () => {
  it.each([
    ["an empty pool starts at the bottom", [], ["10.200.0.0/24", "10.200.1.0/24", "10.200.2.0/24"]],
    ["skips blocks in use", ["10.200.0.0/24", "10.200.2.0/24"], ["10.200.1.0/24", "10.200.3.0/24", "10.200.4.0/24"]],
    ["skips blocks a larger route covers", ["10.200.0.0/23"], ["10.200.2.0/24", "10.200.3.0/24", "10.200.4.0/24"]],
    ["skips a block a smaller route sits in", ["10.200.1.128/25"], ["10.200.0.0/24", "10.200.2.0/24", "10.200.3.0/24"]],
    [
      "ignores what lies outside the cluster CIDR",
      ["10.240.0.0/16", "10.201.0.0/16"],
      ["10.200.0.0/24", "10.200.1.0/24", "10.200.2.0/24"],
    ],
    ["counts a route covering the whole cluster CIDR as using every block", ["0.0.0.0/0"], []],
  ])("%s", (_case, taken, expected) => {
    expect(first(taken)).toEqual(expected);
  });

  it("walks the whole pool: the last /24 of 10.200.0.0/16 is 10.200.255.0/24", () => {
    expect([...freeBlocks(pool, [])].at(-1)).toBe("10.200.255.0/24");
    expect([...freeBlocks({ clusterCidr: block("10.0.0.0/8"), prefixLength: 26 }, [])]).toHaveLength(2 ** 18);
  });

  it("finds nothing in a full pool", () => {
    expect(first(["10.200.0.0/16"])).toEqual([]);
  });
});

describe("pool accounting", () => {
  it("counts capacity and blocks in use", () => {
    expect(poolCapacity(pool)).toBe(256);
    expect(blocksInUse(pool, ["10.200.0.0/24", "10.200.4.0/22", "10.201.0.0/24"].map(block))).toBe(5);
  });
});
