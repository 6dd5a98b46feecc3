#!/usr/bin/env node
// A manual invoke of the deployed function, printing its summary readably.
import { awsCli, connectionHelp, connectionOptions, invokeFunction, stackOutputs } from "./lib/aws.mjs";
import { main, parse, stackName, UsageError } from "./lib/cli.mjs";
import { formatSummary } from "./lib/summary.mjs";

const usage = `Usage: scripts/invoke.mjs (--stack-name NAME | --function NAME) ACTION [INSTANCE_ID] [--dry-run] [--json]

Invokes the deployed pod-routes function with a manual payload and prints its summary.

Actions:
  add INSTANCE_ID        ensure the route of a live tagged worker
  remove INSTANCE_ID     remove the worker's routes
  reconcile INSTANCE_ID  do what the instance's current state calls for
  sync                   converge every worker and table

Options:
  --stack-name NAME      the pod-routes stack (its FunctionName output is invoked)
  --function NAME        the function, instead of --stack-name
  --dry-run              plan and report only
  --json                 print the raw summary
${connectionHelp}
  -h, --help             this help`;

const INSTANCE_ID = /^i-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;

/**
 * The manual payload for ACTION [INSTANCE_ID]; a UsageError when they do not fit together.
 * @param {string[]} positionals
 * @param {boolean} dryRun
 */
function payloadFor(positionals, dryRun) {
  const [action, instanceId, ...extra] = positionals;
  if (extra.length > 0) throw new UsageError(`unexpected argument(s): ${extra.join(" ")}`);
  if (action === "sync") {
    if (instanceId !== undefined) throw new UsageError("sync covers every worker: give no instance id");
    return { action, ...(dryRun ? { dryRun } : {}) };
  }
  if (action === undefined || !["add", "remove", "reconcile"].includes(action))
    throw new UsageError(`action ${JSON.stringify(action ?? "")}: expected add, remove, reconcile or sync`);
  if (!instanceId || !INSTANCE_ID.test(instanceId))
    throw new UsageError(`${action} needs an instance id (i-…), got ${JSON.stringify(instanceId ?? "")}`);
  return { action, instanceId, ...(dryRun ? { dryRun } : {}) };
}

await main("scripts/invoke.mjs", async () => {
  const { values, positionals } = parse(process.argv.slice(2), {
    usage,
    positionals: true,
    options: {
      "stack-name": { type: "string" },
      function: { type: "string" },
      "dry-run": { type: "boolean" },
      json: { type: "boolean" },
      ...connectionOptions,
    },
  });
  if (!values["stack-name"] === !values.function)
    throw new UsageError("give exactly one of --stack-name and --function");
  const payload = payloadFor(positionals, values["dry-run"] ?? false);
  const aws = awsCli(values);
  const functionName = values.function ?? (await stackOutputs(aws, stackName(values["stack-name"]))).FunctionName;
  if (!functionName)
    throw new Error(`stack ${values["stack-name"]} has no FunctionName output: is it a pod-routes stack?`);

  const { response, failed } = await invokeFunction(aws, functionName, payload);
  if (failed) {
    console.error(`${response.errorType ?? "Error"}: ${response.errorMessage ?? JSON.stringify(response)}`);
    return 1;
  }
  console.log(values.json ? JSON.stringify(response, null, 2) : formatSummary(response));
  return 0;
});
