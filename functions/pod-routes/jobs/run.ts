import { reconcileInstance, syncAll } from "./controller.js";
import type { Request } from "../core/request.js";
import { handleLifecycleAction } from "./lifecycle.js";
import type { Dependencies } from "./dependencies.js";
import type { Summary } from "./summary.js";

/** Does what a decoded request asks. */
export function run(request: Request, deps: Dependencies): Promise<Summary> {
  const dryRun = deps.config.dryRun || request.dryRun;
  switch (request.kind) {
    case "sync":
      return syncAll(request, deps);
    case "lifecycle":
      return handleLifecycleAction(request, deps);
    case "ignored":
      return Promise.resolve({
        request,
        dryRun,
        ignored: request.reason,
        tables: [],
        instanceChanges: [],
        failures: [],
      });
    case "instance":
      return reconcileInstance(
        request,
        {
          instanceId: request.instanceId,
          intent: request.intent,
          dryRun,
          source: request.trigger === "manual" ? `manual ${request.intent}` : "state-change event",
          manual: request.trigger === "manual",
          reportedState: request.reportedState,
          eventTime: request.eventTime,
        },
        deps,
      );
  }
}
