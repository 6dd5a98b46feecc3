import { bitsOf, blockOf, overlaps, type CidrBlock } from "./cidr.js";

/** The blocks one family's allocation hands out: the cluster CIDR cut into blocks of `prefixLength`. */
export interface Pool {
  readonly clusterCidr: CidrBlock;
  readonly prefixLength: number;
}

/** How many blocks of the pool's length the cluster CIDR holds. */
export function poolCapacity(pool: Pool): bigint {
  return 1n << BigInt(pool.prefixLength - pool.clusterCidr.prefixLength);
}

/** Every block of the pool, lowest first, that overlaps nothing in `taken`. */
export function* freeBlocks(pool: Pool, taken: readonly CidrBlock[]): Generator<string> {
  let next = 0n;
  for (const [from, to] of takenIndexes(pool, taken)) {
    for (; next < from; next++) yield blockAt(pool, next).text;
    next = to + 1n;
  }
  for (const capacity = poolCapacity(pool); next < capacity; next++) yield blockAt(pool, next).text;
}

/** How many blocks of the pool overlap something in `taken`. */
export function blocksInUse(pool: Pool, taken: readonly CidrBlock[]): bigint {
  return takenIndexes(pool, taken).reduce((sum, [from, to]) => sum + to - from + 1n, 0n);
}

function blockAt(pool: Pool, index: bigint): CidrBlock {
  const first = pool.clusterCidr.first + (index << BigInt(hostBitsOf(pool)));
  return blockOf(pool.clusterCidr.family, first, pool.prefixLength);
}

/** Host bits of a pool block. */
function hostBitsOf(pool: Pool): number {
  return bitsOf(pool.clusterCidr.family) - pool.prefixLength;
}

/**
 * The pool blocks `taken` overlaps, as sorted, merged ranges of block indexes: a taken block smaller than
 * a pool block takes that block, a larger one every block it covers.
 */
function takenIndexes(pool: Pool, taken: readonly CidrBlock[]): Array<[bigint, bigint]> {
  const { first, last } = pool.clusterCidr;
  const shift = BigInt(hostBitsOf(pool));
  const ranges = taken
    .filter((block) => overlaps(pool.clusterCidr, block))
    .map((block): [bigint, bigint] => [
      ((block.first > first ? block.first : first) - first) >> shift,
      ((block.last < last ? block.last : last) - first) >> shift,
    ])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const merged: Array<[bigint, bigint]> = [];
  for (const [from, to] of ranges) {
    const previous = merged.at(-1);
    if (previous && from <= previous[1] + 1n) previous[1] = to > previous[1] ? to : previous[1];
    else merged.push([from, to]);
  }
  return merged;
}
