import type { TestProject } from "vitest/node";
import { MotoMissingError, startMoto, type Moto } from "../../scripts/emulator/moto.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** One moto server per test worker (comma-separated): a worker's files run one at a time on its own. */
    motoEndpoints: string;
    /** Why there is no moto server, when there is none. */
    motoMissing: string;
  }
}

/** As many servers as vitest runs workers (vitest.config.ts's maxWorkers). */
const SERVERS = 2;

/**
 * moto servers for the run, one per worker, each reset before every test of the files that worker runs.
 * Without moto, each file that needs it fails saying so, and the other projects' tests still run.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // The emulated account's "Routes per route table" quota: AWS's largest (1,000) unless a config says.
  const quota = project.config.env["ROUTES_PER_ROUTE_TABLE"];
  const started = await Promise.all(
    Array.from({ length: SERVERS }, () =>
      startMoto(quota ? { routesPerTable: Number(quota) } : {}).catch((error: unknown) => {
        if (error instanceof MotoMissingError) return error;
        throw error;
      }),
    ),
  );
  const missing = started.find((moto) => moto instanceof MotoMissingError);
  const servers = started.filter((moto): moto is Moto => !(moto instanceof MotoMissingError));
  project.provide("motoEndpoints", servers.map((moto) => moto.endpoint).join(","));
  project.provide("motoMissing", missing?.message ?? "");
  return async () => {
    await Promise.all(servers.map((moto) => moto.stop()));
  };
}
