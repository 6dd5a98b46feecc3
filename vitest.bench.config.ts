import { defineConfig, mergeConfig } from "vitest/config";
import base from "./vitest.config.js";

/** `npm run bench`: scenarios that print figures. Not part of `npm test`; nothing here is timed or asserted. */
export default mergeConfig(
  {
    test: {
      env: {
        ...base.test?.env,
        // The growth bench's largest cluster, 1,000 workers and 100 launches in one table, needs more routes
        // than AWS's largest quota (1,000 a table): lifted here, so the figures are pod-routes', not the quota's.
        ROUTES_PER_ROUTE_TABLE: "2000",
      },
    },
  },
  defineConfig({
    test: {
      include: ["test/bench/**/*.bench.ts"],
      globalSetup: ["test/support/moto-setup.ts"],
      fileParallelism: false,
      testTimeout: 600_000,
      hookTimeout: 120_000,
      reporters: ["dot"],
    },
  }),
);
