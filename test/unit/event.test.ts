import { describe, expect, it } from "vitest";
import { UnsupportedEventError } from "../../functions/pod-routes/core/errors.js";
import { decodeEvent } from "../../functions/pod-routes/entry/event.js";
import { lifecycleAction, scheduled, schedulerTick, stateChange, tagChange } from "../../scripts/cli/sample-events.js";

const ID = "i-0123456789abcdef0";
const launchAction = () =>
  lifecycleAction("launch", ID, { group: "workers", hook: "pod-routes-launch", token: "tok-1" });

describe("decodeEvent", () => {
  it("reads an EC2 state-change notification: the instance, the reported state and where it came from", () => {
    const event = stateChange(ID, "running", { id: "evt-1", time: "2026-11-29T10:00:00Z", replayName: "replay-1" });
    expect(decodeEvent(event)).toEqual({
      kind: "instance",
      trigger: "ec2-state-change",
      intent: "reconcile",
      instanceId: ID,
      dryRun: false,
      eventId: "evt-1",
      replayName: "replay-1",
      reportedState: "running",
      eventTime: "2026-11-29T10:00:00Z",
    });
  });

  it("turns EventBridge Scheduler's tick, whose detail is a string, into a full sync", () => {
    expect(decodeEvent(schedulerTick({ id: "evt-9" }))).toEqual({
      kind: "sync",
      trigger: "schedule",
      dryRun: false,
      eventId: "evt-9",
    });
  });

  it.each([
    ["a pod-CIDR tag set", ["pod-cidr"], { "pod-cidr": "10.200.1.0/24" }, undefined],
    ["a pod-CIDR tag removed", ["pod-cidr"], { Name: "worker-1" }, ["pod-cidr"]],
    ["two tags, one removed", ["pod-cidr", "team"], { team: "k8s" }, ["pod-cidr"]],
  ])(
    "reads a tag change on an instance (%s): the instance, and the keys it no longer has",
    (_n, changed, tags, removed) => {
      expect(decodeEvent(tagChange(ID, { changed, tags, id: "evt-8", time: "2026-11-29T10:00:00Z" }))).toEqual({
        kind: "instance",
        trigger: "tag-change",
        intent: "reconcile",
        instanceId: ID,
        dryRun: false,
        eventId: "evt-8",
        eventTime: "2026-11-29T10:00:00Z",
        ...(removed ? { removedTagKeys: removed } : {}),
      });
    },
  );

  it.each([
    ["another service", { service: "rds" }, /pod-routes follows the tags of EC2 instances only/],
    ["another resource type", { "resource-type": "subnet" }, /EC2 instances only/],
    ["no tags object", { tags: undefined }, /without a detail.tags object/],
    ["keys that are not strings", { "changed-tag-keys": [7] }, /expected tag keys/],
  ])("refuses a tag change on %s", (_name, override, message) => {
    const event = tagChange(ID, { changed: ["pod-cidr"], tags: {} });
    expect(() => decodeEvent({ ...event, detail: { ...event.detail, ...override } })).toThrow(message);
  });

  it("refuses a tag change whose resource is not an instance ARN", () => {
    const event = {
      ...tagChange(ID, { changed: ["pod-cidr"], tags: {} }),
      resources: ["arn:aws:ec2:us-east-1:1:vpc/x"],
    };
    expect(() => decodeEvent(event)).toThrow(/resources\[0\] .*: expected an EC2 instance ARN/);
  });

  it("turns a scheduled event into a full sync", () => {
    expect(decodeEvent(scheduled({ id: "evt-2" }))).toEqual({
      kind: "sync",
      trigger: "schedule",
      dryRun: false,
      eventId: "evt-2",
    });
  });

  it.each([
    ["launch", "EC2", "AutoScalingGroup", "autoscaling:EC2_INSTANCE_LAUNCHING"],
    ["terminate", "AutoScalingGroup", "WarmPool", "autoscaling:EC2_INSTANCE_TERMINATING"],
  ] as const)(
    "reads a %s lifecycle action: group, hook, token, instance, origin and destination",
    (transition, origin, destination, value) => {
      const event = lifecycleAction(transition, ID, {
        group: "workers",
        hook: "hook-1",
        token: "tok-1",
        id: "evt-3",
        time: "2026-11-29T10:00:00Z",
        destination,
      });
      expect(event.detail.LifecycleTransition).toBe(value);
      expect(decodeEvent(event)).toEqual({
        kind: "lifecycle",
        trigger: "autoscaling-lifecycle",
        transition,
        instanceId: ID,
        groupName: "workers",
        hookName: "hook-1",
        token: "tok-1",
        dryRun: false,
        eventId: "evt-3",
        eventTime: "2026-11-29T10:00:00Z",
        origin,
        destination,
      });
    },
  );

  const testNotification = {
    Service: "AWS Auto Scaling",
    Event: "autoscaling:TEST_NOTIFICATION",
    AccountId: "123456789012",
    AutoScalingGroupName: "workers",
  };
  it.each([
    ["bare", testNotification],
    ["as an EventBridge detail", { ...launchAction(), detail: { ...testNotification } }],
    [
      "as an EventBridge lifecycle transition",
      {
        ...launchAction(),
        detail: { LifecycleTransition: "autoscaling:TEST_NOTIFICATION", AutoScalingGroupName: "workers" },
      },
    ],
    [
      "inside an SNS record",
      { Records: [{ EventSource: "aws:sns", Sns: { Message: JSON.stringify(testNotification) } }] },
    ],
    ["inside an SQS record", { Records: [{ eventSource: "aws:sqs", body: JSON.stringify(testNotification) }] }],
  ])("ignores Auto Scaling's test notification %s", (_wrapping, payload) => {
    expect(decodeEvent(payload)).toMatchObject({ kind: "ignored", reason: "Auto Scaling test notification" });
  });

  it.each([
    [
      { action: "add", instanceId: ID },
      { kind: "instance", intent: "add", instanceId: ID, dryRun: false },
    ],
    [
      { action: "remove", instanceId: "i-0123abcd" },
      { kind: "instance", intent: "remove", instanceId: "i-0123abcd", dryRun: false },
    ],
    [
      { action: "reconcile", instanceId: ID, dryRun: true },
      { kind: "instance", intent: "reconcile", instanceId: ID, dryRun: true },
    ],
    [{ action: "sync" }, { kind: "sync", dryRun: false }],
    [
      { action: "sync", dryRun: true },
      { kind: "sync", dryRun: true },
    ],
  ])("reads the manual payload %j", (payload, expected) => {
    expect(decodeEvent(payload)).toEqual({ trigger: "manual", ...expected });
  });

  it.each([
    [null, /expected a JSON object, got null/],
    ["sync", /expected a JSON object, got "sync"/],
    [[], /expected a JSON object, got an array/],
    [{}, /unrecognised payload with keys \[\]/],
    [
      { source: "aws.s3", "detail-type": "Object Created" },
      /unsupported event source="aws.s3" detail-type="Object Created"/,
    ],
    [{ ...stateChange(ID, "running"), detail: { state: "running" } }, /detail.instance-id missing: expected i-…/],
    [
      { ...stateChange(ID, "running"), detail: { "instance-id": "i-XYZ", state: "running" } },
      /detail.instance-id "i-XYZ"/,
    ],
    [{ ...stateChange(ID, "running"), detail: "x" }, /without a detail object/],
    [
      { source: "aws.autoscaling", "detail-type": "EC2 Instance-launch Lifecycle Action", detail: {} },
      /detail.EC2InstanceId missing/,
    ],
    [{ ...launchAction(), detail: { ...launchAction().detail, LifecycleHookName: "" } }, /detail.LifecycleHookName ""/],
    [
      { ...launchAction(), detail: { ...launchAction().detail, AutoScalingGroupName: undefined } },
      /detail.AutoScalingGroupName missing/,
    ],
    [
      {
        ...launchAction(),
        detail: { ...launchAction().detail, LifecycleTransition: "autoscaling:EC2_INSTANCE_TERMINATING" },
      },
      /LifecycleTransition "autoscaling:EC2_INSTANCE_TERMINATING" does not match autoscaling:EC2_INSTANCE_LAUNCHING/,
    ],
    [
      { source: "aws.autoscaling", "detail-type": "EC2 Instance Launch Successful", detail: {} },
      /unsupported event source="aws.autoscaling"/,
    ],
    [{ action: "add" }, /manual "add" needs instanceId "i-…", got missing/],
    [{ action: "drop", instanceId: ID }, /action "drop": expected add, remove, reconcile or sync/],
    [{ action: "sync", instanceId: ID }, /manual "sync" covers every worker; remove instanceId/],
    [{ action: "add", instanceId: ID, dryRun: "yes" }, /dryRun must be true or false, got "yes"/],
    [{ action: "add", instanceId: ID, dryrun: true }, /unknown key\(s\) "dryrun"/],
  ])("refuses %j with a named error", (payload, message) => {
    expect(() => decodeEvent(payload)).toThrow(UnsupportedEventError);
    expect(() => decodeEvent(payload)).toThrow(message);
  });

  describe("hostile sizes", () => {
    const huge = "x".repeat(5_000_000);

    it.each([
      ["an instance id", { action: "add", instanceId: huge }],
      ["a detail-type", { source: "aws.autoscaling", "detail-type": huge, detail: {} }],
      ["a group name", lifecycleAction("launch", ID, { group: huge, hook: "h" })],
      ["an unknown key", { action: "add", instanceId: ID, [huge]: true }],
    ])("quotes at most about 200 characters of %s in its error", (_name, payload) => {
      const failure = (() => {
        try {
          decodeEvent(payload);
        } catch (error) {
          return error as Error;
        }
      })();
      expect(failure).toBeInstanceOf(UnsupportedEventError);
      expect(failure!.message.length).toBeLessThan(600);
      expect(failure!.message).toContain("… (5000002 characters)");
    });

    it("keeps at most 255 characters of a field it only carries into logs", () => {
      const request = decodeEvent(stateChange(ID, "running", { id: huge, replayName: huge }));
      expect(request.eventId).toHaveLength(256);
      expect(request.replayName?.endsWith("…")).toBe(true);
    });
  });
});
