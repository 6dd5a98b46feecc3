import { EC2Client } from "@aws-sdk/client-ec2";
import type { SQSBatchResponse } from "aws-lambda";
import { Command, CommanderError, Option } from "commander";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { ConfigError, ReconcileFailedError, UnsupportedEventError } from "../../functions/pod-routes/core/errors.js";
import { familyName } from "../../functions/pod-routes/core/cidr.js";
import { printable } from "../../functions/pod-routes/core/printable.js";
import { decodeEvent } from "../../functions/pod-routes/entry/event.js";
import { createHandler } from "../../functions/pod-routes/entry/handler.js";
import { runDirect } from "../../functions/pod-routes/jobs/direct.js";
import type { Summary } from "../../functions/pod-routes/jobs/summary.js";
import type { BatchSummary } from "../../functions/pod-routes/jobs/batch.js";
import type { Request } from "../../functions/pod-routes/core/request.js";
import type { Dependencies } from "../../functions/pod-routes/jobs/dependencies.js";
import { wire } from "../../functions/pod-routes/entry/wire.js";
import { WORKER_STATES, workersOf } from "../../functions/pod-routes/adapters/worker.js";
import { formatBatch, formatSummary } from "../lib/summary.mjs";
import { driftOf, unmanagedOf } from "./drift.js";
import { columns, readRouteTable, renderRouteTable } from "./render.js";
import { InstanceNameError, instanceNamed, retargeted } from "./instances.js";
import { lifecycleAction, scheduled, stateChange } from "./sample-events.js";
import { invokeDeployed, type Connection, type DeployedFunction } from "./deployed.js";

/**
 * pod-routes from a terminal: the same decoding, planning and adapters as the Lambda function, run
 * locally against the configured AWS account or any endpoint. Settings come from the same
 * environment variables as the function's (ROUTE_TABLE_IDS, CLUSTER_CIDR, ...).
 *
 * Exit codes (docs/cli.md): 0 done; 1 drift found (status) or the run failed; 2 bad usage, settings
 * (a region or credentials among them), an event file, or an instance name.
 */
const EXIT = { ok: 0, drift: 1, failed: 1, usage: 2 } as const;

/** Where a usage error points, instead of printing the whole help under it. */
const HELP_POINTER = "(run pod-routes --help, or pod-routes <command> --help, for usage)";

/** The same from this file and from its build in dist/cli/: both are two folders below the project. */
const { version } = createRequire(import.meta.url)("../../package.json") as { version: string };

/**
 * The result alone goes to stdout, so `--json` output parses; everything else (logs and metrics with
 * --verbose, warnings, errors) goes to stderr.
 */
const writeResult = process.stdout.write.bind(process.stdout);
// A reader that stops early (`pod-routes status | head`) ends the command quietly, as Unix tools do.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code !== "EPIPE") throw error;
  process.exit(process.exitCode ?? 0);
});
process.stdout.write = process.stderr.write.bind(process.stderr);

/**
 * Node 20 works; the SDK's notice that its versions from 2027 will need Node 22 is said once, in the
 * README, not before every answer. Every other warning is shown.
 */
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = (warning: string | Error, ...rest: unknown[]) => {
  if (String(warning).startsWith("NodeVersionSupportWarning")) return;
  (emitWarning as (...args: unknown[]) => void)(warning, ...rest);
};

const ENVIRONMENT = `
Environment (the function's settings; the flags above override the first ones):
  AWS_REGION, AWS_PROFILE, AWS_ENDPOINT_URL   region, profile, endpoint (--region, --profile, --endpoint-url)
  ROUTE_TABLE_IDS, ROUTE_TABLE_TAG            route tables (--route-tables), or the tag that marks them
  CLUSTER_CIDR, POD_CIDR_TAG, CLUSTER_TAG, POD_CIDR_PREFIX_LENGTH, ON_STOP, SOURCE_DEST_CHECK,
  ALLOCATE_POD_CIDR, LAUNCH_FAILURE_RESULT, LIFECYCLE_HOOK_NAMES, WORKER_GROUP_NAMES, DRY_RUN
                                              as for the function (README)

Exit codes: 0 done; 1 drift found (status) or the run failed; 2 bad usage, settings (a region or
credentials among them), an event file, or an instance name that names no single instance.`;

const program = new Command("pod-routes")
  .description("Keep each Kubernetes worker's pod CIDR routed to it: inspect, sync and reconcile from a terminal.")
  .option("--endpoint-url <url>", "send AWS calls to this endpoint (an emulator), as the AWS CLI's flag does")
  .addOption(new Option("--endpoint <url>", "as --endpoint-url").hideHelp())
  .option("--region <region>", "AWS region")
  .option("--profile <profile>", "AWS profile")
  .option("--route-tables <ids>", "comma-separated route tables (sets ROUTE_TABLE_IDS)")
  .option("--function <name>", "sync and reconcile in this deployed function instead of here (lambda:InvokeFunction)")
  .option("--stack-name <name>", "as --function: the pod-routes stack's function")
  .option("--json", "print the result as JSON, and nothing else on stdout")
  .option("--verbose", "write the function's JSON logs and metrics to stderr")
  .version(version, "--version", "print the version")
  .configureHelp({ showGlobalOptions: true })
  // Help and the version are results: stdout.
  .configureOutput({ writeOut: (text) => writeResult(text) })
  .addHelpText("after", ENVIRONMENT)
  .showHelpAfterError(HELP_POINTER)
  .exitOverride()
  .hook("preAction", (_program, command) => {
    // The SDK's standard variables: the clients, here and in the handler, read them.
    const { region, profile, routeTables } = program.opts<{
      region?: string;
      profile?: string;
      routeTables?: string;
    }>();
    const endpoint = endpointUrl();
    if (endpoint) process.env["AWS_ENDPOINT_URL"] = endpoint;
    if (region) process.env["AWS_REGION"] = region;
    if (profile) process.env["AWS_PROFILE"] = profile;
    if (routeTables !== undefined) process.env["ROUTE_TABLE_IDS"] = routeTables;
    const deployed = program.opts<{ function?: string; stackName?: string }>();
    if (deployed.function !== undefined && deployed.stackName !== undefined)
      throw usage("error: give --function or --stack-name, not both");
    if ((deployed.function ?? deployed.stackName) !== undefined && !["sync", "reconcile"].includes(command.name()))
      throw usage(`error: --function and --stack-name apply to sync and reconcile, not ${command.name()}`);
    const { verbose } = program.opts<{ verbose?: boolean }>();
    const detailed = ["DEBUG", "TRACE"].includes(process.env["POWERTOOLS_LOG_LEVEL"] ?? "");
    process.env["POWERTOOLS_LOG_LEVEL"] = verbose
      ? detailed
        ? process.env["POWERTOOLS_LOG_LEVEL"]
        : "INFO"
      : "SILENT";
    process.env["POWERTOOLS_METRICS_DISABLED"] = verbose ? "false" : "true";
  });

const json = () => program.opts<{ json?: boolean }>().json === true;
/** The result as JSON, or as text whose every line is printable: nothing in it rewrites the terminal. */
const print = (value: unknown, text: () => string) =>
  writeResult(`${json() ? JSON.stringify(value, null, 2) : text().split("\n").map(printable).join("\n")}\n`);

program
  .command("status")
  .description("workers, routes per table, drift, and the routes left alone; exits 1 when anything drifted")
  .action(async () => {
    const deps = wire(process.env).dependencies();
    const instances = await deps.ec2.describeInstances({ tagKey: deps.config.podCidrTag, states: WORKER_STATES });
    const workers = workersOf(instances, deps.config);
    const plan = await runHere({ kind: "sync", trigger: "manual", dryRun: true }, deps);
    const ec2 = new EC2Client({});
    // A dual-stack table is planned once per family: listed once, with each family's use of its quota.
    const tables = await Promise.all(
      [...new Set(plan.tables.map((table) => table.routeTableId))].map(async (routeTableId) => ({
        routeTableId,
        headroom: Object.fromEntries(
          plan.tables.flatMap(({ routeTableId: id, family = "ipv4", headroom }) =>
            id === routeTableId && headroom ? [[familyName(family), headroom]] : [],
          ),
        ),
        routes: await readRouteTable(ec2, routeTableId, deps.config),
      })),
    );
    const quotaUse = ({ headroom }: (typeof tables)[number]) => {
      const uses = Object.entries(headroom).map(
        ([family, h]) =>
          `${Object.keys(headroom).length > 1 ? `${family}: ` : ""}${h.routes} of the ${h.limit} routes its quota allows, ${h.utilization}%`,
      );
      return uses.length > 0 ? ` (${uses.join("; ")})` : "";
    };
    const drift = driftOf(plan);
    const unmanaged = unmanagedOf(plan, deps.config);
    print({ workers, tables, drift, unmanaged }, () =>
      [
        "WORKERS",
        columns(
          ["NAME", "INSTANCE", "STATE", "POD CIDR", "SOURCE/DEST CHECK"],
          workers.map((w) => [
            w.name ?? "",
            w.instanceId,
            w.state,
            w.podCidrTag,
            w.sourceDestCheck === false ? "off" : "on",
          ]),
        ),
        ...tables.flatMap((table) => [
          "",
          `ROUTES ${table.routeTableId}${quotaUse(table)}`,
          renderRouteTable(table.routes),
        ]),
        "",
        drift.length === 0
          ? "no drift"
          : `DRIFT\n${columns(
              ["KIND", "TABLE", "CIDR", "TARGET", "DETAIL"],
              drift.map((d) => [d.kind, d.routeTableId ?? "", d.cidr ?? "", d.target ?? "", d.detail]),
            )}`,
        ...(unmanaged.length === 0
          ? []
          : [
              "",
              "UNMANAGED: inside the cluster CIDR, not pod-routes' own, left alone. Tag an instance as shown " +
                "to hand its route to pod-routes; the route stays as it is meanwhile.",
              columns(
                ["TABLE", "CIDR", "TARGET", "TAGS TO ADD"],
                unmanaged.map((u) => [
                  u.routeTableId,
                  u.cidr,
                  u.target,
                  u.tagsToAdd?.join(" ") ??
                    (u.target.startsWith("i-") ? "(routes of two blocks of one family: choose)" : "(not an instance)"),
                ]),
              ),
            ]),
      ].join("\n"),
    );
    process.exitCode = drift.length === 0 ? EXIT.ok : EXIT.drift;
  });

program
  .command("sync")
  .description("converge every worker and table, as the scheduled sync does")
  .option("--dry-run", "plan and report, change nothing")
  .action(async (options: { dryRun?: boolean }) => {
    const dryRun = options.dryRun === true;
    const deployed = deployedFunction();
    report(
      deployed
        ? await invokeDeployed(deployed, { action: "sync", ...(dryRun ? { dryRun } : {}) }, connection())
        : await runHere({ kind: "sync", trigger: "manual", dryRun }, wire(process.env).dependencies()),
    );
  });

program
  .command("reconcile")
  .description("do what one instance's current state calls for")
  .argument("<instance>", "the instance: its id (i-…) or its Name tag")
  .option("--dry-run", "plan and report, change nothing")
  .action(async (instance: string, options: { dryRun?: boolean }) => {
    const instanceId = await instanceNamed(new EC2Client({}), instance);
    const payload = { action: "reconcile", instanceId, ...(options.dryRun ? { dryRun: true } : {}) };
    const deployed = deployedFunction();
    report(
      deployed
        ? await invokeDeployed(deployed, payload, connection())
        : await runHere(decodeEvent(payload), wire(process.env).dependencies()),
    );
  });

program
  .command("invoke")
  .description("run the handler on an event file (one from events/, an SQS batch of them, or the events command's)")
  .argument("<event-file>", "a JSON event")
  .option(
    "--instance <instance>",
    "about this instance instead (an id, or a Name such as worker-1): replaces the one the file names",
  )
  .action(async (file: string, options: { instance?: string }) => {
    const instanceId =
      options.instance === undefined ? undefined : await instanceNamed(new EC2Client({}), options.instance);
    const event = await readEventFile(file, instanceId);
    // An SQS batch, as the queue delivers it, is answered with the messages left for a retry; its whole
    // summary (each message's verdict, what changed) comes aside.
    let batch: BatchSummary | undefined;
    const handler = createHandler(process.env, undefined, { onSummary: (summary) => (batch = summary) });
    const answer: Summary | SQSBatchResponse = await handler(event);
    if (!isBatchResponse(answer)) return report(answer);
    const summary = batch!;
    print({ ...answer, summary }, () => formatBatch(summary));
    process.exitCode = answer.batchItemFailures.length === 0 ? EXIT.ok : EXIT.failed;
  });

program
  .command("events")
  .description("print a real-shaped sample event")
  .addArgument(
    new Command()
      .createArgument("<kind>", "the event")
      .choices(["state-change", "replayed", "launch", "terminate", "scheduled"]),
  )
  .argument("[instance]", "the instance: its id (i-…) or its Name tag (not for scheduled)")
  .addOption(
    new Option("--state <state>", "instance state, for state-change and replayed")
      .choices(["pending", "running", "stopping", "stopped", "shutting-down", "terminated"])
      .default("running"),
  )
  .option("--group <name>", "Auto Scaling group, for launch and terminate", "hard-k8s-workers")
  .option("--hook <name>", "lifecycle hook, for launch and terminate")
  .option("--warm-pool", "terminate into a warm pool (Destination: WarmPool)")
  .action(
    async (
      kind: string,
      instance: string | undefined,
      options: { state: string; group: string; hook?: string; warmPool?: boolean },
    ) => {
      if (kind === "scheduled") {
        if (instance !== undefined) throw usage(`error: scheduled takes no instance (got ${instance})`);
        writeResult(`${JSON.stringify(scheduled(), null, 2)}\n`);
        return;
      }
      if (instance === undefined) throw usage(`error: ${kind} needs an instance: its id (i-…) or its Name tag`);
      // An id is printed as given, with no AWS call; only a name is looked up.
      const instanceId = await instanceNamed(new EC2Client({}), instance);
      const event =
        kind === "launch" || kind === "terminate"
          ? lifecycleAction(kind, instanceId, {
              group: options.group,
              hook: options.hook ?? `pod-routes-${kind}`,
              destination: options.warmPool ? "WarmPool" : undefined,
            })
          : stateChange(
              instanceId,
              options.state,
              kind === "replayed"
                ? { replayName: "pod-routes-replay", time: new Date(Date.now() - 3_600_000).toISOString() }
                : {},
            );
      writeResult(`${JSON.stringify(event, null, 2)}\n`);
    },
  );

/** The deployed function --function or --stack-name names, if either does. */
function deployedFunction(): DeployedFunction | undefined {
  const { function: functionName, stackName } = program.opts<{ function?: string; stackName?: string }>();
  if (functionName !== undefined) return { functionName };
  return stackName === undefined ? undefined : { stackName };
}

/** --endpoint-url, or its alias --endpoint. */
function endpointUrl(): string | undefined {
  const { endpointUrl, endpoint } = program.opts<{ endpointUrl?: string; endpoint?: string }>();
  return endpointUrl ?? endpoint;
}

function connection(): Connection {
  const { region, profile } = program.opts<{ region?: string; profile?: string }>();
  const endpoint = endpointUrl();
  return {
    ...(endpoint ? { endpointUrl: endpoint } : {}),
    ...(region ? { region } : {}),
    ...(profile ? { profile } : {}),
  };
}

function usage(message: string): CommanderError {
  return new CommanderError(EXIT.usage, "pod-routes.usage", message);
}

/** An event file's JSON, about `instanceId` when given; a missing or malformed file is bad usage, named. */
async function readEventFile(file: string, instanceId?: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw usage(`error: cannot read event file ${file}: ${(error as Error).message}`);
  }
  if (instanceId !== undefined) text = retargeted(text, file, instanceId);
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw usage(`error: event file ${file} is not JSON: ${(error as Error).message}`);
  }
}

/** The setting's flag, when the user gave it as one. */
function explain(message: string): string {
  const { routeTables } = program.opts<{ routeTables?: string }>();
  return routeTables !== undefined ? message.replaceAll("ROUTE_TABLE_IDS", "--route-tables") : message;
}

/** What to do about a region or credentials the SDK found missing: settings, not a failed run. */
function missingSetting(error: Error): string | undefined {
  if (/region is missing/i.test(error.message)) return "hint: pass --region, or set AWS_REGION";
  if (/Could not load credentials/i.test(error.message))
    return "hint: configure AWS credentials (--profile, AWS_PROFILE), or use an emulator with --endpoint-url";
  return undefined;
}

/**
 * A request run here, as the function runs a direct invocation: its summary, whose failures the report
 * shows; an error that stopped it (a setting, an instance EC2 does not show) is thrown, named.
 */
async function runHere(request: Request, deps: Dependencies): Promise<Summary> {
  const { summary, error } = await runDirect(request, deps);
  if (error !== undefined && !(error instanceof ReconcileFailedError)) throw error;
  return summary;
}

function isBatchResponse(answer: Summary | SQSBatchResponse): answer is SQSBatchResponse {
  return "batchItemFailures" in answer;
}

function report(summary: Summary): void {
  print(summary, () => formatSummary(summary));
  process.exitCode = summary.failures.length === 0 ? EXIT.ok : EXIT.failed;
}

for (const command of program.commands) command.addHelpText("after", ENVIRONMENT);

try {
  await program.parseAsync();
} catch (error) {
  if (error instanceof CommanderError) {
    // Commander prints its own errors, with the pointer to --help; pod-routes' usage errors are printed here.
    if (error.code.startsWith("pod-routes.")) console.error(`${error.message}\n${HELP_POINTER}`);
    process.exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  } else if (
    error instanceof UnsupportedEventError ||
    error instanceof ConfigError ||
    error instanceof InstanceNameError
  ) {
    console.error(explain(`${error.name}: ${error.message}`));
    process.exitCode = EXIT.usage;
  } else {
    const named = error as Error;
    const hint = missingSetting(named);
    console.error(explain(`${named.name}: ${named.message}`) + (hint ? `\n${hint}` : ""));
    process.exitCode = hint ? EXIT.usage : EXIT.failed;
  }
}
