#!/usr/bin/env node
// Builds the bundle, packages the SAM template, deploys the stack and prints its outputs.
import { execFile } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { defaultBucketName, ensureBucket, uploadBundle, verifyDeployedCode } from "./lib/artifacts.mjs";
import { awsCli, connectionHelp, connectionOptions, stackOutputs } from "./lib/aws.mjs";
import { cfnTags } from "./lib/cfn-tags.mjs";
import { main, parse, required, stackName, UsageError } from "./lib/cli.mjs";

const usage = `Usage: scripts/deploy.mjs --stack-name NAME [options]

Builds pod-routes (npm run build), uploads the bundle to S3 and deploys infra/template.yaml. With no
parameters it plugs into "Kubernetes the hard way on AWS": the route table exported as hard-k8s-rtb,
cluster CIDR 10.200.0.0/16, pod-CIDR tag pod-cidr.

Options:
  --stack-name NAME      the stack to create or update (required)
  --parameter KEY=VALUE  a template parameter, e.g. WorkerGroupNames=hard-k8s-workers (repeatable)
  --bucket NAME          S3 bucket for the code, owned by this account (default:
                         pod-routes-artifacts-ACCOUNT-REGION, created private and encrypted if missing;
                         refused if another account owns it)
  --package-only         build and package, print the packaged template's path, deploy nothing: all
                         that works against the emulator (moto's CloudFormation cannot create the
                         stack's FIFO queues)
${connectionHelp}
  -h, --help             this help`;

const root = resolve(import.meta.dirname, "..");
const PARAMETER = /^[A-Za-z0-9]+=.*$/s;
const MAX_STACK_NAME = 80 - "-events.fifo".length;
/** The template's local code: the project, which `sam build` builds; this script uploads the bundle instead. */
const LOCAL_CODE = "      CodeUri: ..\n";

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
  // The event queue is named STACK-events.fifo, and a queue name has at most 80 characters.
  if (stack.length > MAX_STACK_NAME)
    throw new UsageError(
      `--stack-name ${stack}: at most ${MAX_STACK_NAME} characters (the event queue is named after it)`,
    );
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
  // Every S3 call names the account that must own the bucket: a bucket someone else created under the
  // expected name (bucket sniping) is refused rather than handed the code.
  const { Account: owner } = /** @type {{ Account: string }} */ (await aws("sts", "get-caller-identity"));
  const bucket = values.bucket ?? (await defaultBucketName(aws, owner, values.region));
  await ensureBucket(aws, bucket, owner, values.region);
  const packaged = resolve(root, "dist/packaged-template.yaml");
  const { key, codeSha256 } = await uploadBundle(aws, bucket, owner, resolve(root, "dist"));
  console.log(`uploaded s3://${bucket}/${key}`);
  const source = await readFile(resolve(root, "infra/template.yaml"), "utf8");
  if (!source.includes(LOCAL_CODE)) throw new Error(`infra/template.yaml no longer has "${LOCAL_CODE.trim()}"`);
  await writeFile(packaged, source.replace(LOCAL_CODE, `      CodeUri: s3://${bucket}/${key}\n`));
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
  if (!outputs.FunctionName) throw new Error(`stack ${stack} has no FunctionName output: its code cannot be checked`);
  await verifyDeployedCode(aws, outputs.FunctionName, codeSha256, `s3://${bucket}/${key}`);
  console.log(`\nthe function runs the bundle built here (CodeSha256 ${codeSha256})`);
  return 0;
});
