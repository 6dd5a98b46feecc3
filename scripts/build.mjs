// Bundles the Lambda entry into one ESM file: what is deployed and what the integration tests run.
import { chmod, readFile, writeFile } from "node:fs/promises";
import { build } from "esbuild";
import { lambdaBundleOptions } from "./lib/lambda-bundle.mjs";
import { keepSources } from "./lib/source-map.mjs";

const result = await build(
  lambdaBundleOptions({ "pod-routes/index": "functions/pod-routes/entry/handler.ts" }, "dist"),
);
// The map names pod-routes' own files only: see keepSources.
const mapFile = "dist/pod-routes/index.mjs.map";
const ownMap = keepSources(JSON.parse(await readFile(mapFile, "utf8")), (source) => /(^|\/)functions\//.test(source));
await writeFile(mapFile, JSON.stringify(ownMap));

// The operator tools (the CLI, npm start) run from this checkout: its node_modules stay outside.
await build({
  entryPoints: {
    "cli/pod-routes": "scripts/cli/pod-routes.ts",
    start: "scripts/start.ts",
    emulator: "scripts/emulator/main.ts",
  },
  banner: { js: "#!/usr/bin/env node" },
  outdir: "dist",
  outExtension: { ".js": ".mjs" },
  bundle: true,
  packages: "external",
  platform: "node",
  target: "node20",
  format: "esm",
  logLevel: "warning",
});
await chmod("dist/cli/pod-routes.mjs", 0o755);

// What each input contributes, for anyone asking where the bytes went; kept outside the deployed folder.
await writeFile("dist/pod-routes.meta.json", JSON.stringify(result.metafile));
for (const [file, { bytes }] of Object.entries(result.metafile.outputs)) {
  if (file.endsWith(".mjs")) console.log(`${file}: ${(bytes / 1000).toFixed(0)} KB`);
}
console.log(`${mapFile}: ${(JSON.stringify(ownMap).length / 1000).toFixed(0)} KB, ${ownMap.sources.length} sources`);
