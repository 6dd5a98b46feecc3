import { execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../..");

it("npm start's story ends every step as stated: the tutorial's routes, the allocated block, no orphan, the unmanaged route kept", async () => {
  // The built story (npm test builds before it runs), as `npm start` runs it after building.
  const { stdout } = await promisify(execFile)(process.execPath, [resolve(root, "dist/start.mjs")], {
    cwd: root,
    env: { ...process.env, AWS_ENDPOINT_URL: "" },
  });

  expect(stdout).toContain("All 6 steps ended as stated.");
  expect(stdout).not.toContain("\u001b[");
  // The story, not the function's metrics; every routed worker named, the allocated one too.
  expect(stdout).not.toContain('"_aws"');
  expect(stdout).toMatch(/10\.200\.4\.0\/24\s+i-\w+\s+hard-k8s-workers/);
  expect(stdout).toContain("so Auto Scaling puts the instance in service");
  // The story explains itself: why .3 was skipped, whom step 4 refused, what each route's target is.
  expect(stdout).toContain("10.200.3.0/24: worker-3's tag 10.200.3.7/24 lies in it");
  expect(stdout).toMatch(/step 4: worker-3 \(i-\w+\), tagged 10\.200\.3\.7\/24, was refused/);
  expect(stdout).toMatch(/10\.200\.8\.0\/24\s+i-\w+\s+controller-0\s+not a worker \(running\)/);
  expect(stdout).toMatch(/10\.200\.9\.0\/24\s+i-\w+\s+worker-1\s+gone \(terminated\)/);
  expect(stdout).not.toMatch(/\bWORKER\b/);
  const finalTable = stdout
    .slice(stdout.lastIndexOf("step 6:"))
    .split("\n")
    .slice(1, 9)
    .map((line) => line.split(/\s+/)[0]);
  expect(finalTable).toEqual([
    "DESTINATION",
    "0.0.0.0/0",
    "10.200.0.0/24",
    "10.200.1.0/24",
    "10.200.2.0/24",
    "10.200.4.0/24",
    "10.200.8.0/24",
    "10.240.0.0/16",
  ]);
}, 120_000);

it("npm start ends quietly when its reader stops early (npm start | head)", async () => {
  const story = spawn(process.execPath, [resolve(root, "dist/start.mjs")], {
    cwd: root,
    env: { ...process.env, AWS_ENDPOINT_URL: "" },
  });
  let stderr = "";
  story.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  await once(story.stdout, "data");
  story.stdout.destroy();
  const [code] = (await once(story, "exit")) as [number];
  expect(code).toBe(0);
  expect(stderr).not.toContain("EPIPE");
}, 120_000);
