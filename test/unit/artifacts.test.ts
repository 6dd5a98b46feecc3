import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { defaultBucketName, ensureBucket, uploadBundle, verifyDeployedCode } from "../../scripts/lib/artifacts.mjs";

afterEach(() => vi.unstubAllEnvs());

/** A stand-in for the AWS CLI: records each call, answers head-bucket as told. */
function fakeAws(headBucket: (call: number) => Error | undefined) {
  const calls: string[][] = [];
  let heads = 0;
  const aws = (service: string, command: string, args: string[] = []): Promise<unknown> => {
    calls.push([service, command, ...args]);
    const error = command === "head-bucket" ? headBucket(heads++) : undefined;
    return error ? Promise.reject(error) : Promise.resolve(command === "get" ? "us-east-1" : {});
  };
  return { aws, calls };
}

const notFound = () =>
  new Error("aws s3api head-bucket failed: An error occurred (404) when calling the HeadBucket operation: Not Found");
const forbidden = () =>
  new Error("aws s3api head-bucket failed: An error occurred (403) when calling the HeadBucket operation: Forbidden");

describe("the deploy's artifact bucket", () => {
  it("refuses a bucket another account owns, and uploads nothing", async () => {
    const { aws, calls } = fakeAws(() => forbidden());

    await expect(
      ensureBucket(aws, "pod-routes-artifacts-123456789012-us-east-1", "123456789012", "us-east-1"),
    ).rejects.toThrow(
      "bucket pod-routes-artifacts-123456789012-us-east-1 exists but account 123456789012 does not own it",
    );
    expect(calls.map((call) => call[1])).toEqual(["head-bucket"]);
  });

  it("creates a missing bucket private and encrypted, naming the expected owner on every S3 call after the create", async () => {
    const { aws, calls } = fakeAws((n) => (n === 0 ? notFound() : undefined));

    await ensureBucket(aws, "artifacts", "123456789012", "eu-west-1");

    expect(calls.map((call) => call[1])).toEqual([
      "head-bucket",
      "create-bucket",
      "head-bucket",
      "put-public-access-block",
      "put-bucket-encryption",
    ]);
    for (const call of calls.filter((c) => c[1] !== "create-bucket")) {
      expect(call.slice(-2), call[1]).toEqual(["--expected-bucket-owner", "123456789012"]);
    }
    expect(calls[1]).toContain("LocationConstraint=eu-west-1");
    expect(calls[3]!.join(" ")).toContain(
      "BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true",
    );
  });

  it("takes the region from AWS_REGION when the AWS CLI has none configured, for the name and the create", async () => {
    const { aws: answering, calls } = fakeAws((n) => (n === 0 ? notFound() : undefined));
    // `aws configure get region` exits 1 when nothing is configured.
    const aws = (service: string, command: string, args: string[] = []) =>
      command === "get" ? Promise.reject(new Error("aws configure get failed")) : answering(service, command, args);
    vi.stubEnv("AWS_REGION", "eu-west-1");
    vi.stubEnv("AWS_DEFAULT_REGION", "");

    const bucket = await defaultBucketName(aws, "123456789012", undefined);
    await ensureBucket(aws, bucket, "123456789012", undefined);

    expect(bucket).toBe("pod-routes-artifacts-123456789012-eu-west-1");
    expect(calls[1]).toContain("LocationConstraint=eu-west-1");
  });

  it("names every place a region may come from when none does", async () => {
    const aws = () => Promise.reject(new Error("aws configure get failed"));
    vi.stubEnv("AWS_REGION", "");
    vi.stubEnv("AWS_DEFAULT_REGION", "");
    await expect(defaultBucketName(aws, "123456789012", undefined)).rejects.toThrow(
      "no region: pass --region, set AWS_REGION, or configure one for the AWS CLI",
    );
  });
});

/** A build's output folder holding a bundle and its map. */
async function builtBundle(code: string): Promise<string> {
  const dist = await mkdtemp(join(tmpdir(), "pod-routes-dist-"));
  await mkdir(join(dist, "pod-routes"));
  await writeFile(join(dist, "pod-routes/index.mjs"), code);
  await writeFile(join(dist, "pod-routes/index.mjs.map"), "{}");
  return dist;
}

describe("the deployed code", () => {
  const uploads = async (aws: (s: string, c: string, a?: string[]) => Promise<unknown>, dist: string) =>
    uploadBundle(aws, "artifacts", "123456789012", dist);

  it("is the same zip, with the same CodeSha256, when the same bundle is built again", async () => {
    const { aws, calls } = fakeAws(() => undefined);
    const dist = await builtBundle("export const handler = 1;");
    const first = await uploads(aws, dist);
    const zip = await readFile(join(dist, "pod-routes.zip"));
    await utimes(join(dist, "pod-routes/index.mjs"), new Date(2030, 0, 1), new Date(2030, 0, 1));
    const second = await uploads(aws, dist);

    expect(second).toEqual(first);
    expect(first.codeSha256).toBe(createHash("sha256").update(zip).digest("base64"));
    expect(calls.map((call) => call.slice(0, 2).join(" "))).toEqual(["s3api put-object", "s3api put-object"]);
    expect((await uploads(aws, await builtBundle("export const handler = 2;"))).key).not.toBe(first.key);
  });

  it("fails the deploy when Lambda runs any other zip, naming both digests and where to look", async () => {
    const answer = (CodeSha256: string) => () => Promise.resolve({ CodeSha256 });
    await expect(verifyDeployedCode(answer("built="), "pod-routes-fn", "built=", "s3://b/k.zip")).resolves.toBe(
      undefined,
    );
    await expect(verifyDeployedCode(answer("other="), "pod-routes-fn", "built=", "s3://b/k.zip")).rejects.toThrow(
      "function pod-routes-fn runs code with SHA-256 other=, not the bundle this deploy built and uploaded to s3://b/k.zip (built=)",
    );
  });
});
