#!/usr/bin/env node
// Builds the bundle, packages the SAM template, deploys the stack and prints its outputs.
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { awsCli, connectionHelp, connectionOptions, stackOutputs } from "./lib/aws.mjs";
import { main, parse, required, stackName, UsageError } from "./lib/cli.mjs";

const usage = `Usage: scripts/deploy.mjs --stack-name NAME [options]

Builds pod-routes (npm run build), packages infra/template.yaml to S3 and deploys it. With no
parameters it plugs into "Kubernetes the hard way on AWS": the route table exported as hard-k8s-rtb,
cluster CIDR 10.200.0.0/16, pod-CIDR tag pod-cidr.

Options:
  --stack-name NAME      the stack to create or update (required)
  --parameter KEY=VALUE  a template parameter, e.g. WorkerGroupNames=hard-k8s-workers (repeatable)
  --bucket NAME          S3 bucket for the code (default: pod-routes-artifacts-ACCOUNT-REGION, created if missing)
  --package-only         build and package, print the packaged template's path, deploy nothing
${connectionHelp}
  -h, --help             this help`;

const root = resolve(import.meta.dirname, "..");
const PARAMETER = /^[A-Za-z0-9]+=.*$/s;

await main("scripts/deploy.mjs", async () => {
  const { values } = parse(process.argv.slice(2), {
    usage,
    options: {
      "stack-name": { type: "string" },
      parameter: { type: "string", multiple: true },
      bucket: { type: "string" },
      "package-only": { type: "boolean" },
      ...connectionOptions,
    },
  });
  const stack = stackName(required(values, "stack-name"));
  const parameters = values.parameter ?? [];
  /** @type {{ Parameters: Record<string, unknown> }} */
  const template = (await import("yaml")).parse(await readFile(resolve(root, "infra/template.yaml"), "utf8"), {
    customTags: cfnTags(),
  });
  const known = Object.keys(template.Parameters);
  for (const parameter of parameters) {
    if (!PARAMETER.test(parameter)) throw new UsageError(`--parameter ${JSON.stringify(parameter)} is not KEY=VALUE`);
    const key = parameter.slice(0, parameter.indexOf("="));
    if (!known.includes(key))
      throw new UsageError(`--parameter ${key}: the template has no such parameter (it has ${known.join(", ")})`);
  }
  const aws = awsCli(values);

  console.log("building…");
  await promisify(execFile)("npm", ["run", "build"], { cwd: root });
  const bucket = values.bucket ?? (await defaultBucket(aws, values.region));
  const packaged = resolve(root, "dist/packaged-template.yaml");
  console.log(`packaging to s3://${bucket}/pod-routes/…`);
  await aws(
    "cloudformation",
    "package",
    [
      "--template-file",
      resolve(root, "infra/template.yaml"),
      "--s3-bucket",
      bucket,
      "--s3-prefix",
      "pod-routes",
      "--output-template-file",
      packaged,
    ],
    { json: false },
  );
  if (values["package-only"]) {
    console.log(`packaged template: ${packaged}`);
    return 0;
  }
  console.log(`deploying stack ${stack}…`);
  await aws(
    "cloudformation",
    "deploy",
    [
      "--template-file",
      packaged,
      "--stack-name",
      stack,
      "--capabilities",
      "CAPABILITY_IAM",
      "CAPABILITY_AUTO_EXPAND",
      "--no-fail-on-empty-changeset",
      ...(parameters.length ? ["--parameter-overrides", ...parameters] : []),
    ],
    { json: false },
  );
  const outputs = await stackOutputs(aws, stack);
  for (const [key, value] of Object.entries(outputs)) console.log(`${key.padEnd(20)} ${value}`);
  return 0;
});

/**
 * One bucket per account and region, created on first use.
 * @param {import("./lib/aws.mjs").Aws} aws
 * @param {string | undefined} region
 * @returns {Promise<string>}
 */
async function defaultBucket(aws, region) {
  const { Account: account } = await aws("sts", "get-caller-identity");
  const bucketRegion =
    region ??
    process.env.AWS_REGION ??
    process.env.AWS_DEFAULT_REGION ??
    (await aws("configure", "get", ["region"], { json: false })).trim();
  if (!bucketRegion) throw new UsageError("no region: pass --region or configure one for the AWS CLI");
  const bucket = `pod-routes-artifacts-${account}-${bucketRegion}`;
  try {
    await aws("s3api", "head-bucket", ["--bucket", bucket]);
  } catch {
    console.log(`creating bucket ${bucket}…`);
    const location =
      bucketRegion === "us-east-1" ? [] : ["--create-bucket-configuration", `LocationConstraint=${bucketRegion}`];
    await aws("s3api", "create-bucket", [
      "--bucket",
      bucket,
      ...location,
      ...(region ? [] : ["--region", bucketRegion]),
    ]);
  }
  return bucket;
}

/**
 * CloudFormation's short-form tags, read as plain values: only the Parameters section is needed.
 * @returns {import("yaml").Tags}
 */
function cfnTags() {
  const names = [
    "Ref",
    "Sub",
    "GetAtt",
    "ImportValue",
    "If",
    "Not",
    "Equals",
    "Join",
    "Split",
    "Select",
    "FindInMap",
    "Base64",
    "GetAZs",
    "And",
    "Or",
    "Condition",
    "Cidr",
  ];
  return names.flatMap((name) =>
    ["scalar", "seq", "map"].map((collection) => ({
      tag: `!${name}`,
      collection: collection === "scalar" ? undefined : /** @type {"seq" | "map"} */ (collection),
      resolve: (/** @type {unknown} */ value) => value,
    })),
  );
}
