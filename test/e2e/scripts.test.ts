import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { bundledHandler } from "../support/bundle.js";
import { scheduled } from "../../scripts/cli/sample-events.js";
import { buildTutorialNetwork } from "../../scripts/emulator/network.js";
import { routesOf } from "../support/routes.js";
import { ec2, handlerCalls, handlerRequests, proxyEndpoint } from "../support/moto-harness.js";

const root = resolve(import.meta.dirname, "../..");
const exec = promisify(execFile);
const REGION = "us-east-1";

/**
 * Runs scripts/NAME.mjs; resolves with exit code and output, never rejects. The environment has no
 * AWS_ENDPOINT_URL: a script reaches the emulator only through the --endpoint-url it is given, so a call it
 * forgot to send there would go to AWS and fail here.
 */
async function script(name: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => key !== "AWS_ENDPOINT_URL"));
  return exec(resolve(root, "scripts", `${name}.mjs`), args, { cwd: root, env }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({
      code: error.code,
      stdout: error.stdout,
      stderr: error.stderr,
    }),
  );
}

const emulator = () => ["--region", REGION, "--endpoint-url", proxyEndpoint];
const aws = (args: string[]) =>
  exec("aws", [...args, ...emulator(), "--output", "json"]).then(({ stdout }) =>
    stdout.trim() ? JSON.parse(stdout) : undefined,
  );

describe("operator scripts", () => {
  it.each(["deploy", "replay", "migrate"])("%s --help explains itself", async (name) => {
    const { code, stdout } = await script(name, ["--help"]);
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`^Usage: scripts/${name}\\.mjs `));
  });

  it.each([
    ["deploy", [], "--stack-name is required"],
    ["deploy", ["--stack-name", `k8s-${"a".repeat(65)}`], "at most 68 characters (the event queue is named after it)"],
    ["deploy", ["--stack-name", "pod-routes", "--parameter", "OnStop"], '--parameter "OnStop" is not KEY=VALUE'],
    [
      "deploy",
      ["--stack-name", "pod-routes", "--parameter", "OnStopp=remove"],
      "--parameter OnStopp: the template has no such parameter",
    ],
    ["replay", ["--stack-name", "pod-routes", "--from", "2026-11-29T10:00:00Z"], "--to is required"],
    [
      "replay",
      ["--stack-name", "pod-routes", "--from", "2026-11-29T10:00:00Z", "--to", "2999-01-01T00:00:00Z"],
      "is in the future",
    ],
    ["migrate", ["--static-stack", "hard k8s"], "--stack-name is required"],
    ["migrate", ["--skip-sync", "--region"], "--region"],
  ])("%s %j fails with a clear message and exit code 2, before any AWS call", async (name, args, message) => {
    const { code, stderr } = await script(name, [...args, "--endpoint-url", proxyEndpoint]);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
    expect(stderr).toContain(`Try 'scripts/${name}.mjs --help'.`);
    expect(handlerCalls()).toEqual([]);
  });

  it("deploy builds and packages the bundle to the account's artifact bucket, creating it", async () => {
    const { code, stdout, stderr } = await script("deploy", [
      "--stack-name",
      "pod-routes",
      "--package-only",
      ...emulator(),
    ]);

    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toContain("creating bucket pod-routes-artifacts-123456789012-us-east-1");
    const packaged = await readFile(resolve(root, "dist/packaged-template.yaml"), "utf8");
    const [, key] =
      /CodeUri: s3:\/\/pod-routes-artifacts-123456789012-us-east-1\/(pod-routes\/\S+)/.exec(packaged) ?? [];
    expect(key).toBeDefined();
    const object = await aws([
      "s3api",
      "head-object",
      "--bucket",
      "pod-routes-artifacts-123456789012-us-east-1",
      "--key",
      key!,
    ]);
    expect(object.ContentLength).toBeGreaterThan(50_000);
    // The bucket it created is private and encrypted by default.
    const bucket = ["--bucket", "pod-routes-artifacts-123456789012-us-east-1"];
    const { PublicAccessBlockConfiguration: access } = await aws(["s3api", "get-public-access-block", ...bucket]);
    expect(access).toEqual({
      BlockPublicAcls: true,
      IgnorePublicAcls: true,
      BlockPublicPolicy: true,
      RestrictPublicBuckets: true,
    });
    const { ServerSideEncryptionConfiguration: encryption } = await aws(["s3api", "get-bucket-encryption", ...bucket]);
    expect(encryption.Rules[0].ApplyServerSideEncryptionByDefault.SSEAlgorithm).toBe("AES256");
  }, 120_000);

  it("replay replays a window of the archive to the given rules and reports it completed", async () => {
    const bus = `arn:aws:events:${REGION}:123456789012:event-bus/default`;
    const { ArchiveArn: archive } = await aws([
      "events",
      "create-archive",
      "--archive-name",
      "pod-routes-events",
      "--event-source-arn",
      bus,
    ]);
    const { RuleArn: rule } = await aws([
      "events",
      "put-rule",
      "--name",
      "pod-routes-state-change",
      "--event-pattern",
      JSON.stringify({ source: ["aws.ec2"] }),
    ]);
    const to = new Date(Date.now() - 60_000).toISOString();
    const from = new Date(Date.now() - 3_600_000).toISOString();

    const { code, stdout } = await script("replay", [
      "--archive-arn",
      archive,
      "--rule-arn",
      rule,
      "--from",
      from,
      "--to",
      to,
      "--poll-seconds",
      "0.2",
      ...emulator(),
    ]);

    expect(code).toBe(0);
    expect(stdout).toMatch(
      new RegExp(
        `replay pod-routes-\\d+: ${from.replace(/\./g, "\\.")} → ${to.replace(/\./g, "\\.")} from ${archive} to ${rule}`,
      ),
    );
    expect(stdout).toMatch(/replay pod-routes-\d+: COMPLETED/);
  });

  it("migrate retires the static route stack without losing a route, and a sync then adopts every route", async () => {
    const seed = await buildTutorialNetwork(ec2);
    const staticRoutes = seed.workers
      .map(
        (worker, n) =>
          `  Worker${n}PodRoute:\n    Type: AWS::EC2::Route\n    Properties:\n      RouteTableId: ${seed.routeTableId}\n      DestinationCidrBlock: ${worker.podCidr}\n      InstanceId: ${worker.instanceId}\n`,
      )
      .join("");
    await aws([
      "cloudformation",
      "create-stack",
      "--stack-name",
      "hard-k8s-pod-routes",
      "--template-body",
      `Resources:\n${staticRoutes}`,
    ]);
    const before = await routesOf(ec2, seed.routeTableId);
    handlerRequests();

    const { code, stdout } = await script("migrate", ["--skip-sync", ...emulator()]);

    expect(code).toBe(0);
    expect(stdout).toContain("hard-k8s-pod-routes: retaining Worker0PodRoute, Worker1PodRoute, Worker2PodRoute");
    const calls = handlerRequests().filter((call) => ["UpdateStack", "DeleteStack"].includes(call.action));
    expect(calls.map((call) => call.action)).toEqual(["UpdateStack", "DeleteStack"]);
    expect(calls[0]!.params["TemplateBody"]!.match(/DeletionPolicy: Retain/g)).toHaveLength(3);
    await expect(aws(["cloudformation", "describe-stacks", "--stack-name", "hard-k8s-pod-routes"])).rejects.toThrow(
      /does not exist/,
    );
    expect(await routesOf(ec2, seed.routeTableId)).toEqual(before);

    const sync = await bundledHandler({ ROUTE_TABLE_IDS: seed.routeTableId })(scheduled());
    expect(sync.tables[0]!.decisions.map((d) => d.action)).toEqual(["keep", "keep", "keep"]);
  });
});
