import { describe, expect, it } from "vitest";
import type { Pool } from "../../functions/pod-routes/core/allocator.js";
import { checkPodCidrs, tagBlocks } from "../../functions/pod-routes/core/pod-cidr.js";
import { block } from "./fixtures.js";

const pool = (cluster: string, prefixLength: number): Pool => ({ clusterCidr: block(cluster), prefixLength });
const IPV4_ONLY = [pool("10.200.0.0/16", 24)];
const DUAL = [pool("10.200.0.0/16", 24), pool("fd00:10:200::/56", 64)];
const texts = (check: ReturnType<typeof checkPodCidrs>) =>
  "blocks" in check ? [check.blocks.ipv4?.text, check.blocks.ipv6?.text] : check;

describe("checkPodCidrs, IPv4 only", () => {
  it.each([
    ["10.200.1.0/24", "10.200.0.0/16", 24],
    ["10.200.0.0/24", "10.200.0.0/16", 24],
    ["10.200.7.128/25", "10.200.0.0/16", 25],
    ["10.128.0.0/16", "10.0.0.0/8", 16],
  ])("accepts %s inside %s as one /%i block", (value, cluster, prefixLength) => {
    expect(checkPodCidrs(value, [pool(cluster, prefixLength)])).toEqual({
      blocks: { ipv4: expect.objectContaining({ text: value }) },
    });
  });

  it.each([
    ["", "not an IPv4 CIDR block (expected e.g. 10.200.1.0/24)"],
    ["10.200.1.0", "not an IPv4 CIDR block"],
    ["10.200.1.0/33", "not an IPv4 CIDR block"],
    [" 10.200.1.0/24", "not an IPv4 CIDR block"],
    ["fd00::/64", "holds no IPv4 block, and IPv6 pod CIDRs are not routed (CLUSTER_CIDR_V6 is not set)"],
    ["10.200.1.1/24", "host bits are set; the block's network address is 10.200.1.0/24"],
    ["0.0.0.0/0", "outside CLUSTER_CIDR 10.200.0.0/16"],
    ["10.201.0.0/24", "outside CLUSTER_CIDR 10.200.0.0/16"],
    ["10.0.0.0/8", "outside CLUSTER_CIDR 10.200.0.0/16"],
    ["10.200.0.0/16", "a /16; each worker claims one /24 block (POD_CIDR_PREFIX_LENGTH)"],
    ["10.200.0.0/20", "a /20; each worker claims one /24 block"],
    ["10.200.1.128/25", "a /25; each worker claims one /24 block"],
    ["10.200.1.7/32", "a /32; each worker claims one /24 block"],
    ["10.200.1.0/24,10.200.2.0/24", "two IPv4 blocks; at most one per family"],
    ["10.200.1.0/24,", '"" is not a CIDR block (expected e.g. 10.200.1.0/24)'],
  ])("refuses %j inside 10.200.0.0/16 with /24 blocks: %s", (value, reason) => {
    expect(checkPodCidrs(value, IPV4_ONLY)).toEqual({ invalid: expect.stringContaining(reason) });
  });

  it("routes the IPv4 block of a dual-stack tag, and says once why the IPv6 one is not", () => {
    expect(checkPodCidrs("10.200.1.0/24,fd00:10:200:1::/64", IPV4_ONLY)).toEqual({
      blocks: { ipv4: expect.objectContaining({ text: "10.200.1.0/24" }) },
      ignored: "fd00:10:200:1::/64 ignored: IPv6 pod CIDRs are not routed (CLUSTER_CIDR_V6 is not set)",
    });
  });
});

describe("checkPodCidrs, dual-stack", () => {
  it.each([
    ["10.200.1.0/24,fd00:10:200:1::/64", ["10.200.1.0/24", "fd00:10:200:1::/64"]],
    // kubelet's list takes either order.
    ["fd00:10:200:1::/64,10.200.1.0/24", ["10.200.1.0/24", "fd00:10:200:1::/64"]],
    // One family alone: a single-stack worker in a dual-stack cluster.
    ["10.200.1.0/24", ["10.200.1.0/24", undefined]],
    ["fd00:10:200:1::/64", [undefined, "fd00:10:200:1::/64"]],
    // The same block however it is written: uppercase, leading zeros, no compression.
    ["10.200.1.0/24,FD00:0010:0200:0001:0000:0000:0000:0000/64", ["10.200.1.0/24", "fd00:10:200:1::/64"]],
    ["10.200.1.0/24,fd00:10:200:ff::/64", ["10.200.1.0/24", "fd00:10:200:ff::/64"]],
  ])("accepts %s", (value, expected) => {
    expect(texts(checkPodCidrs(value, DUAL))).toEqual(expected);
  });

  it.each([
    [
      "10.200.1.0/24,fd00:10:200:1::1/64",
      "fd00:10:200:1::1/64: host bits are set; the block's network address is fd00:10:200:1::/64",
    ],
    ["10.200.1.0/24,fd00:10:201::/64", "fd00:10:201::/64: outside CLUSTER_CIDR_V6 fd00:10:200::/56"],
    ["10.200.1.0/24,fd00:10:200::/60", "a /60; each worker claims one /64 block (POD_CIDR_V6_PREFIX_LENGTH)"],
    ["10.200.1.0/24,fd00:10:200:1::/64,fd00:10:200:2::/64", "3 blocks; at most one per family"],
    ["fd00:10:200:1::/64,fd00:10:200:2::/64", "two IPv6 blocks; at most one per family"],
    ["10.200.1.0/24, fd00:10:200:1::/64", '" fd00:10:200:1::/64" is not a CIDR block'],
    [
      "10.200.1.0/24,fd00:10:200:1::/129",
      "is not a CIDR block (expected e.g. 10.200.1.0/24, or 10.200.1.0/24,fd00:10:200:1::/64)",
    ],
    ["10.200.1.0/24,fe80::1%eth0/64", "is not a CIDR block"],
    ["10.200.1.0/24;fd00:10:200:1::/64", "is not a CIDR block"],
    ["10.200.1.1/24,fd00:10:200:1::/64", "10.200.1.1/24: host bits are set"],
  ])("refuses %j: %s", (value, reason) => {
    expect(checkPodCidrs(value, DUAL)).toEqual({ invalid: expect.stringContaining(reason) });
  });
});

describe("tagBlocks", () => {
  it("reads the blocks of any tag, in one spelling, for what others hold", () => {
    expect(tagBlocks("10.200.1.0/24,FD00:10:200:0001::/64").map((b) => b.text)).toEqual([
      "10.200.1.0/24",
      "fd00:10:200:1::/64",
    ]);
    expect(tagBlocks("banana")).toEqual([]);
  });
});
