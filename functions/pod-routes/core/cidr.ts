import { Netmask } from "netmask";

/** An IPv4 CIDR block as written, with its network computed once. */
export interface Ipv4Block {
  readonly text: string;
  readonly prefixLength: number;
  /** The address as written, host bits included. */
  readonly address: string;
  readonly network: Netmask;
}

const OCTET = "(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
/** Four decimal octets and a prefix length: no shorthand, no octal or hex forms, no whitespace. */
const IPV4_CIDR = new RegExp(`^${OCTET}(?:\\.${OCTET}){3}/(?:3[0-2]|[12]?\\d)$`);

/** Parses `a.b.c.d/n`; undefined when it is not strict IPv4 CIDR notation. */
export function parseIpv4Block(text: string): Ipv4Block | undefined {
  if (!IPV4_CIDR.test(text)) return undefined;
  const [address = "", prefixLength] = text.split("/");
  return { text, address, prefixLength: Number(prefixLength), network: new Netmask(text) };
}

/** True when the block's address has no host bits set, i.e. it is the block's own network address. */
export function isNetworkAddress(block: Ipv4Block): boolean {
  return block.network.base === block.address;
}

/** True when every address of `inner` lies in `outer`. */
export function contains(outer: Ipv4Block, inner: Ipv4Block): boolean {
  return outer.network.contains(inner.network);
}

/** True when the two blocks share at least one address (for CIDR blocks: one contains the other). */
export function overlaps(a: Ipv4Block, b: Ipv4Block): boolean {
  return contains(a, b) || contains(b, a);
}
