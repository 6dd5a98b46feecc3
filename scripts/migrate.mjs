#!/usr/bin/env node
// Retires the tutorial's static pod-route stack without a gap in routing: its routes are retained, the
// stack is deleted, and a pod-routes sync adopts them.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isMap, parseDocument } from "yaml";
import { awsCli, connectionHelp, connectionOptions, invokeFunction, stackOutputs } from "./lib/aws.mjs";
import { main, parse, stackName, UsageError } from "./lib/cli.mjs";
import { formatSummary, handOverCommands } from "./lib/summary.mjs";

const usage = `Usage: scripts/migrate.mjs --stack-name POD_ROUTES_STACK [--static-stack NAME] [options]

Moves the routes of a static stack of AWS::EC2::Route resources (the tutorial's hard-k8s-pod-routes) to
pod-routes without a moment unrouted:
  1. updates the static stack so that every route has DeletionPolicy: Retain,
  2. deletes the static stack (the routes stay in the table),
  3. invokes a pod-routes sync, which finds the routes already right and keeps them.
Deploy pod-routes (scripts/deploy.mjs) first.

Options:
  --stack-name NAME      the pod-routes stack, whose function runs the sync
  --static-stack NAME    the stack to retire (default: hard-k8s-pod-routes)
  --skip-sync            stop after step 2 (then run: pod-routes --stack-name NAME sync)
${connectionHelp}
  -h, --help             this help`;

await main("scripts/migrate.mjs", async () => {
  const { values } = parse(process.argv.slice(2), {
    usage,
    options: {
      "stack-name": { type: "string" },
      "static-stack": { type: "string", default: "hard-k8s-pod-routes" },
      "skip-sync": { type: "boolean" },
      ...connectionOptions,
    },
  });
  if (!values["stack-name"] && !values["skip-sync"])
    throw new UsageError("--stack-name is required (or --skip-sync to leave the sync to you)");
  const podRoutes = values["stack-name"] && stackName(values["stack-name"]);
  const retired = stackName(values["static-stack"], "static-stack");
  const aws = awsCli(values);
  const functionName = podRoutes && (await stackOutputs(aws, podRoutes)).FunctionName;
  if (podRoutes && !functionName)
    throw new Error(`stack ${podRoutes} has no FunctionName output: deploy pod-routes first (scripts/deploy.mjs)`);

  /** @type {{ TemplateBody: string | object }} */
  const { TemplateBody: body } = await aws("cloudformation", "get-template", [
    "--stack-name",
    retired,
    "--template-stage",
    "Original",
  ]);
  const template = parseDocument(typeof body === "string" ? body : JSON.stringify(body));
  const resources = template.get("Resources");
  /** @type {Array<import("yaml").Pair<import("yaml").Scalar<string>, import("yaml").YAMLMap>>} */
  const items = isMap(resources) ? /** @type {any} */ (resources.items) : [];
  const routes = items.filter((item) => item.value?.get("Type") === "AWS::EC2::Route");
  if (routes.length === 0) throw new Error(`stack ${retired} has no AWS::EC2::Route resources: nothing to migrate`);

  const unretained = routes.filter((item) => item.value?.get("DeletionPolicy") !== "Retain");
  if (unretained.length > 0) {
    for (const item of unretained) item.value?.set("DeletionPolicy", "Retain");
    console.log(`${retired}: retaining ${unretained.map((item) => item.key.value).join(", ")}…`);
    /** @type {{ Stacks: Array<{ Parameters?: Array<{ ParameterKey: string }> }> }} */
    const described = await aws("cloudformation", "describe-stacks", ["--stack-name", retired]);
    const parameters = (described.Stacks[0]?.Parameters ?? []).map(
      (p) => `ParameterKey=${p.ParameterKey},UsePreviousValue=true`,
    );
    const scratch = await mkdtemp(join(tmpdir(), "pod-routes-migrate-"));
    try {
      await writeFile(join(scratch, "template.yaml"), template.toString());
      await aws("cloudformation", "update-stack", [
        "--stack-name",
        retired,
        "--template-body",
        `file://${join(scratch, "template.yaml")}`,
        ...(parameters.length ? ["--parameters", ...parameters] : []),
      ]);
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
    await aws("cloudformation", "wait", ["stack-update-complete", "--stack-name", retired], { json: false });
  }
  console.log(`${retired}: deleting the stack; its ${routes.length} route(s) stay…`);
  await aws("cloudformation", "delete-stack", ["--stack-name", retired]);
  await aws("cloudformation", "wait", ["stack-delete-complete", "--stack-name", retired], { json: false });

  if (values["skip-sync"]) {
    console.log(`${retired} retired. Now run: pod-routes --stack-name <pod-routes stack> sync`);
    return 0;
  }
  if (!functionName) throw new UsageError("--stack-name is required to run the sync");
  const { response, failed } = await invokeFunction(aws, functionName, { action: "sync" });
  console.log(failed ? `sync failed: ${response.errorMessage}` : formatSummary(response));
  if (failed || !podRoutes) return 1;
  // Routes to workers that carry no pod-CIDR tag yet stay as they are (unmanaged) until tagged.
  /** @type {{ Stacks: Array<{ Parameters?: Array<{ ParameterKey: string; ParameterValue: string }> }> }} */
  const described = await aws("cloudformation", "describe-stacks", ["--stack-name", podRoutes]);
  const parameter = (/** @type {string} */ key) =>
    described.Stacks[0]?.Parameters?.find((p) => p.ParameterKey === key)?.ParameterValue;
  const commands = handOverCommands(response, {
    podCidrTag: parameter("PodCidrTag") ?? "pod-cidr",
    ...(parameter("ClusterTag") ? { clusterTag: parameter("ClusterTag") } : {}),
  });
  if (commands.length > 0) {
    console.log(
      `\n${commands.length} route(s) point at instances that are not workers yet; pod-routes leaves them as they ` +
        `are. Tag each instance to hand its route over (no route is cut meanwhile):\n${commands.join("\n")}`,
    );
  }
  return 0;
});
