// Argument handling shared by the operator scripts: node:util's parser, --help, and one clear line
// (then exit 2) for a bad argument, so a mistake never reaches AWS.
import { parseArgs } from "node:util";

export class UsageError extends Error {}

/** Parses argv; prints `usage` and exits 0 on --help. Throws UsageError on anything unknown. */
export function parse(argv, { options, usage, positionals = false }) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: { ...options, help: { type: "boolean", short: "h" } },
      allowPositionals: positionals,
      strict: true,
    });
  } catch (error) {
    throw new UsageError(error.message);
  }
  if (parsed.values.help) {
    console.log(usage);
    process.exit(0);
  }
  return parsed;
}

/** Runs a script's main; a UsageError prints the message and a pointer to --help and exits 2. */
export async function main(name, body) {
  try {
    process.exitCode = (await body()) ?? 0;
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`${name}: ${error.message}\nTry '${name} --help'.`);
      process.exitCode = 2;
    } else {
      console.error(`${name}: ${error.message}`);
      process.exitCode = 1;
    }
  }
}

export function required(values, key) {
  if (values[key] === undefined || values[key] === "") throw new UsageError(`--${key} is required`);
  return values[key];
}

const STACK_NAME = /^[A-Za-z][-A-Za-z0-9]{0,127}$/;

export function stackName(value, option = "stack-name") {
  if (!STACK_NAME.test(value))
    throw new UsageError(
      `--${option} ${JSON.stringify(value)} is not a CloudFormation stack name (a letter, then letters, digits or hyphens, at most 128)`,
    );
  return value;
}
