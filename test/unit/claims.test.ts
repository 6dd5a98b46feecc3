import type { Instance, InstanceStateName } from "@aws-sdk/client-ec2";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../functions/pod-routes/core/config.js";
import { claimFor, claimOfJob } from "../../functions/pod-routes/jobs/claims.js";
import type { InstanceJob } from "../../functions/pod-routes/jobs/controller.js";
import { worker } from "./fixtures.js";

// What a job asks of its instance, decided from EC2's view alone: every outcome is a value, never thrown.
const NOW = Date.parse("2026-12-03T10:00:00Z");
const config = parseConfig({
  ROUTE_TABLE_IDS: "rtb-00000000000000001",
  CLUSTER_CIDR: "10.200.0.0/16",
  CLUSTER_TAG: "kubernetes.io/cluster/hard-k8s=owned",
  ALLOCATE_POD_CIDR: "true",
});

function instance(state: InstanceStateName, tags: Record<string, string>, group?: string): Instance {
  return {
    InstanceId: "i-1",
    State: { Name: state },
    VpcId: "vpc-1",
    SubnetId: "subnet-1",
    Tags: Object.entries({ ...tags, ...(group ? { "aws:autoscaling:groupName": group } : {}) }).map(([Key, Value]) => ({
      Key,
      Value,
    })),
    NetworkInterfaces: [{ NetworkInterfaceId: "eni-1", Attachment: { DeviceIndex: 0 } }],
  };
}

const member = { "kubernetes.io/cluster/hard-k8s": "owned" };
const tagged = { ...member, "pod-cidr": "10.200.1.0/24" };
const job = (intent: InstanceJob["intent"], more: Partial<InstanceJob> = {}): InstanceJob => ({
  instanceId: "i-1",
  intent,
  dryRun: false,
  source: `test ${intent}`,
  ...more,
});

/** The claim in a line: what the test reader checks. */
function summary(claim: ReturnType<typeof claimOfJob>): string {
  if ("ignored" in claim) return "ignored";
  if ("error" in claim) return `error ${claim.error.name}`;
  return `${claim.desire}${claim.needsAllocation ? " after allocation" : ""}`;
}

describe("claimOfJob", () => {
  it.each<{ name: string; job: InstanceJob; seen: Instance | undefined; expected: string }>([
    {
      name: "a running worker's state change",
      job: job("reconcile"),
      seen: instance("running", tagged),
      expected: "ensure",
    },
    { name: "a terminated worker's", job: job("reconcile"), seen: instance("terminated", tagged), expected: "remove" },
    {
      name: "a stopped worker's (ON_STOP=keep, the default)",
      job: job("reconcile"),
      seen: instance("stopped", tagged),
      expected: "retain",
    },
    {
      name: "an instance that is no worker",
      job: job("reconcile"),
      seen: instance("running", member),
      expected: "ignored",
    },
    {
      name: "a worker of another cluster",
      job: job("reconcile"),
      seen: instance("running", { "pod-cidr": "10.200.1.0/24" }),
      expected: "ignored",
    },
    {
      name: "a manual add of a non-worker",
      job: job("add"),
      seen: instance("running", member),
      expected: "error NotAWorkerError",
    },
    {
      name: "a manual add of a stopped worker",
      job: job("add"),
      seen: instance("stopped", tagged),
      expected: "error NotAWorkerError",
    },
    {
      name: "a manual add of an instance EC2 does not show",
      job: job("add"),
      seen: undefined,
      expected: "error NotAWorkerError",
    },
    {
      name: "a manual remove of a non-worker",
      job: job("remove", { removesRoutesOfNonWorker: true }),
      seen: instance("running", {}),
      expected: "remove",
    },
    {
      name: "a launch with no pod CIDR yet",
      job: job("launch", { group: "workers" }),
      seen: instance("pending", member, "workers"),
      expected: "ensure after allocation",
    },
    {
      name: "a launch whose group tag is another's",
      job: job("launch", { group: "workers" }),
      seen: instance("pending", member, "bastions"),
      expected: "error UntrustedEventError",
    },
    {
      name: "a launch EC2 does not show yet",
      job: job("launch"),
      seen: undefined,
      expected: "error InstanceNotVisibleError",
    },
    {
      name: "a replayed launch of an instance now gone",
      job: job("launch", { actionMayBeOver: true }),
      seen: instance("terminated", tagged),
      expected: "ignored",
    },
    {
      name: "a launch still stopped in the warm pool",
      job: job("launch", { fromWarmPool: true }),
      seen: instance("stopped", tagged),
      expected: "error InstanceNotReadyError",
    },
    {
      name: "a fresh running event EC2 does not show yet",
      job: job("reconcile", { reportedState: "running", eventTime: "2026-12-03T09:59:00Z" }),
      seen: undefined,
      expected: "error InstanceNotVisibleError",
    },
    {
      name: "an old event about an instance EC2 has forgotten",
      job: job("reconcile", { reportedState: "running", eventTime: "2026-12-03T09:00:00Z" }),
      seen: undefined,
      expected: "remove",
    },
    {
      name: "a tag change removing the pod-CIDR tag of a member",
      job: job("reconcile", { untagged: true }),
      seen: instance("running", member),
      expected: "remove",
    },
    {
      name: "a tag change about an instance carrying neither tag",
      job: job("reconcile", { untagged: true }),
      seen: instance("running", {}),
      expected: "ignored",
    },
  ])("$name: $expected", ({ job, seen, expected }) => {
    expect(summary(claimOfJob(job, seen, config, NOW))).toBe(expected);
  });

  it("names the instance and the fix in a job's own failure", () => {
    const claim = claimOfJob(job("launch"), instance("running", member), { ...config, allocatePodCidr: false }, NOW);
    expect("error" in claim && claim.error.message).toBe(
      "i-1 has no pod-cidr tag: launch needs a worker tagged pod-cidr=<pod CIDR> or set ALLOCATE_POD_CIDR=lifecycle",
    );
  });
});

describe("claimOfJob with ALLOCATE_POD_CIDR=launch: workers launched with no hook", () => {
  type Row = [
    name: string,
    event: "pending" | "running" | "sync",
    now: InstanceStateName,
    tags: object,
    expected: string,
  ];
  it.each<Row>([
    ["a member's pending event", "pending", "pending", member, "ensure after allocation"],
    ["its running event, the pending one lost", "running", "running", member, "ensure after allocation"],
    ["a pending event of an instance without the cluster tag", "pending", "pending", {}, "ignored"],
    ["a late pending event of an instance now stopped", "pending", "stopped", member, "ignored"],
    ["a pending event of a worker tagged already", "pending", "pending", tagged, "ensure"],
    ["a sync's look at a member", "sync", "running", member, "ignored"],
  ])("%s: %s → %s", (_name, event, now, tags, expected) => {
    const asked = job("reconcile", event === "sync" ? {} : { reportedState: event });
    const seen = instance(now, tags as Record<string, string>);
    expect(summary(claimOfJob(asked, seen, { ...config, allocatePodCidr: "launch" }, NOW))).toBe(expected);
  });

  it("allocates nothing at a member's pending event when allocation is at lifecycle hooks only", () => {
    const asked = job("reconcile", { reportedState: "pending" });
    const seen = instance("pending", member);
    expect(summary(claimOfJob(asked, seen, { ...config, allocatePodCidr: "lifecycle" }, NOW))).toBe("ignored");
  });
});

describe("claimFor", () => {
  it.each([
    { tag: "10.200.1.0/24", desire: "ensure", expected: "10.200.1.0/24" },
    { tag: "10.200.1.0/24", desire: "remove", expected: "10.200.1.0/24" },
    { tag: "10.200.0.0/16", desire: "ensure", expected: "InvalidPodCidrError" },
    { tag: "0.0.0.0/0", desire: "retain", expected: "InvalidPodCidrError" },
    // A removal needs no valid tag: the routes pointing at the worker go whatever it says.
    { tag: "garbage", desire: "remove", expected: "no block" },
  ] as const)("$tag, $desire: $expected", ({ tag, desire, expected }) => {
    const claim = claimFor(worker("i-1", tag), desire, "because", config);
    const seen = "invalid" in claim ? claim.invalid.name : (claim.podCidrs.ipv4?.text ?? "no block");
    expect(seen).toBe(expected);
  });
});
