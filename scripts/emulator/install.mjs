// `npm run emulator:install`: the pinned moto server in this project's own virtual environment (.venv),
// which the tests, `npm start` and `npm run emulator` then use. Also offered by the tool check.
import { spawnSync } from "node:child_process";
import { createInterface } from "node:readline/promises";
import { MOTO_REQUIREMENT, PROJECT_VENV } from "./python.mjs";

/** True when pip can reach its package index within a few seconds. */
export function pipReachesIndex() {
  const probe = spawnSync(
    "python3",
    [
      "-m",
      "pip",
      "install",
      "--dry-run",
      "--ignore-installed",
      "--no-deps",
      "--quiet",
      "--retries",
      "0",
      "--timeout",
      "5",
      MOTO_REQUIREMENT,
    ],
    { encoding: "utf8", timeout: 20_000 },
  );
  return probe.status === 0;
}

/** Makes .venv and installs moto there; returns whether it worked. */
export function installMoto() {
  console.error(`installing ${MOTO_REQUIREMENT} into ${PROJECT_VENV} ...`);
  /** @type {Array<[string, string[]]>} */
  const steps = [
    ["python3", ["-m", "venv", PROJECT_VENV]],
    [`${PROJECT_VENV}/bin/python`, ["-m", "pip", "install", "--quiet", MOTO_REQUIREMENT]],
  ];
  for (const [command, args] of steps) {
    if (spawnSync(command, args, { stdio: "inherit" }).status !== 0) {
      console.error(`failed: ${command} ${args.join(" ")}`);
      return false;
    }
  }
  console.error(
    `installed: ${MOTO_REQUIREMENT} in ${PROJECT_VENV}; the tests and the emulator use it from now on (unless MOTO_PYTHON names another Python)`,
  );
  return true;
}

/** Asks on a terminal (never in CI) whether to install moto, when pip can reach an index. */
export async function offerInstall() {
  if (!process.stdin.isTTY || process.env["CI"] || !pipReachesIndex()) return false;
  const terminal = createInterface({ input: process.stdin, output: process.stderr });
  const answer = await terminal.question(`Install ${MOTO_REQUIREMENT} into this project's .venv now? [y/N] `);
  terminal.close();
  return /^y(es)?$/i.test(answer.trim()) && installMoto();
}

if (import.meta.filename === process.argv[1]) process.exitCode = installMoto() ? 0 : 1;
