import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    env: {
      POWERTOOLS_LOG_LEVEL: "SILENT",
      POWERTOOLS_METRICS_DISABLED: "true",
      // The SDK warns that its Node 20 support ends in 2027; the Lambda itself runs nodejs22.x.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    },
    // Both cores, and as many moto servers (test/support/moto-setup.ts).
    maxWorkers: 2,
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
        // Each AWS call's shape on the wire, against moto server.
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          // A moto server per worker, reset before each test: a worker's files run one at a time on it.
          globalSetup: ["test/support/moto-setup.ts"],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        // Whole processes (the CLI, the emulator, npm start, the scripts, the bundle copied alone) and
        // long runs on moto: npm run test:e2e.
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          globalSetup: ["test/support/moto-setup.ts"],
          testTimeout: 120_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
