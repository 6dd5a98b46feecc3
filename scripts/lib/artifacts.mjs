// The deploy's S3 side: the artifact bucket, checked for its owner on every call, and the bundle's upload.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { readFile, rm } from "node:fs/promises";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { UsageError } from "./cli.mjs";

/**
 * The region the deploy works in: --region, else the environment (the SDK's AWS_REGION, the AWS CLI's
 * AWS_DEFAULT_REGION), else the AWS CLI's configuration.
 * @param {import("./aws.mjs").Aws} aws
 * @param {string | undefined} region
 * @returns {Promise<string>}
 */
export async function deployRegion(aws, region) {
  const found =
    region ||
    process.env.AWS_REGION ||
    process.env.AWS_DEFAULT_REGION ||
    (await aws("configure", "get", ["region"], { json: false }).catch(() => "")).trim();
  if (!found) throw new UsageError("no region: pass --region, set AWS_REGION, or configure one for the AWS CLI");
  return found;
}

/**
 * One bucket per account and region: pod-routes-artifacts-ACCOUNT-REGION.
 * @param {import("./aws.mjs").Aws} aws
 * @param {string} account
 * @param {string | undefined} region
 * @returns {Promise<string>}
 */
export async function defaultBucketName(aws, account, region) {
  return `pod-routes-artifacts-${account}-${await deployRegion(aws, region)}`;
}

/**
 * Uses the bucket if this account owns it; creates it, private and encrypted, if nobody does; refuses it
 * if another account does (S3 answers 403 to a head-bucket whose expected owner is not the owner).
 * @param {import("./aws.mjs").Aws} aws
 * @param {string} bucket
 * @param {string} owner
 * @param {string | undefined} region
 */
export async function ensureBucket(aws, bucket, owner, region) {
  const expected = ["--expected-bucket-owner", owner];
  try {
    await aws("s3api", "head-bucket", ["--bucket", bucket, ...expected]);
    return;
  } catch (error) {
    if (!/\b404\b|Not Found/i.test(String(error))) {
      throw new Error(
        `bucket ${bucket} exists but account ${owner} does not own it (or may not use it): pod-routes will ` +
          "not upload its code there. Pass --bucket with a bucket of this account.",
        { cause: error },
      );
    }
  }
  console.log(`creating bucket ${bucket}…`);
  const bucketRegion = await deployRegion(aws, region);
  const location =
    bucketRegion !== "us-east-1" ? ["--create-bucket-configuration", `LocationConstraint=${bucketRegion}`] : [];
  await aws("s3api", "create-bucket", ["--bucket", bucket, ...location]);
  // Created by someone else between the two calls? Then this fails too.
  await aws("s3api", "head-bucket", ["--bucket", bucket, ...expected]);
  await aws("s3api", "put-public-access-block", [
    "--bucket",
    bucket,
    "--public-access-block-configuration",
    "BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true",
    ...expected,
  ]);
  await aws("s3api", "put-bucket-encryption", [
    "--bucket",
    bucket,
    "--server-side-encryption-configuration",
    JSON.stringify({ Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }] }),
    ...expected,
  ]);
}

/**
 * Python's standard library zips (so no zip tool or package is needed), with fixed times and modes: the
 * same files make the same zip, whose digest Lambda reports after the deploy.
 */
const DETERMINISTIC_ZIP = `
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as archive:
    for name in sys.argv[2:]:
        entry = zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0))
        entry.external_attr = 0o644 << 16
        entry.compress_type = zipfile.ZIP_DEFLATED
        with open(name, "rb") as source:
            archive.writestr(entry, source.read())
`;

/**
 * Zips the built bundle (what `sam build` and `aws cloudformation package` would ship) and uploads it
 * under a key named by its content, so an unchanged bundle is the same object.
 * @param {import("./aws.mjs").Aws} aws
 * @param {string} bucket
 * @param {string} owner
 * @param {string} dist the build's output folder
 * @returns {Promise<{ key: string; codeSha256: string }>} the object's key, and the zip's SHA-256 as
 *   Lambda reports it (`CodeSha256`, base64)
 */
export async function uploadBundle(aws, bucket, owner, dist) {
  const folder = resolve(dist, "pod-routes");
  const files = ["index.mjs", "index.mjs.map"];
  const hash = createHash("sha256");
  for (const file of files) hash.update(await readFile(resolve(folder, file)));
  const zip = resolve(dist, "pod-routes.zip");
  await rm(zip, { force: true });
  await promisify(execFile)("python3", ["-c", DETERMINISTIC_ZIP, zip, ...files], { cwd: folder }).catch((error) => {
    throw new Error(`zipping the bundle needs python3 on the PATH: ${String(error)}`, { cause: error });
  });
  const key = `pod-routes/${hash.digest("hex").slice(0, 32)}.zip`;
  await aws("s3api", "put-object", ["--bucket", bucket, "--key", key, "--body", zip, "--expected-bucket-owner", owner]);
  return {
    key,
    codeSha256: createHash("sha256")
      .update(await readFile(zip))
      .digest("base64"),
  };
}

/**
 * Fails unless the deployed function runs the zip this deploy built: an object changed in the bucket
 * between the upload and the deploy (by anyone who may write to it) would otherwise run unnoticed.
 * @param {import("./aws.mjs").Aws} aws
 * @param {string} functionName
 * @param {string} codeSha256 the built zip's, base64
 * @param {string} location where the zip was uploaded, for the message
 */
export async function verifyDeployedCode(aws, functionName, codeSha256, location) {
  /** @type {{ CodeSha256?: string }} */
  const deployed = await aws("lambda", "get-function-configuration", ["--function-name", functionName]);
  if (deployed.CodeSha256 !== codeSha256) {
    throw new Error(
      `function ${functionName} runs code with SHA-256 ${deployed.CodeSha256 ?? "(none reported)"}, not the ` +
        `bundle this deploy built and uploaded to ${location} (${codeSha256}): the object was replaced after ` +
        `the upload, or another deploy ran meanwhile. Find who wrote it (CloudTrail's S3 data events), ` +
        `then deploy again.`,
    );
  }
}
