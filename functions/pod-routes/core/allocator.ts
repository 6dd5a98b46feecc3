import { overlaps, parseIpv4Block, type Ipv4Block } from "./cidr.js";

export interface Pool {
  readonly clusterCidr: Ipv4Block;
  readonly prefixLength: number;
}

/** How many blocks of the pool's length the cluster CIDR holds. */
export function poolCapacity(pool: Pool): number {
  return 2 ** (pool.prefixLength - pool.clusterCidr.prefixLength);
}

/** Every block of the pool, lowest first, that overlaps nothing in `taken`. */
export function* freeBlocks(pool: Pool, taken: readonly Ipv4Block[]): Generator<string> {
  for (const candidate of poolBlocks(pool)) {
    if (!taken.some((block) => overlaps(block, candidate))) yield candidate.text;
  }
}

/** How many blocks of the pool overlap something in `taken`. */
export function blocksInUse(pool: Pool, taken: readonly Ipv4Block[]): number {
  let inUse = 0;
  for (const candidate of poolBlocks(pool)) if (taken.some((block) => overlaps(block, candidate))) inUse++;
  return inUse;
}

function* poolBlocks(pool: Pool): Generator<Ipv4Block> {
  const first = parseIpv4Block(`${pool.clusterCidr.network.base}/${pool.prefixLength}`);
  for (let index = 0; first && index < poolCapacity(pool); index++) {
    const block = parseIpv4Block(first.network.next(index).toString());
    if (block) yield block;
  }
}
