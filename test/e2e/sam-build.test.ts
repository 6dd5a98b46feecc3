import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it, onTestFinished } from "vitest";

const run = promisify(execFile);
const root = resolve(import.meta.dirname, "../..");

describe("sam build", () => {
  it("builds the bundle from a fresh copy of the project, as it runs the function's Makefile", async () => {
    // sam build copies the CodeUri folder (the project) to a scratch folder and runs the target there.
    // The copy holds what a fresh clone holds: no node_modules, no dist.
    const scratch = await mkdtemp(join(tmpdir(), "pod-routes-sam-scratch-"));
    const artifacts = await mkdtemp(join(tmpdir(), "pod-routes-sam-artifacts-"));
    onTestFinished(async () => {
      for (const dir of [scratch, artifacts]) await rm(dir, { recursive: true, force: true });
    });
    const { stdout } = await run("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
      cwd: root,
    });
    for (const file of stdout.split("\0").filter((path) => path && existsSync(join(root, path)))) {
      await mkdir(dirname(join(scratch, file)), { recursive: true });
      await copyFile(join(root, file), join(scratch, file));
    }
    expect(existsSync(join(scratch, "node_modules"))).toBe(false);

    await run("make", ["build-PodRoutesFunction", `ARTIFACTS_DIR=${artifacts}`], {
      cwd: scratch,
      maxBuffer: 64 * 1024 * 1024,
    });

    expect((await readdir(artifacts)).sort()).toEqual(["index.mjs", "index.mjs.map"]);
    // One builder: the same bundle npm run build made in this checkout.
    expect(await readFile(join(artifacts, "index.mjs"), "utf8")).toBe(
      await readFile(resolve(root, "dist/pod-routes/index.mjs"), "utf8"),
    );
  }, 300_000);
});
