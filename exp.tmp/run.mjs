import { build } from "esbuild";
import { execFileSync } from "node:child_process";
import { statSync } from "node:fs";
const { options } = await import("../scripts/build.mjs");
const files = {};
for (const [name, entry] of Object.entries({ full: "functions/pod-routes/index.ts", ec2: "exp.tmp/e1.ts", asg: "exp.tmp/e2.ts", builtins: "exp.tmp/e3.ts" })) {
  const outfile = `/tmp/exp-${name}.mjs`;
  await build({ ...options, entryPoints: [entry], outdir: undefined, outExtension: undefined, outfile, metafile: false, sourcemap: false });
  files[name] = outfile;
}
const t = {}; for (const k in files) t[k] = [];
for (let i = 0; i < 15; i++) for (const [k, f] of Object.entries(files)) t[k].push(Number(execFileSync(process.execPath, ["--input-type=module", "-e", `const t=performance.now(); await import("${f}"); console.log(performance.now()-t)`]).toString()));
for (const k in t) { const s = t[k].sort((a,b)=>a-b); console.log(k, s[7].toFixed(1), statSync(files[k]).size); }
