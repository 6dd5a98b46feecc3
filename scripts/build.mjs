// Bundles the Lambda entry into one ESM file: what is deployed and what the integration tests run.
import { chmod, readFile, writeFile } from "node:fs/promises";
import { builtinModules } from "node:module";
import { resolve } from "node:path";
import { build } from "esbuild";

/**
 * The SDK's generated schema modules key traits with computed properties (`{ [_xN]: ... }` where
 * `const _xN = "xmlName"`). esbuild cannot prove such keys pure, so it keeps every shape of the service
 * (aws-sdk-js-v3 issue 7607: ~540 KB for EC2). Writing the constant keys out as the literals they are
 * changes nothing at run time and lets esbuild drop every shape the handler's operations do not reach.
 */
const inlineSchemaKeys = {
  name: "inline-sdk-schema-keys",
  setup(builder) {
    builder.onLoad({ filter: /[\\/]@aws-sdk[\\/]client-[^\\/]+[\\/]dist-es[\\/]schemas[\\/]schemas_\d+\.js$/ }, async ({ path }) => {
      const source = await readFile(path, "utf8");
      const strings = new Map([...source.matchAll(/^const (_\w+) = ("[^"\\\n]*");$/gm)].map(([, name, literal]) => [name, literal]));
      return { contents: source.replace(/\[(_\w+)\]:/g, (key, name) => (strings.has(name) ? `${strings.get(name)}:` : key)), loader: "js" };
    });
  },
};

/** In Lambda, credentials come from the environment: see functions/pod-routes/lambda-credentials.ts. */
const environmentCredentialsOnly = {
  name: "environment-credentials-only",
  setup(builder) {
    builder.onResolve({ filter: /^@aws-sdk\/credential-provider-node$/ }, () => ({ path: resolve("functions/pod-routes/lambda-credentials.ts") }));
  },
};

/** The SDK clients read only `version` from their package.json (for the user agent): keep just that. */
const packageVersionOnly = {
  name: "package-version-only",
  setup(builder) {
    builder.onLoad({ filter: /[\\/]@aws-sdk[\\/]client-[^\\/]+[\\/]package\.json$/ }, async ({ path }) => {
      const { name, version } = JSON.parse(await readFile(path, "utf8"));
      return { contents: JSON.stringify({ name, version }), loader: "json" };
    });
  },
};

/**
 * The SDK's pure-JavaScript SHA-256 is its fallback for a runtime without a native one; Node's crypto
 * always has SHA-256, so the fallback can never run here. It is left out (3 KB) with a stub that says so.
 */
const nativeSha256Only = {
  name: "native-sha256-only",
  setup(builder) {
    builder.onLoad({ filter: /[\\/]@smithy[\\/]core[\\/]dist-es[\\/]submodules[\\/]checksum[\\/]sha256[\\/]Sha256Js\.js$/ }, () => ({
      contents: 'export class Sha256Js { constructor() { throw new Error("pod-routes bundles no pure-JavaScript SHA-256: Node\'s crypto provides it"); } }',
      loader: "js",
    }));
  },
};

/**
 * Node built-ins through `require`, not `import`. Importing a built-in as an ES module builds a facade
 * that reads every export, which runs lazy getters: `node:crypto` loads WebCrypto, `node:process`
 * opens stdin and stdout. That alone is ~13 ms of a cold start here; `require` reads nothing up front.
 */
const builtinsViaRequire = {
  name: "builtins-via-require",
  setup(builder) {
    const names = builtinModules.map((name) => name.replace(/[/]/g, "\\/")).join("|");
    builder.onResolve({ filter: new RegExp(`^(node:)?(${names})$`) }, ({ path }) => ({ path: path.replace(/^node:/, ""), namespace: "node-builtin" }));
    builder.onLoad({ filter: /.*/, namespace: "node-builtin" }, ({ path }) => ({ contents: `module.exports = __nodeRequire("node:${path}");`, loader: "js" }));
  },
};

export const options = {
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
  metafile: true,
  plugins: [inlineSchemaKeys, environmentCredentialsOnly, packageVersionOnly, nativeSha256Only, builtinsViaRequire],
  banner: { js: 'import { createRequire as __createRequire } from "node:module"; const __nodeRequire = __createRequire(import.meta.url);' },
  // Loaded by the SDK only for operations with event streams, which EC2 and Auto Scaling do not have.
  external: ["@smithy/core/event-streams"],
  legalComments: "none",
  logLevel: "warning",
};

const result = await build(options);

// The operator tools (the CLI, npm start) run from this checkout: its node_modules stay outside.
await build({
  entryPoints: { "cli/pod-routes": "scripts/cli/pod-routes.ts", start: "scripts/start.ts" },
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
// `sam build` (BuildMethod: makefile) copies this very bundle: npm run build is the one builder.
await writeFile("dist/pod-routes/Makefile", "build-PodRoutesFunction:\n\tcp index.mjs \"$(ARTIFACTS_DIR)/\"\n");
for (const [file, { bytes }] of Object.entries(result.metafile.outputs)) {
  if (file.endsWith(".mjs")) console.log(`${file}: ${(bytes / 1000).toFixed(0)} KB`);
}
