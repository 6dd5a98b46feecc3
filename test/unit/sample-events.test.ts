import { readdir, readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { decodeEvent } from "../../functions/pod-routes/entry/event.js";
import { queuedRequestsOf } from "../../functions/pod-routes/entry/queue.js";

const folder = resolve(import.meta.dirname, "../../events");
const expected: Record<string, object> = {
  "state-change-running.json": { kind: "instance", trigger: "ec2-state-change", reportedState: "running" },
  "state-change-stopped.json": { kind: "instance", trigger: "ec2-state-change", reportedState: "stopped" },
  "state-change-terminated.json": { kind: "instance", trigger: "ec2-state-change", reportedState: "terminated" },
  "state-change-replayed.json": { kind: "instance", trigger: "ec2-state-change", replayName: "pod-routes-replay" },
  "lifecycle-launch.json": {
    kind: "lifecycle",
    transition: "launch",
    groupName: "hard-k8s-workers",
    hookName: "pod-routes-launch",
  },
  "lifecycle-terminate.json": { kind: "lifecycle", transition: "terminate", destination: "EC2" },
  "lifecycle-launch-with-metadata.json": { kind: "lifecycle", transition: "launch", hookName: "pod-routes-launch" },
  "lifecycle-launch-into-warm-pool.json": { kind: "lifecycle", transition: "launch", destination: "WarmPool" },
  "lifecycle-launch-from-warm-pool.json": { kind: "lifecycle", transition: "launch", origin: "WarmPool" },
  "lifecycle-terminate-warm-pool.json": { kind: "lifecycle", transition: "terminate", destination: "WarmPool" },
  "lifecycle-test-notification.json": { kind: "ignored", reason: "Auto Scaling test notification" },
  "scheduled.json": { kind: "sync", trigger: "schedule" },
  "scheduler-tick.json": { kind: "sync", trigger: "schedule" },
  "tag-change-pod-cidr-removed.json": { kind: "instance", trigger: "tag-change", removedTagKeys: ["pod-cidr"] },
  "manual-add.json": { kind: "instance", trigger: "manual", intent: "add" },
  "manual-remove.json": { kind: "instance", trigger: "manual", intent: "remove" },
  "manual-reconcile-dry-run.json": { kind: "instance", trigger: "manual", intent: "reconcile", dryRun: true },
  "manual-sync.json": { kind: "sync", trigger: "manual", dryRun: false },
  "manual-sync-dry-run.json": { kind: "sync", trigger: "manual", dryRun: true },
};

describe("events/ (samples for every trigger, also for sam local invoke -e)", () => {
  it("holds a sample for every trigger and nothing unexplained", async () => {
    expect((await readdir(folder)).sort()).toEqual([...Object.keys(expected), "queue-batch.json"].sort());
  });

  it.each(Object.entries(expected))("%s decodes as its trigger", async (file, request) => {
    expect(decodeEvent(JSON.parse(await readFile(resolve(folder, file), "utf8")))).toMatchObject(request);
  });

  it("decodes a lifecycle action whose NotificationMetadata is a string as well as an object", async () => {
    const sample = JSON.parse(await readFile(resolve(folder, "lifecycle-launch-with-metadata.json"), "utf8")) as {
      detail: Record<string, unknown>;
    };
    const asString = { ...sample, detail: { ...sample.detail, NotificationMetadata: '{"cluster":"hard-k8s"}' } };
    expect(decodeEvent(asString)).toMatchObject({ kind: "lifecycle", transition: "launch" });
  });

  it("queue-batch.json is an SQS batch whose records decode as the events they carry", async () => {
    const batch = JSON.parse(await readFile(resolve(folder, "queue-batch.json"), "utf8")) as unknown;
    expect(queuedRequestsOf(batch)).toEqual([
      { messageId: expect.any(String), request: expect.objectContaining(expected["state-change-running.json"]) },
      { messageId: expect.any(String), request: expect.objectContaining(expected["scheduled.json"]) },
    ]);
  });
});
