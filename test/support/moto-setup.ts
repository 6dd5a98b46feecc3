import type { TestProject } from "vitest/node";
import { MotoMissingError, startMoto } from "../../scripts/emulator/moto.js";

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
  const moto = await startMoto().catch((error: unknown) => {
    if (error instanceof MotoMissingError) return error;
    throw error;
  });
  if (moto instanceof MotoMissingError) {
    project.provide("motoEndpoint", "");
    project.provide("motoMissing", moto.message);
    return async () => {};
  }
  project.provide("motoEndpoint", moto.endpoint);
  project.provide("motoMissing", "");
  return () => moto.stop();
}
