import { contains, isNetworkAddress, parseIpv4Block, type Ipv4Block } from "./cidr.js";

export type PodCidrCheck = { readonly block: Ipv4Block } | { readonly invalid: string };

/**
 * A pod CIDR is routable when it is one block of the configured size: an IPv4 network address (no host
 * bits) of exactly POD_CIDR_PREFIX_LENGTH, inside the cluster CIDR. (The cluster CIDR overlaps no VPC
 * block, so neither does the pod CIDR: see assertClusterCidrOutside.)
 */
export function checkPodCidr(value: string, clusterCidr: Ipv4Block, prefixLength: number): PodCidrCheck {
  const block = parseIpv4Block(value);
  if (!block) return { invalid: `not an IPv4 CIDR block (expected e.g. 10.200.1.0/${prefixLength})` };
  if (!isNetworkAddress(block)) {
    return { invalid: `host bits are set; the block's network address is ${block.network.toString()}` };
  }
  if (!contains(clusterCidr, block)) return { invalid: `outside CLUSTER_CIDR ${clusterCidr.text}` };
  if (block.prefixLength !== prefixLength) {
    return {
      invalid: `a /${block.prefixLength}; each worker claims one /${prefixLength} block (POD_CIDR_PREFIX_LENGTH)`,
    };
  }
  return { block };
}
