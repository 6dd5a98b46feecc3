import type { Instance } from "@aws-sdk/client-ec2";
import { describe, expect, it } from "vitest";
import { classifyInstance, lifecycleOf, targetFactsOf } from "../../functions/pod-routes/adapters/worker.js";

const selector = { podCidrTag: "pod-cidr" };

function instance(overrides: Partial<Instance> = {}): Instance {
  return {
    InstanceId: "i-aaaaaaaa",
    State: { Name: "running" },
    VpcId: "vpc-1",
    SubnetId: "subnet-1",
    SourceDestCheck: true,
    Tags: [
      { Key: "Name", Value: "worker-1" },
      { Key: "pod-cidr", Value: "10.200.1.0/24" },
    ],
    NetworkInterfaces: [{ NetworkInterfaceId: "eni-1", Attachment: { DeviceIndex: 0 }, SourceDestCheck: true }],
    ...overrides,
  };
}

describe("lifecycleOf", () => {
  it.each([
    ["pending", "live"],
    ["running", "live"],
    ["stopping", "stopped"],
    ["stopped", "stopped"],
    ["shutting-down", "gone"],
    ["terminated", "gone"],
    [undefined, "gone"],
  ])("%s → %s", (state, lifecycle) => expect(lifecycleOf(state)).toBe(lifecycle));
});

describe("classifyInstance", () => {
  it("routes a single-homed worker by instance id", () => {
    expect(classifyInstance(instance(), selector)).toEqual({
      worker: {
        instanceId: "i-aaaaaaaa",
        name: "worker-1",
        state: "running",
        lifecycle: "live",
        vpcId: "vpc-1",
        subnetId: "subnet-1",
        podCidrTag: "10.200.1.0/24",
        routeTarget: { kind: "instance", id: "i-aaaaaaaa" },
        interfaceIds: ["eni-1"],
        sourceDestCheck: true,
      },
    });
  });

  it("routes a multi-homed worker through the ENI at device index 0, and reads that ENI's source/dest check", () => {
    const multi = instance({
      NetworkInterfaces: [
        { NetworkInterfaceId: "eni-2", Attachment: { DeviceIndex: 1 }, SourceDestCheck: true },
        { NetworkInterfaceId: "eni-1", Attachment: { DeviceIndex: 0 }, SourceDestCheck: false },
      ],
    });
    expect(classifyInstance(multi, selector)).toMatchObject({
      worker: {
        routeTarget: { kind: "interface", id: "eni-1" },
        interfaceIds: ["eni-1", "eni-2"],
        sourceDestCheck: false,
      },
    });
  });

  it.each([
    [
      "no pod-CIDR tag",
      instance({ Tags: [{ Key: "Name", Value: "bastion" }] }),
      selector,
      "i-aaaaaaaa has no pod-cidr tag",
    ],
    [
      "no cluster tag",
      instance(),
      { ...selector, clusterTag: { key: "cluster" } },
      "i-aaaaaaaa does not carry the cluster tag cluster",
    ],
    [
      "another cluster's tag value",
      instance({
        Tags: [
          { Key: "pod-cidr", Value: "10.200.1.0/24" },
          { Key: "cluster", Value: "b" },
        ],
      }),
      { ...selector, clusterTag: { key: "cluster", value: "a" } },
      "i-aaaaaaaa does not carry the cluster tag cluster=a",
    ],
  ])("is not a worker with %s", (_case, subject, sel, reason) => {
    expect(classifyInstance(subject, sel)).toEqual({ notWorker: reason });
  });

  it("keeps a worker's invalid tag value for validation to report", () => {
    expect(classifyInstance(instance({ Tags: [{ Key: "pod-cidr", Value: "banana" }] }), selector)).toMatchObject({
      worker: { podCidrTag: "banana" },
    });
  });
});

describe("targetFactsOf", () => {
  it("files the facts under the instance id and each ENI id", () => {
    expect(targetFactsOf(instance({ State: { Name: "stopped" } }), { podCidrTag: "pod-cidr" })).toEqual([
      ["i-aaaaaaaa", { lifecycle: "stopped", worker: true, podCidrTag: "10.200.1.0/24" }],
      ["eni-1", { lifecycle: "stopped", worker: true, podCidrTag: "10.200.1.0/24" }],
    ]);
  });

  it.each([
    ["without the pod-CIDR tag", { Tags: [{ Key: "Name", Value: "vpn" }] }, { podCidrTag: "pod-cidr" }],
    ["without the cluster tag", {}, { podCidrTag: "pod-cidr", clusterTag: { key: "kubernetes.io/cluster/hard" } }],
  ])("counts an instance %s as no worker", (_name, overrides, selector) => {
    const [[, facts] = []] = targetFactsOf(instance(overrides), selector);
    expect(facts).toMatchObject({ lifecycle: "live", worker: false });
  });
});
