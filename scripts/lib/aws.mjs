// The AWS CLI, as the operator scripts call it: the same credentials, region and profile the operator
// uses, and an optional endpoint for trying a script against an emulator.
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** The options every script takes for reaching AWS, in node:util parseArgs form. */
export const connectionOptions = /** @type {const} */ ({
  region: { type: "string" },
  profile: { type: "string" },
  "endpoint-url": { type: "string" },
});

/** @typedef {{ region?: string; profile?: string; "endpoint-url"?: string }} Connection */

/**
 * One AWS CLI call: its parsed JSON output (typed by the caller, as the CLI's output is per command),
 * or its text with `json: false`.
 * @typedef {(service: string, command: string, args?: string[], options?: { json?: boolean }) => Promise<any>} Aws
 */

export const connectionHelp = `  --region REGION        AWS region (default: the CLI's configuration)
  --profile PROFILE      AWS CLI profile
  --endpoint-url URL     send every AWS call to this endpoint (an emulator)`;

/**
 * Calls `aws SERVICE COMMAND ARGS...` and returns its JSON output (undefined when it prints none).
 * @param {Connection} connection
 * @returns {Aws}
 */
export function awsCli({ region, profile, "endpoint-url": endpointUrl } = {}) {
  const common = [
    ...(region ? ["--region", region] : []),
    ...(profile ? ["--profile", profile] : []),
    ...(endpointUrl ? ["--endpoint-url", endpointUrl] : []),
  ];
  return async function aws(service, command, args = [], { json = true } = {}) {
    try {
      const { stdout } = await run(
        "aws",
        [service, command, ...args, ...common, ...(json ? ["--output", "json"] : [])],
        { maxBuffer: 64 * 1024 * 1024 },
      );
      return json && stdout.trim() ? JSON.parse(stdout) : stdout;
    } catch (error) {
      const { stderr, message } = /** @type {{ stderr?: string; message?: string }} */ (error);
      const detail = (stderr || message || "").trim();
      throw new Error(`aws ${service} ${command} failed: ${detail}`, { cause: error });
    }
  };
}

/**
 * The stack's outputs as a plain object; fails with a clear message when the stack does not exist.
 * @param {Aws} aws
 * @param {string} stackName
 * @returns {Promise<Record<string, string | undefined>>}
 */
export async function stackOutputs(aws, stackName) {
  /** @type {{ Stacks?: Array<{ Outputs?: Array<{ OutputKey: string; OutputValue: string }> }> }} */
  const described = await aws("cloudformation", "describe-stacks", ["--stack-name", stackName]);
  return Object.fromEntries(
    (described.Stacks?.[0]?.Outputs ?? []).map((output) => [output.OutputKey, output.OutputValue]),
  );
}

/**
 * Invokes a function synchronously with a JSON payload; returns its JSON response and whether it failed.
 * @param {Aws} aws
 * @param {string} functionName
 * @param {unknown} payload
 * @returns {Promise<{ response: any; failed: boolean }>}
 */
export async function invokeFunction(aws, functionName, payload) {
  const scratch = await mkdtemp(join(tmpdir(), "pod-routes-invoke-"));
  try {
    await writeFile(join(scratch, "payload.json"), JSON.stringify(payload));
    /** @type {{ FunctionError?: string }} */
    const result = await aws("lambda", "invoke", [
      "--function-name",
      functionName,
      "--payload",
      `fileb://${join(scratch, "payload.json")}`,
      join(scratch, "response.json"),
    ]);
    return {
      response: JSON.parse(await readFile(join(scratch, "response.json"), "utf8")),
      failed: Boolean(result.FunctionError),
    };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
