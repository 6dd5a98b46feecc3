import { describe, expect, it } from "vitest";
import { ensureBucket } from "../../scripts/lib/artifacts.mjs";

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
});
