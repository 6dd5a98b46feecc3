import { describe, expect, it } from "vitest";
import { checkPodCidr } from "../../functions/pod-routes/core/pod-cidr.js";
import { block } from "./fixtures.js";

describe("checkPodCidr", () => {
  it.each([
    ["10.200.1.0/24", "10.200.0.0/16", "10.200.1.0/24"],
    ["10.200.0.0/16", "10.200.0.0/16", "10.200.0.0/16"],
    ["10.200.7.128/25", "10.200.0.0/16", "10.200.7.128/25"],
  ])("accepts %s inside %s", (value, cluster, expected) => {
    expect(checkPodCidr(value, block(cluster), ["10.240.0.0/16"])).toEqual({
      block: expect.objectContaining({ text: expected }),
    });
  });

  it.each([
    ["", "10.200.0.0/16", [], "not an IPv4 CIDR block"],
    ["10.200.1.0", "10.200.0.0/16", [], "not an IPv4 CIDR block"],
    ["10.200.1.0/33", "10.200.0.0/16", [], "not an IPv4 CIDR block"],
    [" 10.200.1.0/24", "10.200.0.0/16", [], "not an IPv4 CIDR block"],
    ["fd00::/64", "10.200.0.0/16", [], "not an IPv4 CIDR block"],
    ["10.200.1.1/24", "10.200.0.0/16", [], "host bits are set; the block's network address is 10.200.1.0/24"],
    ["0.0.0.0/0", "10.200.0.0/16", [], "outside CLUSTER_CIDR 10.200.0.0/16"],
    ["10.201.0.0/24", "10.200.0.0/16", [], "outside CLUSTER_CIDR 10.200.0.0/16"],
    ["10.0.0.0/8", "10.200.0.0/16", [], "outside CLUSTER_CIDR 10.200.0.0/16"],
    ["10.240.3.0/24", "10.0.0.0/8", ["10.240.0.0/16"], "overlaps the VPC's CIDR block 10.240.0.0/16"],
    ["10.128.0.0/9", "10.0.0.0/8", ["10.240.0.0/16"], "overlaps the VPC's CIDR block 10.240.0.0/16"],
  ])("refuses %j (cluster %s, VPC %j): %s", (value, cluster, vpcCidrs, reason) => {
    expect(checkPodCidr(value, block(cluster), vpcCidrs)).toEqual({ invalid: expect.stringContaining(reason) });
  });
});
