import { contains, isNetworkAddress, overlaps, parseIpv4Block, type Ipv4Block } from "./cidr.js";

export type PodCidrCheck = { readonly block: Ipv4Block } | { readonly invalid: string };

/**
 * A pod CIDR is routable when it is an IPv4 network address (no host bits), lies inside the cluster
 * CIDR and overlaps none of the VPC's own blocks (a route there would shadow or collide with `local`).
 */
export function checkPodCidr(value: string, clusterCidr: Ipv4Block, vpcCidrs: readonly string[]): PodCidrCheck {
  const block = parseIpv4Block(value);
  if (!block) return { invalid: "not an IPv4 CIDR block (expected e.g. 10.200.1.0/24)" };
  if (!isNetworkAddress(block)) {
    return { invalid: `host bits are set; the block's network address is ${block.network.toString()}` };
  }
  if (!contains(clusterCidr, block)) return { invalid: `outside CLUSTER_CIDR ${clusterCidr.text}` };
  for (const vpcCidr of vpcCidrs) {
    const vpcBlock = parseIpv4Block(vpcCidr);
    if (vpcBlock && overlaps(vpcBlock, block)) return { invalid: `overlaps the VPC's CIDR block ${vpcCidr}` };
  }
  return { block };
}
