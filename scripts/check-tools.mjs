// The tools outside npm that the tests call, each missing one named on a line of its own with the command
// that installs it, before anything runs. Never fails by itself: the unit tests still run, and the tests
// that need a missing tool fail saying so. On a terminal, offers to install moto into .venv.
import { spawnSync } from "node:child_process";
import { offerInstall } from "./emulator/install.mjs";
import { motoProblem } from "./emulator/python.mjs";

/** @param {string} command @param {string[]} args */
const runs = (command, args) => spawnSync(command, args, { stdio: "ignore" }).status === 0;

const moto = motoProblem();
const missing = [
  moto,
  !runs("python3", ["-c", "import samtranslator"]) &&
    "missing: the AWS SAM translator (Python), for the template tests. Install it: python3 -m pip install aws-sam-translator",
  !runs("cfn-lint", ["--version"]) &&
    "missing: cfn-lint, for the template tests. Install it: python3 -m pip install cfn-lint",
  !runs("aws", ["--version"]) &&
    "missing: the AWS CLI, for the deploy script's tests. Install it: python3 -m pip install awscli",
].filter(Boolean);
for (const line of missing) console.error(line);
if (moto !== undefined) await offerInstall();
