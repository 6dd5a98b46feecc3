import ipaddr from "ipaddr.js";

/** An IPv4 CIDR block, parsed once. */
export interface Ipv4Block {
  readonly text: string;
  readonly address: ipaddr.IPv4;
  readonly prefixLength: number;
}

/** Parses `a.b.c.d/n`; undefined when it is not IPv4 CIDR notation. */
export function parseIpv4Block(text: string): Ipv4Block | undefined {
  if (!ipaddr.IPv4.isValidCIDR(text)) return undefined;
  const [address, prefixLength] = ipaddr.IPv4.parseCIDR(text);
  return { text, address, prefixLength };
}

/** True when the block's address has no host bits set, i.e. it is the block's own network address. */
export function isNetworkAddress(block: Ipv4Block): boolean {
  const network = ipaddr.IPv4.networkAddressFromCIDR(`${block.address.toString()}/${block.prefixLength}`);
  return network.toString() === block.address.toString();
}

/** True when every address of `inner` lies in `outer`. */
export function contains(outer: Ipv4Block, inner: Ipv4Block): boolean {
  return inner.prefixLength >= outer.prefixLength && inner.address.match(outer.address, outer.prefixLength);
}

/** True when the two blocks share at least one address (for CIDR blocks: one contains the other). */
export function overlaps(a: Ipv4Block, b: Ipv4Block): boolean {
  return contains(a, b) || contains(b, a);
}
