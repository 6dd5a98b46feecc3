import { execFile } from "node:child_process";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { resolveTemplate } from "../support/cfn.js";

const run = promisify(execFile);
const root = resolve(import.meta.dirname, "../..");
const python = process.env["MOTO_PYTHON"] ?? "python3";
const guardPackage = resolve(root, "node_modules/@cdklabs/cdk-validator-cfnguard");
/** The cfn-guard binary the npm package ships for this machine. */
const guard = resolve(guardPackage, "bin/ubuntu", process.arch === "arm64" ? "aarch64" : "x86_64", "cfn-guard");
const rules = ["identityandaccessmanagement", "lambda", "sqs", "cloudwatch"].map((service) =>
  resolve(guardPackage, "rules/control-tower/cfn-guard", service),
);

type Json = Record<string, any>;

/** The Control Tower rules each resource fails, as cfn-guard reports them. */
async function failures(parameters: Record<string, string>): Promise<string[]> {
  const { stdout } = await run(python, [
    resolve(root, "test/support/sam_transform.py"),
    resolve(root, "infra/template.yaml"),
    JSON.stringify(parameters),
  ]);
  const data = join(await mkdtemp(join(tmpdir(), "pod-routes-guard-")), "template.json");
  await writeFile(data, JSON.stringify(resolveTemplate(JSON.parse(stdout) as Json, parameters)));
  const args = ["validate", "--data", data, ...rules.flatMap((r) => ["--rules", r]), "--structured"];
  const output = await run(guard, [...args, "--output-format", "json", "--show-summary", "none"]).then(
    ({ stdout: out }) => out,
    (error: { stdout: string }) => error.stdout,
  );
  const template = JSON.parse(await readFile(data, "utf8")) as Json;
  /** A rule a resource suppresses in its Metadata (guard.SuppressedRules), with the reason beside it. */
  const suppressed = (resource: string, rule: string) =>
    (
      (template["Resources"][resource]?.["Metadata"]?.["guard"]?.["SuppressedRules"] as string[] | undefined) ?? []
    ).includes(rule);
  return (JSON.parse(output) as Json[])
    .flatMap((report) => (report["not_compliant"] as Json[] | undefined) ?? [])
    .flatMap((item) => {
      const rule = item["Rule"] as Json;
      const resources = [...JSON.stringify(rule).matchAll(/\/Resources\/(\w+)/g)].map((m) => m[1]!);
      return [...new Set(resources)]
        .filter((resource) => !suppressed(resource, rule["name"] as string))
        .map((resource) => `${rule["name"]}: ${resource}`);
    })
    .sort();
}

/** The settings a security-minded operator gives: alarm topic, a KMS key, logs kept a year. */
const HARDENED = {
  WorkerGroupNames: "hard-k8s-workers",
  AlarmTopicArn: "arn:aws:sns:us-east-1:123456789012:pod-routes-alarms",
  KmsKeyArn: "arn:aws:kms:us-east-1:123456789012:key/0a1b2c3d-4e5f-4a1b-8c2d-3e4f5a6b7c8d",
  LogRetentionDays: "365",
};

describe("AWS Control Tower's cfn-guard rules (IAM, Lambda, SQS, CloudWatch) on the transformed template", () => {
  it("pass with an alarm topic, a KMS key and a year of logs; the suppressions are in the template, with reasons", async () => {
    expect(await failures(HARDENED)).toEqual([]);
  }, 60_000);

  it("with the defaults, fail only on what those settings are for: alarm actions, log encryption and retention", async () => {
    const rulesFailed = [...new Set((await failures({})).map((failure) => failure.split(":")[0]))];
    expect(rulesFailed).toEqual([
      "cloudwatch_alarm_action_check",
      "cloudwatch_log_group_encrypted_check",
      "cloudwatch_log_group_retention_period_check",
    ]);
  }, 60_000);
});
