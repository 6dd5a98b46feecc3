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
    expect(poolCapacity(pool)).toBe(256n);
    expect(blocksInUse(pool, ["10.200.0.0/24", "10.200.4.0/22", "10.201.0.0/24"].map(block))).toBe(5n);
    // Overlapping takers count each block once.
    expect(blocksInUse(pool, ["10.200.4.0/22", "10.200.5.0/24", "10.200.5.128/25"].map(block))).toBe(4n);
  });
});

describe("an IPv6 pool", () => {
  const v6 = { clusterCidr: block("fd00:10:200::/56"), prefixLength: 64 };

  it("hands out /64 blocks lowest first, skipping those taken however large", () => {
    const taken = ["fd00:10:200::/64", "fd00:10:200:2::/63", "fd00:10:200:5::80/121"].map(block);
    expect([...take(freeBlocks(v6, taken), 3)]).toEqual([
      "fd00:10:200:1::/64",
      "fd00:10:200:4::/64",
      "fd00:10:200:6::/64",
    ]);
    expect(blocksInUse(v6, taken)).toBe(4n);
    expect(poolCapacity(v6)).toBe(256n);
  });

  it("walks a pool of 2^64 blocks without counting them one by one", () => {
    const huge = { clusterCidr: block("fd00::/32"), prefixLength: 96 };
    expect(poolCapacity(huge)).toBe(2n ** 64n);
    expect(blocksInUse(huge, [block("fd00::/33")])).toBe(2n ** 63n);
    expect([...take(freeBlocks(huge, [block("fd00::/33")]), 1)]).toEqual(["fd00:0:8000::/96"]);
  });

  it("keeps families apart: an IPv4 block takes no IPv6 one", () => {
    expect([...take(freeBlocks(v6, [block("10.200.0.0/16")]), 1)]).toEqual(["fd00:10:200::/64"]);
  });
});
