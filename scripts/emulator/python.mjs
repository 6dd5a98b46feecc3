// Which Python runs the emulator, whether it has moto, and how to get it: shared by the tests, the
// emulator, `npm start` and the tool check, all before anything is built.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { resolve } from "node:path";

/** The pinned emulator, as pip names it. */
export const MOTO_REQUIREMENT = "moto[server]==5.2.1";

const PROJECT = resolve(import.meta.dirname, "../..");
/** The project's own virtual environment, made by `npm run emulator:install`. */
export const PROJECT_VENV = resolve(PROJECT, ".venv");

/**
 * The Python that runs moto: MOTO_PYTHON, else the project's .venv when there is one, else python3.
 * @param {string} [root] the project (where .venv is), when this file has been bundled elsewhere
 */
export function motoPython(root = PROJECT) {
  const projectPython = resolve(root, ".venv/bin/python");
  return process.env["MOTO_PYTHON"] ?? (existsSync(projectPython) ? projectPython : "python3");
}

/**
 * Undefined when that Python imports moto 5.2's server; else one line: what is missing and the install command.
 * @param {string} [root]
 * @returns {string | undefined}
 */
export function motoProblem(root = PROJECT) {
  const python = motoPython(root);
  const probe = spawnSync(python, ["-c", "import moto, moto.server; print(moto.__version__)"], { encoding: "utf8" });
  if (probe.status === 0 && probe.stdout.startsWith("5.2.")) return undefined;
  const found =
    probe.error !== undefined
      ? `${python} cannot be run (${probe.error.message})`
      : probe.status === 0
        ? `${python} has moto ${probe.stdout.trim()}, not 5.2`
        : `${python} has no moto server`;
  return (
    `missing: moto server 5.2 (the emulated AWS; ${found}). Install it: python3 -m pip install '${MOTO_REQUIREMENT}', ` +
    "or npm run emulator:install (into this project's .venv), or set MOTO_PYTHON to a Python that has it"
  );
}
