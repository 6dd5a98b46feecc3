import { execFile } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { builtinModules } from "node:module";
import { dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import {
  AttachNetworkInterfaceCommand,
  CreateNetworkInterfaceCommand,
  DescribeInstancesCommand,
  EC2Client,
  ModifyInstanceAttributeCommand,
  type DescribeInstancesCommandOutput,
} from "@aws-sdk/client-ec2";
import { build } from "esbuild";
import { describe, expect, it, onTestFinished } from "vitest";
import { INSTANCE_FIELDS } from "../../functions/pod-routes/adapters/instance-fields.js";
import { lambdaBundleOptions } from "../../scripts/lib/lambda-bundle.mjs";
import { stateChange } from "../../scripts/cli/sample-events.js";
import { buildTutorialNetwork } from "../../scripts/emulator/network.js";
import { routesOf } from "../support/routes.js";
import { ec2, motoEndpoint } from "../support/moto-harness.js";

/** The deployed artefact, as `npm run build` leaves it. */
const root = resolve(import.meta.dirname, "../..");
const bundle = resolve(root, "dist/pod-routes/index.mjs");
// The bundle's goal (docs/performance.md says what it holds); `npm run bench` reports the size and what
// each build plugin saves.
const BUDGET_BYTES = 320_000;
const run = promisify(execFile);

describe("the Lambda bundle", () => {
  it(`stays within its size budget (${BUDGET_BYTES / 1000} KB)`, async () => {
    expect((await stat(bundle)).size).toBeLessThanOrEqual(BUDGET_BYTES);
  });

  it("imports nothing but Node's built-ins: no package it would need a node_modules for", async () => {
    const code = await readFile(bundle, "utf8");
    const specifiers = [...code.matchAll(/\bimport\s*\(\s*["'`]([^"'`]+)["'`]\s*\)|\bfrom\s*["']([^"']+)["']/g)].map(
      ([, dynamic, stat]) => (dynamic ?? stat)!,
    );
    const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));
    expect(specifiers.length).toBeGreaterThan(0);
    expect(specifiers.filter((specifier) => !builtins.has(specifier))).toEqual([]);
  });

  it("runs as Lambda runs it: alone in an empty folder, no node_modules above, source-mapped errors", async () => {
    const seed = await buildTutorialNetwork(ec2, 1);
    const worker = seed.workers[0]!;
    const folder = await mkdtemp(join(tmpdir(), "pod-routes-lambda-"));
    onTestFinished(() => rm(folder, { recursive: true, force: true }));
    for (const file of ["index.mjs", "index.mjs.map"])
      await copyFile(resolve(dirname(bundle), file), join(folder, file));
    for (let dir = folder; dir !== dirname(dir); dir = dirname(dir)) {
      expect(existsSync(join(dir, "node_modules")), `${dir}/node_modules`).toBe(false);
    }

    const invoke = async (event: unknown) => {
      const script = [
        'const { handler } = await import("./index.mjs");',
        `const answer = await handler(${JSON.stringify(event)}).then(`,
        "  (summary) => ({ summary }),",
        "  (error) => ({ name: error.name, stack: error.stack }),",
        ");",
        "console.log(JSON.stringify(answer));",
      ].join("\n");
      const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script], {
        cwd: folder,
        // Lambda's environment: the function's settings and credentials, nothing of this checkout's.
        env: {
          PATH: process.env["PATH"],
          NODE_OPTIONS: "--enable-source-maps",
          AWS_REGION: "us-east-1",
          AWS_ACCESS_KEY_ID: "testing",
          AWS_SECRET_ACCESS_KEY: "testing",
          AWS_ENDPOINT_URL: motoEndpoint,
          ROUTE_TABLE_IDS: seed.routeTableId,
          POWERTOOLS_LOG_LEVEL: "SILENT",
          POWERTOOLS_METRICS_DISABLED: "true",
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
        },
      });
      return JSON.parse(stdout.trim().split("\n").at(-1)!) as { summary?: unknown; name?: string; stack?: string };
    };

    expect((await invoke(stateChange(worker.instanceId, "running"))).summary).toMatchObject({ failures: [] });
    expect(await routesOf(ec2, seed.routeTableId)).toContainEqual([worker.podCidr, worker.instanceId]);

    const refused = await invoke({ action: "drop" });
    expect(refused.name).toBe("UnsupportedEventError");
    expect(refused.stack).toMatch(/functions\/pod-routes\/entry\/event\.ts:\d+:\d+/);
  });
});

/** Serves the same answer to any request. */
async function serve(body: string, { status = 200, contentType = "text/xml" } = {}): Promise<string> {
  const server = createServer((request, response) => {
    request.resume();
    request.on("end", () => response.writeHead(status, { "content-type": contentType }).end(body));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  onTestFinished(() => new Promise<void>((done) => server.close(() => done())));
  const address = server.address();
  if (typeof address !== "object" || !address) throw new Error("no address");
  return `http://127.0.0.1:${address.port}`;
}

/** Builds `lines` (a TypeScript module) the way the Lambda bundle is built, and imports it. */
async function bundled<Module>(name: string, lines: readonly string[]): Promise<Module> {
  const folder = resolve(root, `dist/bundle-check/${name}`);
  await mkdir(folder, { recursive: true });
  const entry = join(folder, "entry.ts");
  await writeFile(
    entry,
    [
      ...lines,
      // Brings the sources the Lambda bundle has that plugins work on: every plugin finds its work.
      'export { INSTANCE_FIELDS } from "../../../functions/pod-routes/adapters/instance-fields.js";',
      'export { quote } from "../../../functions/pod-routes/core/errors.js";',
    ].join("\n"),
  );
  await build({ ...lambdaBundleOptions({ [name]: entry }, folder), sourcemap: false, logLevel: "silent" });
  return (await import(`${pathToFileURL(join(folder, `${name}.mjs`)).href}?${Date.now()}`)) as Module;
}

describe("the bundle's AWS errors", () => {
  // The bundle drops the SDK's modeled error classes: an error is the client's base exception, named by
  // the code AWS sends (as the SDK names any unmodeled one), which is what pod-routes matches and logs.
  type Send = (endpoint: string) => Promise<unknown>;
  const clients = () =>
    bundled<{ autoScaling: Send; sqs: Send }>("errors", [
      'import { AutoScalingClient, CompleteLifecycleActionCommand } from "@aws-sdk/client-auto-scaling";',
      'import { ChangeMessageVisibilityCommand, SQSClient } from "@aws-sdk/client-sqs";',
      'const options = (endpoint: string) => ({ endpoint, region: "us-east-1", maxAttempts: 1 });',
      "export const autoScaling = (endpoint: string) => new AutoScalingClient(options(endpoint)).send(",
      '  new CompleteLifecycleActionCommand({ AutoScalingGroupName: "g", LifecycleHookName: "h", LifecycleActionResult: "CONTINUE" }),',
      ");",
      "export const sqs = (endpoint: string) => new SQSClient(options(endpoint)).send(",
      '  new ChangeMessageVisibilityCommand({ QueueUrl: endpoint, ReceiptHandle: "r", VisibilityTimeout: 1 }),',
      ");",
    ]);
  const failure = (send: Promise<unknown>) =>
    send.then(
      () => expect.unreachable("the call succeeded"),
      (error: Error & { $fault?: string; $metadata?: { httpStatusCode?: number } }) => ({
        name: error.name,
        message: error.message,
        fault: error.$fault,
        status: error.$metadata?.httpStatusCode,
      }),
    );

  it("names an Auto Scaling error by its code, modeled or not", async () => {
    const { autoScaling } = await clients();
    const answer = (code: string, status: number) =>
      serve(
        `<ErrorResponse><Error><Type>Sender</Type><Code>${code}</Code><Message>${code} here</Message></Error></ErrorResponse>`,
        { status },
      );
    expect(await failure(autoScaling(await answer("ResourceContention", 500)))).toEqual({
      name: "ResourceContention",
      message: "ResourceContention here",
      fault: "server",
      status: 500,
    });
    expect(await failure(autoScaling(await answer("ValidationError", 400)))).toEqual({
      name: "ValidationError",
      message: "ValidationError here",
      fault: "client",
      status: 400,
    });
  });

  it("names an SQS error by its code", async () => {
    const { sqs } = await clients();
    const endpoint = await serve(
      JSON.stringify({ __type: "com.amazonaws.sqs#ReceiptHandleIsInvalid", message: "receipt r is invalid" }),
      { status: 400, contentType: "application/x-amz-json-1.0" },
    );
    expect(await failure(sqs(endpoint))).toEqual({
      name: "ReceiptHandleIsInvalid",
      message: "receipt r is invalid",
      fault: "client",
      status: 400,
    });
  });
});

describe("the bundle's trimmed EC2 deserializer", () => {
  /** How the shapes of INSTANCE_FIELDS nest: each listed member whose value is itself a listed shape. */
  const NESTED: Record<string, Record<string, string>> = {
    Reservation: { Instances: "Instance" },
    Instance: { State: "InstanceState", NetworkInterfaces: "InstanceNetworkInterface" },
    InstanceNetworkInterface: { Attachment: "InstanceNetworkInterfaceAttachment" },
  };
  type Found = Map<string, Array<Record<string, unknown>>>;

  /** Every object of each listed shape in a DescribeInstances answer, found by walking NESTED. */
  function byShape(output: Pick<DescribeInstancesCommandOutput, "Reservations">): Found {
    const found: Found = new Map();
    const visit = (shape: string, value: unknown) => {
      for (const item of Array.isArray(value) ? value : [value]) {
        if (typeof item !== "object" || item === null) continue;
        const record = item as Record<string, unknown>;
        found.set(shape, [...(found.get(shape) ?? []), record]);
        for (const [member, inner] of Object.entries(NESTED[shape] ?? {})) visit(inner, record[member]);
      }
    };
    visit("Reservation", output.Reservations);
    return found;
  }

  /** A real DescribeInstances answer from moto: a worker with tags, two interfaces, its check off. */
  async function recordedAnswer(): Promise<string> {
    const seed = await buildTutorialNetwork(ec2, 1);
    const instanceId = seed.workers[0]!.instanceId;
    const eni = (await ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: seed.subnetId }))).NetworkInterface!;
    await ec2.send(
      new AttachNetworkInterfaceCommand({
        InstanceId: instanceId,
        NetworkInterfaceId: eni.NetworkInterfaceId!,
        DeviceIndex: 1,
      }),
    );
    await ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: instanceId, SourceDestCheck: { Value: false } }));
    const response = await fetch(motoEndpoint, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        // moto picks the service from the credential scope; it checks no signature.
        authorization:
          "AWS4-HMAC-SHA256 Credential=testing/20261130/us-east-1/ec2/aws4_request, SignedHeaders=host, Signature=0",
      },
      body: `Action=DescribeInstances&Version=2016-11-15&InstanceId.1=${instanceId}`,
    });
    expect(response.ok).toBe(true);
    return response.text();
  }

  /** The EC2 client built the way the Lambda bundle is (same plugins, same trimmed schemas). */
  async function trimmedClient(): Promise<(endpoint: string) => Promise<DescribeInstancesCommandOutput>> {
    const module = await bundled<{ describe: (endpoint: string) => Promise<DescribeInstancesCommandOutput> }>(
      "trimmed",
      [
        'import { DescribeInstancesCommand, EC2Client } from "@aws-sdk/client-ec2";',
        "export const describe = (endpoint: string) =>",
        '  new EC2Client({ endpoint, region: "us-east-1" }).send(new DescribeInstancesCommand({}));',
      ],
    );
    return module.describe;
  }

  it("reads every field INSTANCE_FIELDS names, as the full SDK reads it, and no other", async () => {
    const xml = await recordedAnswer();
    const endpoint = await serve(xml);
    const full = await new EC2Client({ endpoint, region: "us-east-1" }).send(new DescribeInstancesCommand({}));
    const trimmed = await (await trimmedClient())(endpoint);
    const [fullShapes, trimmedShapes] = [byShape(full), byShape(trimmed)];

    for (const [shape, fields] of Object.entries(INSTANCE_FIELDS) as Array<[string, readonly string[]]>) {
      const objects = trimmedShapes.get(shape) ?? [];
      expect(objects.length, `${shape}: add how it nests to NESTED`).toBeGreaterThan(0);
      for (const field of fields) {
        expect(
          objects.some((object) => object[field] !== undefined),
          `${shape}.${field} read`,
        ).toBe(true);
      }
      for (const object of objects) expect(fields).toEqual(expect.arrayContaining(Object.keys(object)));
      // Nested shapes are compared member by member in their own turn.
      const nested = NESTED[shape] ?? {};
      const leaves = (object: Record<string, unknown>) =>
        fields.filter((field) => !(field in nested)).map((field) => [field, object[field]]);
      expect(objects.map(leaves), shape).toEqual((fullShapes.get(shape) ?? []).map(leaves));
    }
    // The full SDK does read more: the trimming is real.
    expect(Object.keys(fullShapes.get("Instance")![0]!).length).toBeGreaterThan(INSTANCE_FIELDS.Instance.length);
  });
});
