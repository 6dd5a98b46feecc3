import { describe, expect, it } from "vitest";
import { checkPodCidr } from "../../functions/pod-routes/core/pod-cidr.js";
import { block } from "./fixtures.js";

describe("checkPodCidr", () => {
  it.each([
    ["10.200.1.0/24", "10.200.0.0/16", 24],
    ["10.200.0.0/24", "10.200.0.0/16", 24],
    ["10.200.7.128/25", "10.200.0.0/16", 25],
    ["10.128.0.0/16", "10.0.0.0/8", 16],
  ])("accepts %s inside %s as one /%i block", (value, cluster, prefixLength) => {
    expect(checkPodCidr(value, block(cluster), prefixLength)).toEqual({
      block: expect.objectContaining({ text: value }),
    });
  });

  it.each([
    ["", "not an IPv4 CIDR block (expected e.g. 10.200.1.0/24)"],
    ["10.200.1.0", "not an IPv4 CIDR block"],
    ["10.200.1.0/33", "not an IPv4 CIDR block"],
    [" 10.200.1.0/24", "not an IPv4 CIDR block"],
    ["fd00::/64", "not an IPv4 CIDR block"],
    ["10.200.1.1/24", "host bits are set; the block's network address is 10.200.1.0/24"],
    ["0.0.0.0/0", "outside CLUSTER_CIDR 10.200.0.0/16"],
    ["10.201.0.0/24", "outside CLUSTER_CIDR 10.200.0.0/16"],
    ["10.0.0.0/8", "outside CLUSTER_CIDR 10.200.0.0/16"],
    ["10.200.0.0/16", "a /16; each worker claims one /24 block (POD_CIDR_PREFIX_LENGTH)"],
    ["10.200.0.0/20", "a /20; each worker claims one /24 block"],
    ["10.200.1.128/25", "a /25; each worker claims one /24 block"],
    ["10.200.1.7/32", "a /32; each worker claims one /24 block"],
  ])("refuses %j inside 10.200.0.0/16 with /24 blocks: %s", (value, reason) => {
    expect(checkPodCidr(value, block("10.200.0.0/16"), 24)).toEqual({ invalid: expect.stringContaining(reason) });
  });
});
