// Argument handling shared by the operator scripts: node:util's parser, --help, and one clear line
// (then exit 2) for a bad argument, so a mistake never reaches AWS.
import { parseArgs } from "node:util";

export class UsageError extends Error {}

/**
 * @template {NonNullable<import("node:util").ParseArgsConfig["options"]>} Options
 * @typedef {ReturnType<typeof parseArgs<{ options: Options; strict: true; allowPositionals: true }>>} Parsed
 */

/**
 * Parses argv; prints `usage` and exits 0 on --help. Throws UsageError on anything unknown.
 * @template {NonNullable<import("node:util").ParseArgsConfig["options"]>} Options
 * @param {string[]} argv
 * @param {{ options: Options; usage: string; positionals?: boolean }} spec
 * @returns {Parsed<Options>}
 */
export function parse(argv, { options, usage, positionals = false }) {
  /** @type {ReturnType<typeof parseArgs>} */
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: { ...options, help: { type: "boolean", short: "h" } },
      allowPositionals: positionals,
      strict: true,
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  if (parsed.values["help"]) {
    console.log(usage);
    process.exit(0);
  }
  return /** @type {Parsed<Options>} */ (/** @type {unknown} */ (parsed));
}

/**
 * Runs a script's main; a UsageError prints the message and a pointer to --help and exits 2.
 * @param {string} name
 * @param {() => Promise<number | undefined>} body
 */
export async function main(name, body) {
  try {
    process.exitCode = (await body()) ?? 0;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof UsageError) {
      console.error(`${name}: ${message}\nTry '${name} --help'.`);
      process.exitCode = 2;
    } else {
      console.error(`${name}: ${message}`);
      process.exitCode = 1;
    }
  }
}

/**
 * @param {Readonly<Record<string, unknown>>} values
 * @param {string} key
 * @returns {string}
 */
export function required(values, key) {
  const value = values[key];
  if (typeof value !== "string" || value === "") throw new UsageError(`--${key} is required`);
  return value;
}

const STACK_NAME = /^[A-Za-z][-A-Za-z0-9]{0,127}$/;

/**
 * @param {string | undefined} value
 * @param {string} option
 * @returns {string}
 */
export function stackName(value, option = "stack-name") {
  if (value === undefined || !STACK_NAME.test(value)) {
    throw new UsageError(
      `--${option} ${JSON.stringify(value ?? "")} is not a CloudFormation stack name ` +
        "(a letter, then letters, digits or hyphens, at most 128)",
    );
  }
  return value;
}
