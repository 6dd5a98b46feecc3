#!/usr/bin/env node
// Replays a time window of archived events to pod-routes' rules, waits for the replay and reports it.
import { setTimeout as sleep } from "node:timers/promises";
import { awsCli, connectionHelp, connectionOptions, stackOutputs } from "./lib/aws.mjs";
import { main, parse, stackName, UsageError } from "./lib/cli.mjs";

const usage = `Usage: scripts/replay.mjs (--stack-name NAME | --archive-arn ARN) --from TIME --to TIME [options]

Starts an EventBridge replay of the archived events between two times (ISO 8601, e.g.
2026-11-29T10:00:00Z) to pod-routes' rules only, waits for it to finish and reports the result.
Replays are safe: pod-routes decides from current state, so replayed events change only what is wrong.

Options:
  --stack-name NAME      the pod-routes stack: its archive, and its rules as the only destinations
  --archive-arn ARN      an archive, instead of --stack-name
  --rule-arn ARN         a rule to replay to (repeatable; default: the stack's rules, or every rule on the bus)
  --from TIME            start of the window (required)
  --to TIME              end of the window (required, not in the future)
  --no-wait              start the replay and return
  --poll-seconds N       how often to check the replay (default 10)
${connectionHelp}
  -h, --help             this help`;

const FINISHED = ["COMPLETED", "FAILED", "CANCELLED"];

await main("scripts/replay.mjs", async () => {
  const { values } = parse(process.argv.slice(2), {
    usage,
    options: {
      "stack-name": { type: "string" },
      "archive-arn": { type: "string" },
      "rule-arn": { type: "string", multiple: true },
      from: { type: "string" },
      to: { type: "string" },
      "no-wait": { type: "boolean" },
      "poll-seconds": { type: "string" },
      ...connectionOptions,
    },
  });
  if (!values["stack-name"] === !values["archive-arn"])
    throw new UsageError("give exactly one of --stack-name and --archive-arn");
  const from = time(values, "from");
  const to = time(values, "to");
  if (from >= to) throw new UsageError(`--from ${values.from} is not before --to ${values.to}`);
  if (to > new Date()) throw new UsageError(`--to ${values.to} is in the future: a replay covers past events only`);
  const pollSeconds = Number(values["poll-seconds"] ?? 10);
  if (!(pollSeconds > 0)) throw new UsageError(`--poll-seconds ${values["poll-seconds"]} is not a positive number`);

  const aws = awsCli(values);
  const archiveArn = values["archive-arn"] ?? (await stackOutputs(aws, stackName(values["stack-name"]))).ArchiveArn;
  if (!archiveArn) throw new Error(`stack ${values["stack-name"]} has no ArchiveArn output: is it a pod-routes stack?`);
  const archive = await aws("events", "describe-archive", [
    "--archive-name",
    archiveArn.slice(archiveArn.lastIndexOf("/") + 1),
  ]);
  const rules = values["rule-arn"] ?? (values["stack-name"] ? await stackRules(aws, values["stack-name"]) : []);
  const name = `pod-routes-${new Date()
    .toISOString()
    .replace(/[^0-9]/g, "")
    .slice(0, 14)}`;
  const destination = JSON.stringify({ Arn: archive.EventSourceArn, ...(rules.length ? { FilterArns: rules } : {}) });
  await aws("events", "start-replay", [
    "--replay-name",
    name,
    "--event-source-arn",
    archiveArn,
    "--event-start-time",
    from.toISOString(),
    "--event-end-time",
    to.toISOString(),
    "--destination",
    destination,
  ]);
  console.log(
    `replay ${name}: ${from.toISOString()} → ${to.toISOString()} from ${archiveArn} to ${rules.length ? rules.join(", ") : archive.EventSourceArn}`,
  );
  if (values["no-wait"]) return 0;

  for (;;) {
    const replay = await aws("events", "describe-replay", ["--replay-name", name]);
    if (FINISHED.includes(replay.State)) {
      const last = replay.EventLastReplayedTime
        ? `, last event replayed from ${new Date(replay.EventLastReplayedTime * 1000).toISOString()}`
        : "";
      console.log(`replay ${name}: ${replay.State}${replay.StateReason ? ` (${replay.StateReason})` : ""}${last}`);
      return replay.State === "COMPLETED" ? 0 : 1;
    }
    console.log(`replay ${name}: ${replay.State}…`);
    await sleep(pollSeconds * 1000);
  }
});

/**
 * @param {{ from?: string; to?: string }} values
 * @param {"from" | "to"} key
 */
function time(values, key) {
  const value = values[key];
  if (!value) throw new UsageError(`--${key} is required`);
  const parsed = new Date(value);
  if (Number.isNaN(parsed.getTime()) || !/^\d{4}-\d{2}-\d{2}T/.test(value))
    throw new UsageError(`--${key} ${JSON.stringify(value)} is not an ISO 8601 time such as 2026-11-29T10:00:00Z`);
  return parsed;
}

/**
 * The ARNs of the EventBridge rules the stack created (the SAM events of the function).
 * @param {import("./lib/aws.mjs").Aws} aws
 * @param {string} stack
 * @returns {Promise<string[]>}
 */
async function stackRules(aws, stack) {
  /** @type {{ StackResources: Array<{ ResourceType: string; PhysicalResourceId: string }> }} */
  const { StackResources: resources } = await aws("cloudformation", "describe-stack-resources", [
    "--stack-name",
    stack,
  ]);
  const names = resources
    .filter((resource) => resource.ResourceType === "AWS::Events::Rule")
    .map((resource) => resource.PhysicalResourceId);
  return Promise.all(
    names.map(
      async (rule) => /** @type {{ Arn: string }} */ (await aws("events", "describe-rule", ["--name", rule])).Arn,
    ),
  );
}
