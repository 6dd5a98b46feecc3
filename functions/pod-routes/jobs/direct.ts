import type { Request } from "../core/request.js";
import { runBatch } from "./batch.js";
import type { Dependencies } from "./dependencies.js";
import { reported } from "./lifecycle.js";
import type { Changes, Summary } from "./summary.js";
import { verdicts } from "./verdict.js";

/**
 * A direct invocation (a manual payload, an EventBridge event sent straight to the function, the CLI):
 * a batch of one, run as the queue's batches are: its summary, and the error its caller must see, if any
 * (see `verdicts.direct`).
 */
export async function runDirect(
  request: Request,
  deps: Dependencies,
): Promise<{ readonly summary: Summary; readonly error?: Error }> {
  const dryRun = deps.config.dryRun || request.dryRun;
  const batch = await runBatch([{ messageId: "direct", request }], deps, { dryRun, safetyNet: false });
  const [{ outcome, reason, error, allocation, lifecycle }] = batch.records as [(typeof batch.records)[number]];
  const summary: Summary = {
    request: request.kind === "lifecycle" ? reported(request) : request,
    dryRun,
    changed: batch.changed,
    ...(outcome === "ignored" && reason !== undefined ? { ignored: reason } : {}),
    ...(allocation ? { allocation } : {}),
    ...(lifecycle ? { lifecycle } : {}),
    ...changesOf(batch),
  };
  const failure = verdicts.direct(request, { outcome, ...(error ? { error } : {}) }, summary);
  return failure === undefined ? { summary } : { summary, error: failure };
}

function changesOf({ tables, instanceChanges, failures }: Changes): Changes {
  return { tables, instanceChanges, failures };
}
