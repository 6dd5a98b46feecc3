// The tools outside npm that the tests call, each missing one named on a line of its own with the command
// that installs it, before anything runs. Never fails by itself: the unit tests still run, and the tests
// that need a missing tool fail saying so. On a terminal, offers to install moto into .venv.
import { spawn } from "node:child_process";
import { offerInstall } from "./emulator/install.mjs";
import { motoProblem } from "./emulator/python.mjs";

/**
 * Whether the command exits 0. Started at once and awaited later: the checks run side by side.
 * @param {string} command @param {string[]} args @param {string} problem what to say when it does not
 * @returns {Promise<string | undefined>}
 */
const check = (command, args, problem) =>
  new Promise((resolve) => {
    const child = spawn(command, args, { stdio: "ignore" });
    child.on("error", () => resolve(problem));
    child.on("exit", (code) => resolve(code === 0 ? undefined : problem));
  });

const others = [
  check(
    "python3",
    ["-c", "import samtranslator"],
    "missing: the AWS SAM translator (Python), for the template tests. Install it: python3 -m pip install aws-sam-translator",
  ),
  check(
    "cfn-lint",
    ["--version"],
    "missing: cfn-lint, for the template tests. Install it: python3 -m pip install cfn-lint",
  ),
  check(
    "make",
    ["--version"],
    "missing: make, for the sam build test (the function's Makefile). Install it: sudo apt-get install make",
  ),
  check(
    "aws",
    ["--version"],
    "missing: the AWS CLI, for the deploy script's tests. Install it: python3 -m pip install awscli",
  ),
];
const moto = motoProblem();
const missing = [moto, ...(await Promise.all(others))].filter(Boolean);
for (const line of missing) console.error(line);
if (moto !== undefined) await offerInstall();
