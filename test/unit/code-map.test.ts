import { readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

/** docs/how-it-works.md's code map names every source file: a reader finds each one's job there. */
const root = resolve(import.meta.dirname, "../..");
const doc = readFileSync(resolve(root, "docs/how-it-works.md"), "utf8");
const codeMap = doc.slice(doc.indexOf("## Code map"));

function sources(folder: string): string[] {
  return readdirSync(resolve(root, folder), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /\.(ts|mjs|py)$/.test(entry.name))
    .map((entry) => relative(root, join(entry.parentPath, entry.name)));
}

describe("the code map", () => {
  it("names each file of the function in its layer's rows", () => {
    const layers = codeMap.split(/\n\| `(core|adapters|jobs|entry)\/`/).slice(1);
    const rowsOf = new Map<string, string>();
    for (let index = 0; index < layers.length; index += 2) rowsOf.set(layers[index]!, layers[index + 1]!);
    for (const file of sources("functions/pod-routes")) {
      const [layer, name] = file.split("/").slice(-2) as [string, string];
      expect(rowsOf.get(layer) ?? "", file).toContain(`\`${name}\``);
    }
  });

  it("names each script by its path", () => {
    for (const file of sources("scripts")) expect(codeMap, file).toContain(`\`${file}\``);
  });
});
