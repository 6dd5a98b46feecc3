// The Lambda bundle's esbuild options: what `npm run build` deploys, and what the tests build with.
import { lambdaCredentials, noEventStreams, sdkSchemas } from "./bundle-plugins.mjs";

/**
 * One ES module, minified, with a source map beside it (Lambda's NODE_OPTIONS=--enable-source-maps
 * maps stack traces back to the TypeScript).
 * @param {Record<string, string>} entryPoints output name (without extension) → source file
 * @param {string} outdir
 * @returns {import("esbuild").BuildOptions & { metafile: true }}
 */
export function lambdaBundleOptions(entryPoints, outdir) {
  return {
    entryPoints,
    outdir,
    outExtension: { ".js": ".mjs" },
    bundle: true,
    platform: "node",
    target: "node20",
    format: "esm",
    // Prefer the SDK's ES module builds: they tree-shake, the CommonJS ones do not.
    mainFields: ["module", "main"],
    minify: true,
    sourcemap: "linked",
    // Stack traces need only the mappings; the sources are in the repository.
    sourcesContent: false,
    metafile: true,
    plugins: [sdkSchemas, lambdaCredentials, noEventStreams],
    legalComments: "none",
    logLevel: "warning",
  };
}
