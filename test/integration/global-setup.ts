import type { TestProject } from "vitest/node";
import { startMoto } from "../../scripts/emulator/moto.js";
import { motoProblem } from "../../scripts/emulator/python.mjs";

declare module "vitest" {
  export interface ProvidedContext {
    motoEndpoint: string;
    /** Why there is no moto server, when there is none. */
    motoMissing: string;
  }
}

/**
 * One moto server for the integration run; test files run one at a time and reset it per test. Without
 * moto, each integration file fails saying so, and the other projects' tests still run.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const missing = motoProblem();
  if (missing !== undefined) {
    project.provide("motoEndpoint", "");
    project.provide("motoMissing", missing);
    return async () => {};
  }
  const moto = await startMoto();
  project.provide("motoEndpoint", moto.endpoint);
  project.provide("motoMissing", "");
  return () => moto.stop();
}
