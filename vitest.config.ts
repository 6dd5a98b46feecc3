import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    env: {
      POWERTOOLS_LOG_LEVEL: "SILENT",
      POWERTOOLS_METRICS_DISABLED: "true",
      // The SDK warns that its Node 20 support ends in 2027; the Lambda itself runs nodejs22.x.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    },
    reporters: ["default", "json"],
    outputFile: { json: "reports/vitest.json" },
    projects: [
      {
        extends: true,
        test: { name: "unit", include: ["test/unit/**/*.test.ts"] },
      },
      {
        extends: true,
        // Whole invocations on the fake cloud, which plays AWS's documented behaviour in memory.
        test: { name: "scenarios", include: ["test/scenarios/**/*.test.ts"] },
      },
      {
        extends: true,
        // cfn-lint and the SAM translator (Python), on the template and its examples.
        test: { name: "infra", include: ["test/infra/**/*.test.ts"], testTimeout: 120_000 },
      },
      {
        extends: true,
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          globalSetup: ["test/integration/global-setup.ts"],
          // One moto server, reset before each test: files must not interleave.
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
