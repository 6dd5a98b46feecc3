import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";

/** What `npm ci` may run: install scripts only of the package versions the project approved. */
const root = resolve(import.meta.dirname, "../..");
const npmrc = readFileSync(resolve(root, ".npmrc"), "utf8");
const manifest = JSON.parse(readFileSync(resolve(root, "package.json"), "utf8")) as {
  allowScripts: Record<string, boolean>;
};
const lockfile = JSON.parse(readFileSync(resolve(root, "package-lock.json"), "utf8")) as {
  packages: Record<string, { version?: string; resolved?: string; link?: boolean; hasInstallScript?: boolean }>;
};
const installed = Object.entries(lockfile.packages).filter(([path, entry]) => path !== "" && !entry.link);

describe("install scripts", () => {
  it("run only where .npmrc's strict mode finds an approval", () => {
    expect(npmrc).toMatch(/^strict-allow-scripts=true$/m);
  });

  it("are approved by exact version, and each approval is the version the lockfile installs", () => {
    const approvals = Object.entries(manifest.allowScripts);
    expect(approvals.length).toBeGreaterThan(0);
    for (const [spec, allowed] of approvals) {
      const [, name, version] = /^(@?[^@]+)@(\d+\.\d+\.\d+)$/.exec(spec) ?? [];
      expect(name, `${spec} names no exact version`).toBeDefined();
      expect(allowed).toBe(true);
      expect(lockfile.packages[`node_modules/${name}`]?.version).toBe(version);
    }
  });

  it("of every package that has one are approved", () => {
    const withScripts = installed.filter(([, entry]) => entry.hasInstallScript);
    const approved = new Set(Object.keys(manifest.allowScripts));
    for (const [path, entry] of withScripts) {
      const name = path.slice(path.lastIndexOf("node_modules/") + "node_modules/".length);
      expect(approved, `${name}@${entry.version} has an install script`).toContain(`${name}@${entry.version}`);
    }
  });

  it("can be pinned to a version because the lockfile names every package's registry URL", () => {
    expect(npmrc).toMatch(/^omit-lockfile-registry-resolved=false$/m);
    const unresolved = installed.filter(([, entry]) => !entry.resolved?.startsWith("https://registry.npmjs.org/"));
    expect(unresolved.map(([path]) => path)).toEqual([]);
  });
});
