import { resolve } from "node:path";
import { ESLint } from "eslint";
import { beforeAll, describe, expect, it } from "vitest";

/**
 * The folders of functions/pod-routes are layers whose imports flow one way (entry → jobs → adapters →
 * core); the lint configuration enforces it. These cases prove it does, for the project's real config.
 */
const root = resolve(import.meta.dirname, "../..");
const eslint = new ESLint({ cwd: root });

async function restrictedImports(file: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath: resolve(root, file) });
  return (result?.messages ?? []).filter((m) => m.ruleId === "no-restricted-imports").map((m) => m.message);
}

describe("layers", () => {
  // The first lint builds the type-checked program: seconds, once.
  beforeAll(() => restrictedImports("functions/pod-routes/core/model.ts", "export {};\n"), 60_000);

  it.each([
    [
      "functions/pod-routes/core/planner.ts",
      'import type { EC2Client } from "@aws-sdk/client-ec2";',
      "The core is pure",
    ],
    [
      "functions/pod-routes/core/planner.ts",
      'import type { Ec2Port } from "../adapters/ec2.js";',
      "core may not import",
    ],
    ["functions/pod-routes/core/model.ts", 'import { runDirect } from "../jobs/direct.js";', "core may not import"],
    [
      "functions/pod-routes/adapters/ec2.ts",
      'import { runDirect } from "../jobs/direct.js";',
      "adapters may not import",
    ],
    ["functions/pod-routes/jobs/direct.ts", 'import { wire } from "../entry/wire.js";', "jobs may not import entry"],
  ])("%s may not say %s", async (file, line, message) => {
    expect(await restrictedImports(file, `${line}\nexport {};\n`)).toEqual([expect.stringContaining(message)]);
  });

  it.each([
    ["functions/pod-routes/core/planner.ts", 'import { contains } from "./cidr.js";'],
    ["functions/pod-routes/adapters/ec2.ts", 'import type { ObservedTable } from "../core/model.js";'],
    ["functions/pod-routes/jobs/direct.ts", 'import type { Ec2Port } from "../adapters/ec2.js";'],
    ["functions/pod-routes/entry/handler.ts", 'import { runDirect } from "../jobs/direct.js";'],
  ])("%s may say %s", async (file, line) => {
    expect(await restrictedImports(file, `${line}\nexport {};\n`)).toEqual([]);
  });
});
