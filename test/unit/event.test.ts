import { describe, expect, it } from "vitest";
import { UnsupportedEventError } from "../../functions/pod-routes/errors.js";
import { decodeEvent } from "../../functions/pod-routes/event.js";
import { scheduled, stateChange } from "../support/events.js";

const ID = "i-0123456789abcdef0";

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

  it("turns a scheduled event into a full sync", () => {
    expect(decodeEvent(scheduled({ id: "evt-2" }))).toEqual({ kind: "sync", trigger: "schedule", dryRun: false, eventId: "evt-2" });
  });

  it.each([
    [{ action: "add", instanceId: ID }, { kind: "instance", intent: "add", instanceId: ID, dryRun: false }],
    [{ action: "remove", instanceId: "i-0123abcd" }, { kind: "instance", intent: "remove", instanceId: "i-0123abcd", dryRun: false }],
    [{ action: "reconcile", instanceId: ID, dryRun: true }, { kind: "instance", intent: "reconcile", instanceId: ID, dryRun: true }],
    [{ action: "sync" }, { kind: "sync", dryRun: false }],
    [{ action: "sync", dryRun: true }, { kind: "sync", dryRun: true }],
  ])("reads the manual payload %j", (payload, expected) => {
    expect(decodeEvent(payload)).toEqual({ trigger: "manual", ...expected });
  });

  it.each([
    [null, /expected a JSON object, got null/],
    ["sync", /expected a JSON object, got "sync"/],
    [[], /expected a JSON object, got an array/],
    [{}, /unrecognised payload with keys \[\]/],
    [{ source: "aws.s3", "detail-type": "Object Created" }, /unsupported event source="aws.s3" detail-type="Object Created"/],
    [{ ...stateChange(ID, "running"), detail: { state: "running" } }, /detail.instance-id missing: expected i-…/],
    [{ ...stateChange(ID, "running"), detail: { "instance-id": "i-XYZ", state: "running" } }, /detail.instance-id "i-XYZ"/],
    [{ ...stateChange(ID, "running"), detail: "x" }, /without a detail object/],
    [{ source: "aws.autoscaling", "detail-type": "EC2 Instance-launch Lifecycle Action", detail: {} }, /unsupported event source="aws.autoscaling"/],
    [{ action: "add" }, /manual "add" needs instanceId "i-…", got missing/],
    [{ action: "drop", instanceId: ID }, /action "drop": expected add, remove, reconcile or sync/],
    [{ action: "sync", instanceId: ID }, /manual "sync" covers every worker; remove instanceId/],
    [{ action: "add", instanceId: ID, dryRun: "yes" }, /dryRun must be true or false, got "yes"/],
    [{ action: "add", instanceId: ID, dryrun: true }, /unknown key\(s\) dryrun/],
  ])("refuses %j with a named error", (payload, message) => {
    expect(() => decodeEvent(payload)).toThrow(UnsupportedEventError);
    expect(() => decodeEvent(payload)).toThrow(message);
  });
});
