import {
  CreateRouteCommand,
  DeleteRouteCommand,
  ReplaceRouteCommand,
  TerminateInstancesCommand,
} from "@aws-sdk/client-ec2";
import { execFile } from "node:child_process";
import { chmod, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { bundledHandler } from "../support/bundle.js";
import { stateChange } from "../../scripts/cli/sample-events.js";
import { buildTutorialNetwork, launchWorker } from "../../scripts/emulator/network.js";
import { routesOf } from "../support/routes.js";
import { ec2, proxyEndpoint } from "../support/moto-harness.js";

const cli = resolve(import.meta.dirname, "../../dist/cli/pod-routes.mjs");
const NO_CREDENTIALS = {
  AWS_ACCESS_KEY_ID: "",
  AWS_SECRET_ACCESS_KEY: "",
  AWS_SHARED_CREDENTIALS_FILE: "/nonexistent",
  AWS_CONFIG_FILE: "/nonexistent",
};

/** Runs the built CLI against the emulator (named by `endpointFlag`); resolves with exit code and output. */
function podRoutes(
  args: string[],
  env: Record<string, string> = {},
  endpointFlag = "--endpoint-url",
): Promise<{ code: number; stdout: string; stderr: string }> {
  return promisify(execFile)(process.execPath, [cli, ...args, endpointFlag, proxyEndpoint, "--region", "us-east-1"], {
    env: { ...process.env, ...env },
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({
      code: error.code,
      stdout: error.stdout,
      stderr: error.stderr,
    }),
  );
}

async function routedSeed() {
  const seed = await buildTutorialNetwork(ec2);
  const handler = bundledHandler({ ROUTE_TABLE_IDS: seed.routeTableId });
  for (const worker of seed.workers) await handler(stateChange(worker.instanceId, "running"));
  return {
    seed,
    tables: ["--route-tables", seed.routeTableId],
    ids: seed.workers.map((w) => w.instanceId) as [string, string, string],
  };
}

describe("pod-routes CLI", () => {
  it.each(["status", "sync", "reconcile", "invoke", "events"])("explains %s with --help", async (command) => {
    const { code, stdout } = await podRoutes([command, "--help"]);
    expect(code).toBe(0);
    expect(stdout).toContain(`Usage: pod-routes ${command}`);
  });

  it("prints its version, and each command's help shows the global options and the environment", async () => {
    const pkg = JSON.parse(await readFile(resolve(import.meta.dirname, "../../package.json"), "utf8")) as {
      version: string;
    };
    expect((await podRoutes(["--version"])).stdout.trim()).toBe(pkg.version);
    const { stdout } = await podRoutes(["sync", "--help"]);
    expect(stdout).toContain("Global Options:");
    expect(stdout).toContain("--route-tables <ids>");
    expect(stdout).toContain("ROUTE_TABLE_IDS");
    expect(stdout).toContain("Exit codes:");
  });

  it("--json prints only JSON on stdout, whose result parses; logs and metrics stay off, or on stderr with --verbose", async () => {
    const { seed, tables } = await routedSeed();
    for (const [n, verbose] of [[], ["--verbose"]].entries()) {
      const newcomer = await launchWorker(ec2, seed.subnetId, `worker-${7 + n}`, `10.200.${7 + n}.0/24`);
      const file = join(await mkdtemp(join(tmpdir(), "pod-routes-cli-")), "event.json");
      await writeFile(file, JSON.stringify(stateChange(newcomer, "running")));
      const { code, stdout, stderr } = await podRoutes(["invoke", file, "--json", ...verbose, ...tables]);
      expect(code).toBe(0);
      expect(JSON.parse(stdout)).toMatchObject({ request: { instanceId: newcomer }, failures: [] });
      expect(stderr.includes('"RoutesCreated"'), "metrics on stderr").toBe(verbose.length > 0);
      expect(stderr.includes('"message":"summary"'), "logs on stderr").toBe(verbose.length > 0);
      expect(stderr).not.toContain("NodeVersionSupportWarning");
    }
  });

  it("exits 2 naming the event file when it is missing or not JSON, and refuses extra arguments", async () => {
    const folder = await mkdtemp(join(tmpdir(), "pod-routes-cli-"));
    const missing = join(folder, "missing.json");
    const malformed = join(folder, "malformed.json");
    await writeFile(malformed, "{ not json");
    for (const [file, why] of [
      [missing, "cannot read event file"],
      [malformed, "is not JSON"],
    ] as const) {
      const { code, stderr } = await podRoutes(["invoke", file]);
      expect(code, file).toBe(2);
      expect(stderr).toContain(why);
      expect(stderr).toContain(file);
    }
    const extra = await podRoutes(["events", "scheduled", "i-0123456789abcdef0"]);
    expect(extra.code).toBe(2);
    expect(extra.stderr).toContain("scheduled takes no instance");
  });

  it("names the flag that was used, and says what to do when credentials are missing", async () => {
    const badTable = await podRoutes(["status", "--route-tables", "rtb-nope"]);
    expect(badTable.code).toBe(2);
    expect(badTable.stderr).toContain("--route-tables");
    expect(badTable.stderr).not.toContain("ROUTE_TABLE_IDS");
    const noCredentials = await podRoutes(["status", "--route-tables", "rtb-12345678"], NO_CREDENTIALS);
    expect(noCredentials.code).toBe(2);
    expect(noCredentials.stderr).toContain("hint: configure AWS credentials");
  });

  it("answers a usage error with its one line and a pointer to --help, not the whole help", async () => {
    for (const args of [["reconcile"], ["sync", "--dry"], ["events", "launch"], ["events", "nonsense"]]) {
      const { code, stderr, stdout } = await podRoutes(args);
      expect(code, args.join(" ")).toBe(2);
      expect(stdout).toBe("");
      expect(stderr.trim().split("\n"), args.join(" ")).toEqual([
        expect.stringMatching(/^error: /),
        "(run pod-routes --help, or pod-routes <command> --help, for usage)",
      ]);
    }
  });

  it("takes --endpoint as another spelling of --endpoint-url", async () => {
    const { tables } = await routedSeed();
    const { code, stdout } = await podRoutes(["status", "--json", ...tables], {}, "--endpoint");
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ drift: [] });
  });

  it("exits as docs/cli.md's table says, for each cause it names", async () => {
    const seed = await buildTutorialNetwork(ec2, 1);
    const tables = ["--route-tables", seed.routeTableId];
    const docs = await readFile(resolve(import.meta.dirname, "../../docs/cli.md"), "utf8");
    const rows = new Map(
      [...docs.matchAll(/^\| ([0-2]) \| (.+) \|$/gm)].map(([, code, when]) => [Number(code), when!] as const),
    );
    expect([...rows.keys()]).toEqual([0, 1, 2]);
    const cases: Array<{ cause: string; args: string[]; env?: Record<string, string>; code: number }> = [
      // The worker is not routed yet: drift, until the sync.
      { cause: "found drift", args: ["status", ...tables], code: 1 },
      { cause: "done", args: ["sync", ...tables], code: 0 },
      { cause: "no drift", args: ["status", ...tables], code: 0 },
      { cause: "missing argument", args: ["reconcile"], code: 2 },
      { cause: "unknown flag", args: ["sync", "--dry"], code: 2 },
      { cause: "choice", args: ["events", "nonsense"], code: 2 },
      { cause: "setting", args: ["status", ...tables], env: { ON_STOP: "never" }, code: 2 },
      { cause: "credentials", args: ["status", ...tables], env: NO_CREDENTIALS, code: 2 },
      { cause: "event file", args: ["invoke", "no-such-file.json"], code: 2 },
      { cause: "instance name", args: ["reconcile", "not-an-instance"], code: 2 },
    ];
    for (const { cause, args, env, code } of cases) {
      expect(rows.get(code), `the row for ${code} names "${cause}"`).toContain(cause);
      expect((await podRoutes(args, env)).code, `${cause}: ${args.join(" ")}`).toBe(code);
    }
    // A failure in the summary: "invoke reports the handler's named failure and exits 1", below.
    expect(rows.get(1)).toContain("a failure in the summary");
  });

  it("exits 2 on bad usage", async () => {
    expect((await podRoutes(["reconcile"])).code).toBe(2);
    const unnamed = await podRoutes(["reconcile", "not-an-instance"]);
    expect(unnamed.code).toBe(2);
    expect(unnamed.stderr).toContain('no instance is named "not-an-instance"');
    expect((await podRoutes(["events", "launch"])).code).toBe(2);
    expect((await podRoutes(["status"], { ON_STOP: "never" })).stderr).toContain('ON_STOP="never" is invalid');
  });

  it("status shows workers, routes and each table's use of its quota, and no drift on a converged cluster (exit 0)", async () => {
    const { seed, tables, ids } = await routedSeed();
    const { code, stdout } = await podRoutes(["status", ...tables]);
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`worker-1\\s+${ids[1]}\\s+running\\s+10\\.200\\.1\\.0/24\\s+off`));
    expect(stdout).toMatch(new RegExp(`10\\.200\\.2\\.0/24\\s+${ids[2]}\\s+worker-2`));
    // The table's gateway route and its three workers', against the emulated account's quota.
    expect(stdout).toContain(`ROUTES ${seed.routeTableId} (4 of the 1000 routes its quota allows, 0.4%)`);
    expect(stdout).toContain("no drift");
  });

  it("status finds each kind of drift and exits 1", async () => {
    const { seed, tables, ids } = await routedSeed();
    const rtb = seed.routeTableId;
    await ec2.send(new DeleteRouteCommand({ RouteTableId: rtb, DestinationCidrBlock: "10.200.0.0/24" }));
    await ec2.send(
      new ReplaceRouteCommand({ RouteTableId: rtb, DestinationCidrBlock: "10.200.1.0/24", InstanceId: ids[2] }),
    );
    await ec2.send(
      new CreateRouteCommand({
        RouteTableId: rtb,
        DestinationCidrBlock: "10.200.9.0/24",
        InstanceId: seed.controllerId,
      }),
    );
    const rival = await launchWorker(ec2, seed.subnetId, "worker-2b", "10.200.2.0/24");
    await launchWorker(ec2, seed.subnetId, "worker-bad", "10.200.5.5/24");

    const { code, stdout } = await podRoutes(["status", "--json", ...tables]);

    expect(code).toBe(1);
    const { drift, unmanaged } = JSON.parse(stdout) as {
      drift: Array<{ kind: string; cidr?: string; target?: string }>;
      unmanaged: Array<{ cidr: string; target: string; tagsToAdd?: string[] }>;
    };
    expect(drift).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: "missing", cidr: "10.200.0.0/24" }),
        expect.objectContaining({ kind: "wrong-target", cidr: "10.200.1.0/24", target: ids[2] }),
        expect.objectContaining({ kind: "conflict", cidr: "10.200.2.0/24" }),
        expect.objectContaining({ kind: "invalid-tag" }),
      ]),
    );
    expect(JSON.stringify(drift)).toContain(rival);
    // The route to the controller, no worker, is left alone and shown with the tags that would hand it over.
    expect(unmanaged).toEqual([
      expect.objectContaining({
        cidr: "10.200.9.0/24",
        target: seed.controllerId,
        tagsToAdd: ["pod-cidr=10.200.9.0/24"],
      }),
    ]);
  });

  it("sync --dry-run changes nothing; sync repairs; reconcile follows one instance", async () => {
    const { seed, tables, ids } = await routedSeed();
    const converged = await routesOf(ec2, seed.routeTableId);
    await ec2.send(new DeleteRouteCommand({ RouteTableId: seed.routeTableId, DestinationCidrBlock: "10.200.0.0/24" }));

    const dry = await podRoutes(["sync", "--dry-run", ...tables]);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/create\s+10\.200\.0\.0\/24\s+→ i-\w+\s+not applied/);
    expect((await routesOf(ec2, seed.routeTableId)).map(([cidr]) => cidr)).not.toContain("10.200.0.0/24");

    expect((await podRoutes(["sync", ...tables])).code).toBe(0);
    expect(await routesOf(ec2, seed.routeTableId)).toEqual(converged);

    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [ids[1]] }));
    const reconcile = await podRoutes(["reconcile", ids[1], "--json", ...tables]);
    expect(reconcile.code).toBe(0);
    expect(JSON.parse(reconcile.stdout).tables[0].decisions).toEqual([
      expect.objectContaining({ action: "delete", cidr: "10.200.1.0/24", applied: true }),
    ]);
  });

  it("events prints a sample the handler takes, and invoke runs the handler on it", async () => {
    const { seed, tables } = await routedSeed();
    const newcomer = await launchWorker(ec2, seed.subnetId, "worker-7", "10.200.7.0/24");
    const event = await podRoutes(["events", "state-change", newcomer, "--state", "running"]);
    const file = join(await mkdtemp(join(tmpdir(), "pod-routes-cli-")), "event.json");
    await writeFile(file, event.stdout);

    const { code, stdout } = await podRoutes(["invoke", file, ...tables]);

    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`create\\s+10\\.200\\.7\\.0/24\\s+→ ${newcomer}\\s+applied`));
    expect(await routesOf(ec2, seed.routeTableId)).toContainEqual(["10.200.7.0/24", newcomer]);
  });

  it("invoke runs an SQS batch as the queue delivers it: one reconcile, every message acknowledged", async () => {
    const { seed, tables } = await routedSeed();
    const newcomers = [
      await launchWorker(ec2, seed.subnetId, "worker-7", "10.200.7.0/24"),
      await launchWorker(ec2, seed.subnetId, "worker-8", "10.200.8.0/24"),
    ];
    const sample = JSON.parse(
      await readFile(resolve(import.meta.dirname, "../../events/queue-batch.json"), "utf8"),
    ) as {
      Records: Array<{ body: string }>;
    };
    const batch = {
      Records: newcomers.map((id, n) => ({
        ...sample.Records[0]!,
        messageId: `m${n}`,
        body: JSON.stringify(stateChange(id, "running")),
      })),
    };
    const file = join(await mkdtemp(join(tmpdir(), "pod-routes-cli-")), "batch.json");
    await writeFile(file, JSON.stringify(batch));

    const { code, stdout } = await podRoutes(["invoke", file, ...tables]);

    expect(code).toBe(0);
    // Each message's verdict, and what the batch changed, above the queue's answer.
    expect(stdout).toContain(`m0: done ${newcomers[0]}`);
    expect(stdout).toContain(`m1: done ${newcomers[1]}`);
    expect(stdout).toMatch(
      new RegExp(`changed:\\n\\s+created\\s+10\\.200\\.7\\.0/24 → ${newcomers[0]} in ${seed.routeTableId}`),
    );
    expect(stdout).toContain(`the source/dest check of ${newcomers[1]}`);
    expect(stdout).toContain("every message acknowledged");
    const again = JSON.parse((await podRoutes(["invoke", file, "--json", ...tables])).stdout) as {
      batchItemFailures: unknown[];
      summary: { records: Array<{ outcome: string }>; changed: { routes: unknown[] } };
    };
    // Run again: both messages done, nothing left to change.
    expect(again.batchItemFailures).toEqual([]);
    expect(again.summary.records.map((record) => record.outcome)).toEqual(["done", "done"]);
    expect(again.summary.changed.routes).toEqual([]);
    const routes = await routesOf(ec2, seed.routeTableId);
    expect(routes).toContainEqual(["10.200.7.0/24", newcomers[0]]);
    expect(routes).toContainEqual(["10.200.8.0/24", newcomers[1]]);
  });

  it("invoke reports the handler's named failure and exits 1", async () => {
    const seed = await buildTutorialNetwork(ec2, 0);
    const bad = await launchWorker(ec2, seed.subnetId, "worker-bad", "banana");
    const file = join(await mkdtemp(join(tmpdir(), "pod-routes-cli-")), "event.json");
    await writeFile(file, JSON.stringify(stateChange(bad, "running")));

    const { code, stdout } = await podRoutes(["invoke", file, "--route-tables", seed.routeTableId]);

    expect(code).toBe(1);
    expect(stdout).toContain(`FAILED: InvalidPodCidrError: instance ${bad}: tag pod-cidr="banana"`);
  });
});

/**
 * A stand-in for the AWS CLI on the PATH: answers describe-stacks with a FunctionName and lambda invoke
 * with the given response, and records each call's words and the payload it sent.
 */
async function fakeAwsCli(response: unknown, functionError?: string) {
  const folder = await mkdtemp(join(tmpdir(), "pod-routes-aws-"));
  const calls = join(folder, "calls.json");
  await writeFile(calls, "[]");
  const script = `#!${process.execPath}
const fs = require("node:fs");
const args = process.argv.slice(2);
const recorded = JSON.parse(fs.readFileSync(${JSON.stringify(calls)}, "utf8"));
const payload = args[args.indexOf("--payload") + 1];
recorded.push({ args, payload: payload?.startsWith("fileb://") ? JSON.parse(fs.readFileSync(payload.slice(8), "utf8")) : undefined });
fs.writeFileSync(${JSON.stringify(calls)}, JSON.stringify(recorded));
if (args[0] === "cloudformation")
  console.log(JSON.stringify({ Stacks: [{ Outputs: [{ OutputKey: "FunctionName", OutputValue: "pod-routes-fn" }] }] }));
if (args[0] === "lambda") {
  fs.writeFileSync(args.find((arg) => arg.endsWith("response.json")), ${JSON.stringify(JSON.stringify(response))});
  console.log(JSON.stringify({ StatusCode: 200, ${functionError ? `FunctionError: ${JSON.stringify(functionError)}` : ""} }));
}
`;
  await writeFile(join(folder, "aws"), script);
  await chmod(join(folder, "aws"), 0o755);
  return {
    env: { PATH: `${folder}:${process.env["PATH"]}` },
    calls: async () => JSON.parse(await readFile(calls, "utf8")) as Array<{ args: string[]; payload?: unknown }>,
  };
}

describe("pod-routes CLI, running a command in the deployed function", () => {
  const summary = {
    request: { kind: "sync", trigger: "manual" },
    dryRun: true,
    tables: [
      {
        routeTableId: "rtb-0123456789abcdef0",
        decisions: [
          {
            action: "create",
            routeTableId: "rtb-0123456789abcdef0",
            cidr: "10.200.1.0/24",
            target: "i-0aaaaaaaaaaaaaaa1",
            reason: "i-0aaaaaaaaaaaaaaa1 is running and has no route",
            applied: false,
          },
        ],
      },
    ],
    instanceChanges: [],
    failures: [],
  };

  it("syncs through the stack's function, sending the manual payload and printing its summary", async () => {
    const aws = await fakeAwsCli(summary);

    const { code, stdout } = await podRoutes(["--stack-name", "pod-routes", "sync", "--dry-run"], aws.env);

    expect(code).toBe(0);
    expect(stdout).toContain("sync (manual) — dry run, nothing changed");
    expect(stdout).toContain("10.200.1.0/24");
    const calls = await aws.calls();
    expect(calls.map((call) => call.args.slice(0, 2).join(" "))).toEqual([
      "cloudformation describe-stacks",
      "lambda invoke",
    ]);
    expect(calls[1]!.args).toContain("pod-routes-fn");
    expect(calls[1]!.payload).toEqual({ action: "sync", dryRun: true });
  });

  it("reconciles an instance in a named function, and exits 1 with the function's error when it fails", async () => {
    const aws = await fakeAwsCli({ errorType: "ConfigError", errorMessage: "ROUTE_TABLE_IDS is invalid" }, "Unhandled");

    const { code, stderr } = await podRoutes(
      ["--function", "pod-routes-fn", "reconcile", "i-0aaaaaaaaaaaaaaa1"],
      aws.env,
    );

    expect(code).toBe(1);
    expect(stderr).toContain("DeployedFunctionError: pod-routes-fn failed: ConfigError: ROUTE_TABLE_IDS is invalid");
    expect((await aws.calls()).map((call) => call.payload)).toEqual([
      { action: "reconcile", instanceId: "i-0aaaaaaaaaaaaaaa1" },
    ]);
  });

  it.each([
    [["--function", "f", "--stack-name", "s", "sync"], "give --function or --stack-name, not both"],
    [["--function", "f", "status"], "--function and --stack-name apply to sync and reconcile, not status"],
  ])("refuses %j as bad usage", async (args, message) => {
    const { code, stderr } = await podRoutes(args);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
  });
});
