import { defineConfig, mergeConfig } from "vitest/config";
import base from "./vitest.config.js";

/** `npm run bench`: scenarios that print figures. Not part of `npm test`; nothing here is timed or asserted. */
export default mergeConfig(
  { test: { env: base.test?.env } },
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
