import { execFile } from "node:child_process";
import { mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { build } from "esbuild";
import { it } from "vitest";
import { lambdaBundleOptions } from "../../scripts/lib/lambda-bundle.mjs";

/**
 * Bundle size and import (init) time, side by side: the deployed bundle, the same entry built with
 * SAM's esbuild defaults, and an empty handler (the floor). Each import time is the median over fresh
 * Node processes, timed from inside the process so Node's own start-up is not counted. The variants
 * take turns, so a slow patch of a noisy machine falls on all three alike.
 */
const PROCESSES = 31;
/** The bundle's goals; a plugin earns its place by either saving. */
const MAX_BUNDLE_KB = 320;
const MAX_OVERHEAD_PERCENT = 15;
const PLUGIN_MIN_SAVING_KB = 20;
const PLUGIN_MIN_SAVING_MS = 5;
const MAX_PLUGIN_LINES = 150;
const verdict = (met: boolean) => (met ? "met" : "MISSED");
const root = resolve(import.meta.dirname, "../..");
const run = promisify(execFile);

async function samDefaultBuild(): Promise<string> {
  const outfile = resolve(root, "dist/bench/sam-default/index.cjs");
  // SAM's esbuild builder: --format=cjs --target=es2020 --minify, main fields main,module.
  await build({
    entryPoints: [resolve(root, "functions/pod-routes/entry/handler.ts")],
    outfile,
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "es2020",
    minify: true,
    mainFields: ["main", "module"],
    logLevel: "error",
  });
  return outfile;
}

async function emptyHandler(): Promise<string> {
  const outfile = resolve(root, "dist/bench/empty/index.mjs");
  await mkdir(resolve(outfile, ".."), { recursive: true });
  await writeFile(outfile, "export const handler = async () => ({});\n");
  return outfile;
}

async function importMilliseconds(file: string, nodeOptions: string[]): Promise<number> {
  const script = `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(file).href)}); console.log(performance.now() - t);`;
  const { stdout } = await run(process.execPath, [...nodeOptions, "--input-type=module", "-e", script], {
    env: { ...process.env, AWS_REGION: "us-east-1" },
  });
  return Number(stdout.trim());
}

/** The deployed bundle built without one plugin, for each: what each plugin saves. */
async function withoutEachPlugin(): Promise<Array<{ plugin: string; file: string }>> {
  const options = lambdaBundleOptions({ index: resolve(root, "functions/pod-routes/entry/handler.ts") }, "");
  const plugins = options.plugins ?? [];
  return Promise.all(
    plugins.map(async (plugin) => {
      const outdir = resolve(root, `dist/bench/without-${plugin.name}`);
      await build({ ...options, outdir, plugins: plugins.filter((other) => other !== plugin) });
      return { plugin: plugin.name, file: resolve(outdir, "index.mjs") };
    }),
  );
}

type Row = { name: string; bytes: number; ms: number };

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

it("bundle size and init time", async () => {
  const bundle = resolve(root, "dist/pod-routes/index.mjs");
  // As deployed: the template sets NODE_OPTIONS=--enable-source-maps, which loads the map at import.
  const variants: Array<{ name: string; file: string; nodeOptions: string[] }> = [
    { name: "pod-routes (deployed, source maps on)", file: bundle, nodeOptions: ["--enable-source-maps"] },
    { name: "SAM esbuild defaults", file: await samDefaultBuild(), nodeOptions: [] },
    { name: "empty handler (floor)", file: await emptyHandler(), nodeOptions: [] },
    { name: "pod-routes, source maps off", file: bundle, nodeOptions: [] },
    // Source maps off, as their maps are not trimmed: compared with the deployed bundle's time without its map.
    ...(await withoutEachPlugin()).map(({ plugin, file }) => ({ name: `without ${plugin}`, file, nodeOptions: [] })),
  ];
  const times = new Map<string, number[]>(variants.map(({ name }) => [name, []]));
  for (let round = 0; round < PROCESSES; round++) {
    for (const { name, file, nodeOptions } of variants) {
      times.get(name)!.push(await importMilliseconds(file, nodeOptions));
    }
  }
  const rows = await Promise.all(
    variants.map(async ({ name, file }) => ({
      name,
      bytes: (await stat(file)).size,
      ms: median(times.get(name)!),
    })),
  );
  const [ours, sam, floor, unmapped, ...withoutPlugins] = rows as [Row, Row, Row, Row, ...Row[]];
  const width = Math.max(...rows.map((row) => row.name.length));
  const lines = rows.map(
    (row) =>
      `${row.name.padEnd(width)}  ${(row.bytes / 1000).toFixed(0).padStart(6)} KB  ${row.ms.toFixed(1).padStart(7)} ms  ${(row.ms - floor.ms).toFixed(1).padStart(7)} ms`,
  );
  const mapBytes = (await stat(`${bundle}.map`)).size;
  const pluginLines = (await readFile(resolve(root, "scripts/lib/bundle-plugins.mjs"), "utf8"))
    .trimEnd()
    .split("\n").length;
  const ratio = ((ours.ms - floor.ms) / (sam.ms - floor.ms)) * 100;
  console.log(
    [
      "",
      `Bundle size and import time (median of ${PROCESSES} fresh processes, node ${process.version})`,
      `${"build".padEnd(width)}  ${"size".padStart(9)}  ${"import".padStart(10)}  ${"overhead".padStart(10)}`,
      ...lines,
      `pod-routes' init overhead is ${ratio.toFixed(1)}% of the SAM-default build's; its bundle is ${((ours.bytes / sam.bytes) * 100).toFixed(1)}% of the size.`,
      `Source maps on cost ${(ours.ms - unmapped.ms).toFixed(1)} ms of import (the map is ${(mapBytes / 1000).toFixed(0)} KB).`,
      "What each plugin saves (the bundle built without it, against the deployed one; import times source maps off):",
      ...withoutPlugins.map((row) => {
        const kb = (row.bytes - ours.bytes) / 1000;
        const ms = row.ms - unmapped.ms;
        const earns = kb >= PLUGIN_MIN_SAVING_KB || ms >= PLUGIN_MIN_SAVING_MS;
        return `  ${row.name.replace("without ", "").padEnd(30)} ${kb.toFixed(1).padStart(7)} KB ${ms.toFixed(1).padStart(7)} ms  ${earns ? "earns its place" : "DOES NOT EARN ITS PLACE"}`;
      }),
      "Goals:",
      `  bundle at most ${MAX_BUNDLE_KB} KB: ${verdict(ours.bytes / 1000 <= MAX_BUNDLE_KB)} (${(ours.bytes / 1000).toFixed(0)} KB)`,
      `  init overhead at most ${MAX_OVERHEAD_PERCENT}% of the SAM-default build's: ${verdict(ratio <= MAX_OVERHEAD_PERCENT)} (${ratio.toFixed(1)}%)`,
      `  plugin code at most ${MAX_PLUGIN_LINES} lines: ${verdict(pluginLines <= MAX_PLUGIN_LINES)} (${pluginLines} lines, scripts/lib/bundle-plugins.mjs)`,
    ].join("\n"),
  );
});
