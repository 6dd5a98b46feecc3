import type { Pool } from "./allocator.js";
import {
  bitsOf,
  blockOf,
  contains,
  familyName,
  isNetworkAddress,
  networkOf,
  parseBlock,
  type CidrBlock,
  type Family,
} from "./cidr.js";
import { quote } from "./errors.js";

/** A worker's pod CIDRs, at most one per family. */
export type PodCidrs = Readonly<Partial<Record<Family, CidrBlock>>>;

/** `ignored`: a block of a family pod-routes does not route (IPv6 with CLUSTER_CIDR_V6 unset), and why. */
export type PodCidrCheck = { readonly blocks: PodCidrs; readonly ignored?: string } | { readonly invalid: string };

const SETTINGS: Readonly<Record<Family, { cluster: string; prefix: string }>> = {
  ipv4: { cluster: "CLUSTER_CIDR", prefix: "POD_CIDR_PREFIX_LENGTH" },
  ipv6: { cluster: "CLUSTER_CIDR_V6", prefix: "POD_CIDR_V6_PREFIX_LENGTH" },
};

/**
 * A pod-CIDR tag is kubelet's `--pod-cidr` list: one block, or an IPv4 and an IPv6 block separated by a
 * comma. Each block of a routed family must be one block of its pool's size: a network address (no host
 * bits) of exactly the configured length, inside that family's cluster CIDR (which overlaps no VPC block:
 * see assertClusterCidrOutside). An IPv6 block while IPv6 is off is ignored, not routed.
 */
export function checkPodCidrs(value: string, pools: readonly Pool[]): PodCidrCheck {
  const entries = value.split(",");
  const dual = entries.length > 1;
  if (entries.length > 2) return { invalid: `${entries.length} blocks; at most one per family, two in all` };
  const blocks: Partial<Record<Family, CidrBlock>> = {};
  let ignored: string | undefined;
  for (const entry of entries) {
    const block = parseBlock(entry);
    if (!block) return { invalid: notABlock(entry, pools, dual) };
    if (blocks[block.family]) return { invalid: `two ${familyName(block.family)} blocks; at most one per family` };
    const pool = pools.find((candidate) => candidate.clusterCidr.family === block.family);
    if (!pool) {
      ignored = `${block.text} ignored: IPv6 pod CIDRs are not routed (${SETTINGS.ipv6.cluster} is not set)`;
      continue;
    }
    const invalid = checkBlock(block, pool);
    if (invalid) return { invalid: dual ? `${block.text}: ${invalid}` : invalid };
    blocks[block.family] = block;
  }
  if (!blocks.ipv4 && !blocks.ipv6)
    return { invalid: `holds no IPv4 block, and IPv6 pod CIDRs are not routed (${SETTINGS.ipv6.cluster} is not set)` };
  return { blocks, ...(ignored ? { ignored } : {}) };
}

/** The blocks a tag names, of either family, read for their text alone: what other instances hold. */
export function tagBlocks(value: string): CidrBlock[] {
  return value.split(",").flatMap((entry) => parseBlock(entry) ?? []);
}

function checkBlock(block: CidrBlock, { clusterCidr, prefixLength }: Pool): string | undefined {
  const settings = SETTINGS[block.family];
  if (!isNetworkAddress(block)) return `host bits are set; the block's network address is ${networkOf(block).text}`;
  if (!contains(clusterCidr, block)) return `outside ${settings.cluster} ${clusterCidr.text}`;
  if (block.prefixLength !== prefixLength)
    return `a /${block.prefixLength}; each worker claims one /${prefixLength} block (${settings.prefix})`;
  return undefined;
}

function notABlock(entry: string, pools: readonly Pool[], dual: boolean): string {
  const [ipv4, ipv6] = pools.map(example);
  if (!dual && !ipv6) return `not an IPv4 CIDR block (expected e.g. ${ipv4})`;
  return `${quote(entry)} is not a CIDR block (expected e.g. ${ipv6 ? `${ipv4}, or ${ipv4},${ipv6}` : ipv4})`;
}

/** The pool's second block: what a worker's tag might say. */
function example({ clusterCidr, prefixLength }: Pool): string {
  const size = 1n << BigInt(bitsOf(clusterCidr.family) - prefixLength);
  return blockOf(clusterCidr.family, clusterCidr.first + size, prefixLength).text;
}
