import { describe, expect, it } from "vitest";
import { assertClusterCidrOutside, parseConfig } from "../../functions/pod-routes/core/config.js";
import { ConfigError } from "../../functions/pod-routes/core/errors.js";
import { table } from "./fixtures.js";

describe("parseConfig", () => {
  it("defaults to the seed's cluster", () => {
    const config = parseConfig({});
    expect({ ...config, clusterCidr: config.clusterCidr.text, pools: config.pools.length }).toEqual({
      routeTableIds: [],
      clusterCidr: "10.200.0.0/16",
      podCidrTag: "pod-cidr",
      onStop: "keep",
      sourceDestCheck: "disable",
      dryRun: false,
      launchFailureResult: "ABANDON",
      allocatePodCidr: false,
      podCidrPrefixLength: 24,
      podCidrV6PrefixLength: 64,
      pools: 1,
      lifecycleHookNames: [{ exact: "pod-routes" }, { prefix: "pod-routes-" }],
      workerGroupNames: [],
    });
  });

  it("reads every setting", () => {
    const config = parseConfig({
      ROUTE_TABLE_IDS: "rtb-0123456789abcdef0, rtb-12345678",
      CLUSTER_CIDR: "172.16.0.0/12",
      POD_CIDR_TAG: "k8s/pod-cidr",
      CLUSTER_TAG: "kubernetes.io/cluster/hard-k8s=owned",
      ON_STOP: "remove",
      SOURCE_DEST_CHECK: "leave",
      DRY_RUN: "TRUE",
      LAUNCH_FAILURE_RESULT: "continue",
      ALLOCATE_POD_CIDR: "true",
      POD_CIDR_PREFIX_LENGTH: "26",
      LIFECYCLE_HOOK_NAMES: "route-hook, routes-*",
      WORKER_GROUP_NAMES: "workers-a, workers-b",
    });
    expect({ ...config, clusterCidr: config.clusterCidr.text, pools: config.pools.length }).toEqual({
      routeTableIds: ["rtb-0123456789abcdef0", "rtb-12345678"],
      clusterCidr: "172.16.0.0/12",
      podCidrTag: "k8s/pod-cidr",
      clusterTag: { key: "kubernetes.io/cluster/hard-k8s", value: "owned" },
      onStop: "remove",
      sourceDestCheck: "leave",
      dryRun: true,
      launchFailureResult: "CONTINUE",
      allocatePodCidr: "lifecycle",
      podCidrPrefixLength: 26,
      podCidrV6PrefixLength: 64,
      pools: 1,
      lifecycleHookNames: [{ exact: "route-hook" }, { prefix: "routes-" }],
      workerGroupNames: ["workers-a", "workers-b"],
    });
  });

  it("reads a table tag as KEY or KEY=VALUE, and refuses it beside table ids", () => {
    expect(parseConfig({ ROUTE_TABLE_TAG: "pod-routes=managed" }).routeTableTag).toEqual({
      key: "pod-routes",
      value: "managed",
    });
    expect(parseConfig({ ROUTE_TABLE_TAG: "pod-routes" }).routeTableTag).toEqual({ key: "pod-routes" });
    expect(() => parseConfig({ ROUTE_TABLE_TAG: "pod-routes", ROUTE_TABLE_IDS: "rtb-12345678" })).toThrow(
      /ROUTE_TABLE_TAG="pod-routes" is invalid: ROUTE_TABLE_IDS is set too/,
    );
  });

  it("routes IPv6 pod CIDRs when CLUSTER_CIDR_V6 is set: a pool per family, IPv4 first", () => {
    const config = parseConfig({ CLUSTER_CIDR_V6: "FD00:10:200:0000::/56", POD_CIDR_V6_PREFIX_LENGTH: "80" });
    expect(config.pools.map((pool) => [pool.clusterCidr.text, pool.prefixLength])).toEqual([
      ["10.200.0.0/16", 24],
      ["fd00:10:200::/56", 80],
    ]);
    expect(parseConfig({ CLUSTER_CIDR_V6: "fd00:10:200::/56" }).podCidrV6PrefixLength).toBe(64);
    expect(parseConfig({ CLUSTER_CIDR_V6: "" }).pools).toHaveLength(1);
  });

  it("takes a bare cluster tag key as 'carries the key'", () => {
    expect(parseConfig({ CLUSTER_TAG: "hard-k8s" }).clusterTag).toEqual({ key: "hard-k8s" });
  });

  it.each([
    ["ROUTE_TABLE_IDS", "rtb-1,subnet-12345678", /"rtb-1" is not a route table id/],
    ["WORKER_GROUP_NAMES", "workers,workers-*", /"workers-\*" is not an Auto Scaling group name/],
    ["ROUTE_TABLE_TAG", "aws:cloudformation:stack-name", /the aws: prefix is reserved/],
    ["CLUSTER_CIDR", "10.200.0.0", /expected an IPv4 CIDR block/],
    ["CLUSTER_CIDR", "10.200.1.0/16", /host bits are set/],
    ["CLUSTER_CIDR", "0.0.0.0/0", /wider than \/8/],
    ["CLUSTER_CIDR", "0.0.0.0/1", /wider than \/8: pod-routes would claim routes far beyond the pods/],
    ["CLUSTER_CIDR", "10.0.0.0/7", /wider than \/8/],
    ["CLUSTER_CIDR", "fd00:10:200::/56", /expected an IPv4 CIDR block such as 10\.200\.0\.0\/16/],
    ["CLUSTER_CIDR_V6", "10.200.0.0/16", /expected an IPv6 CIDR block such as fd00:10:200::\/56/],
    ["CLUSTER_CIDR_V6", "fd00:10:200::1/56", /host bits are set/],
    ["CLUSTER_CIDR_V6", "fc00::/7", /wider than \/32/],
    ["CLUSTER_CIDR_V6", "fd00::/56x", /expected an IPv6 CIDR block/],
    ["CLUSTER_CIDR_V6", "fd00::%eth0/56", /expected an IPv6 CIDR block/],
    ["POD_CIDR_TAG", "aws:pod-cidr", /aws: prefix is reserved/],
    ["CLUSTER_TAG", "=owned", /the key is empty/],
    ["ON_STOP", "delete", /expected one of: keep, remove/],
    ["SOURCE_DEST_CHECK", "off", /expected one of: disable, leave/],
    ["DRY_RUN", "1", /expected one of: true, false/],
    ["LAUNCH_FAILURE_RESULT", "RETRY", /expected one of: ABANDON, CONTINUE/],
    ["ALLOCATE_POD_CIDR", "yes", /expected one of: false, lifecycle, launch, true/],
    [
      "ALLOCATE_POD_CIDR",
      "launch",
      /launch gives a block to every instance carrying CLUSTER_TAG, and CLUSTER_TAG is not set/,
    ],
    ["POD_CIDR_PREFIX_LENGTH", "15", /expected a whole number from 16 \(CLUSTER_CIDR 10\.200\.0\.0\/16\) to 30/],
    ["POD_CIDR_PREFIX_LENGTH", "31", /from 16/],
    ["POD_CIDR_PREFIX_LENGTH", "/24", /from 16/],
    ["LIFECYCLE_HOOK_NAMES", "*", /"\*" is not a lifecycle hook name or a prefix ending in \*/],
    ["LIFECYCLE_HOOK_NAMES", "pod routes", /"pod routes" is not a lifecycle hook name/],
  ])("refuses %s=%j, naming the variable", (variable, value, reason) => {
    const parse = () => parseConfig({ [variable]: value });
    expect(parse).toThrow(ConfigError);
    expect(parse).toThrow(`${variable}=${JSON.stringify(value)} is invalid`);
    expect(parse).toThrow(reason);
  });
});

describe("POD_CIDR_V6_PREFIX_LENGTH", () => {
  it.each([
    ["55", /expected a whole number from 56 \(CLUSTER_CIDR_V6 fd00:10:200::\/56\) to 120/],
    ["121", /from 56/],
    ["064x", /from 56/],
  ])("refuses %s beside CLUSTER_CIDR_V6=fd00:10:200::/56", (value, reason) => {
    const parse = () => parseConfig({ CLUSTER_CIDR_V6: "fd00:10:200::/56", POD_CIDR_V6_PREFIX_LENGTH: value });
    expect(parse).toThrow(`POD_CIDR_V6_PREFIX_LENGTH=${JSON.stringify(value)} is invalid`);
    expect(parse).toThrow(reason);
  });
});

describe("ALLOCATE_POD_CIDR", () => {
  it.each([
    ["false", {}, false],
    ["true", {}, "lifecycle"],
    ["lifecycle", {}, "lifecycle"],
    ["launch", { CLUSTER_TAG: "kubernetes.io/cluster/hard-k8s=owned" }, "launch"],
  ] as const)("%s means %s", (value, more, mode) => {
    expect(parseConfig({ ALLOCATE_POD_CIDR: value, ...more }).allocatePodCidr).toBe(mode);
  });
});

describe("assertClusterCidrOutside", () => {
  it("accepts a cluster CIDR outside every VPC block of the tables", () => {
    expect(() => assertClusterCidrOutside(parseConfig({ CLUSTER_CIDR: "10.200.0.0/16" }), [table([])])).not.toThrow();
  });

  it("refuses an IPv6 cluster CIDR overlapping the VPC's IPv6 block, and accepts one outside it", () => {
    const dualTable = { ...table([]), vpcCidrs: ["10.240.0.0/16", "2600:1f18:abcd:ef00::/56"] };
    const inside = parseConfig({ CLUSTER_CIDR_V6: "2600:1f18:abcd:ef00::/60", POD_CIDR_V6_PREFIX_LENGTH: "64" });
    expect(() => assertClusterCidrOutside(inside, [dualTable])).toThrow(
      'CLUSTER_CIDR_V6="2600:1f18:abcd:ef00::/60" is invalid: overlaps 2600:1f18:abcd:ef00::/56, a CIDR block of vpc-1',
    );
    const outside = parseConfig({ CLUSTER_CIDR_V6: "fd00:10:200::/56" });
    expect(() => assertClusterCidrOutside(outside, [dualTable])).not.toThrow();
    // The VPC's block as moto writes it, with leading zeros: the same block.
    const padded = { ...dualTable, vpcCidrs: ["2600:1f18:0bcd:ef00::/56"] };
    const under = parseConfig({ CLUSTER_CIDR_V6: "2600:1f18:bcd:ef00::/60", POD_CIDR_V6_PREFIX_LENGTH: "64" });
    expect(() => assertClusterCidrOutside(under, [padded])).toThrow("overlaps 2600:1f18:0bcd:ef00::/56");
  });

  it.each(["10.0.0.0/8", "10.240.0.0/16", "10.240.7.0/24"])(
    "refuses CLUSTER_CIDR=%s overlapping the VPC's 10.240.0.0/16, naming the VPC and the table",
    (cluster) => {
      const check = () =>
        assertClusterCidrOutside(parseConfig({ CLUSTER_CIDR: cluster, POD_CIDR_PREFIX_LENGTH: "24" }), [table([])]);
      expect(check).toThrow(ConfigError);
      expect(check).toThrow(
        `CLUSTER_CIDR="${cluster}" is invalid: overlaps 10.240.0.0/16, a CIDR block of vpc-1 (route table rtb-00000000000000001)`,
      );
    },
  );
});
