import { isIPv6 } from "node:net";
import { parseIp, stringifyIp } from "ip-bigint";

export type Family = "ipv4" | "ipv6";

/** Address bits of the family. */
export function bitsOf(family: Family): number {
  return family === "ipv4" ? 32 : 128;
}

/** An IPv4 or IPv6 CIDR block, its range computed once. */
export interface CidrBlock {
  readonly family: Family;
  /**
   * The block in one spelling: IPv4 as written (only one spelling parses), IPv6 in RFC 5952's form
   * (lowercase, the longest run of zero groups as `::`), so a tag and EC2's route name one block alike.
   */
  readonly text: string;
  readonly prefixLength: number;
  /** The block's first and last addresses. */
  readonly first: bigint;
  readonly last: bigint;
  /** The address as given, host bits included. */
  readonly address: bigint;
}

const OCTET = "(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
/** Four decimal octets and a prefix length: no shorthand, no octal or hex forms, no whitespace. */
const IPV4_CIDR = new RegExp(`^${OCTET}(?:\\.${OCTET}){3}/(?:3[0-2]|[12]?\\d)$`);
/** An IPv6 prefix length: 0 to 128, no leading zeros. */
const IPV6_PREFIX = /^(?:12[0-8]|1[01]\d|[1-9]?\d)$/;

/**
 * Parses `a.b.c.d/n` or an IPv6 `address/n`; undefined when it is neither, strictly: no whitespace, no
 * zone, no IPv4 shorthand.
 */
export function parseBlock(text: string): CidrBlock | undefined {
  const slash = text.lastIndexOf("/");
  const [address, prefix] = [text.slice(0, slash), text.slice(slash + 1)];
  if (IPV4_CIDR.test(text)) return blockOf("ipv4", parseIp(address).number, Number(prefix));
  if (slash > 0 && IPV6_PREFIX.test(prefix) && isIPv6(address) && !address.includes("%"))
    return blockOf("ipv6", parseIp(address).number, Number(prefix));
  return undefined;
}

/** The block of `prefixLength` bits holding `address` (which may have host bits set). */
export function blockOf(family: Family, address: bigint, prefixLength: number): CidrBlock {
  const hostBits = BigInt(bitsOf(family) - prefixLength);
  const first = (address >> hostBits) << hostBits;
  const version = family === "ipv4" ? 4 : 6;
  return {
    family,
    text: `${stringifyIp({ number: address, version })}/${prefixLength}`,
    prefixLength,
    first,
    last: first + (1n << hostBits) - 1n,
    address,
  };
}

/** The block's network address with its prefix length, e.g. 10.200.1.0/24 for 10.200.1.7/24. */
export function networkOf(block: CidrBlock): CidrBlock {
  return blockOf(block.family, block.first, block.prefixLength);
}

/** True when the block's address has no host bits set, i.e. it is the block's own network address. */
export function isNetworkAddress(block: CidrBlock): boolean {
  return block.address === block.first;
}

/** True when every address of `inner` lies in `outer` (never across families). */
export function contains(outer: CidrBlock, inner: CidrBlock): boolean {
  return outer.family === inner.family && outer.first <= inner.first && inner.last <= outer.last;
}

/** True when the two blocks share at least one address (for CIDR blocks: one contains the other). */
export function overlaps(a: CidrBlock, b: CidrBlock): boolean {
  return contains(a, b) || contains(b, a);
}

/** "IPv4" or "IPv6", for messages. */
export function familyName(family: Family): string {
  return family === "ipv4" ? "IPv4" : "IPv6";
}
