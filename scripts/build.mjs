// Bundles the Lambda entry into one ESM file: what is deployed and what the integration tests run.
import { build } from "esbuild";

const result = await build({
  entryPoints: { "pod-routes/index": "functions/pod-routes/index.ts" },
  outdir: "dist",
  outExtension: { ".js": ".mjs" },
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  // Prefer the SDK's ES module builds: they tree-shake, the CommonJS ones do not.
  mainFields: ["module", "main"],
  minify: true,
  sourcemap: "linked",
  metafile: true,
  // Bundled CommonJS dependencies may call require() for Node built-ins.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  logLevel: "warning",
});

for (const [file, { bytes }] of Object.entries(result.metafile.outputs)) {
  if (file.endsWith(".mjs")) console.log(`${file}: ${(bytes / 1024).toFixed(0)} KiB`);
}
