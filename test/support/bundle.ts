import { pathToFileURL } from "node:url";
import { resolve } from "node:path";
import type { createHandler as CreateHandler } from "../../functions/pod-routes/entry/handler.js";

/** The deployed artefact, `npm run build`'s output: integration tests exercise exactly this file. */
const bundlePath = resolve(import.meta.dirname, "../../dist/pod-routes/index.mjs");
const bundle = (await import(pathToFileURL(bundlePath).href)) as { createHandler: typeof CreateHandler };

export type Handler = ReturnType<typeof CreateHandler>;

/** A handler from the bundle with these settings on top of the test process's environment. */
export function bundledHandler(settings: Record<string, string> = {}): Handler {
  return bundle.createHandler({ ...process.env, ...settings });
}
