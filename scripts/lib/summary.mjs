// The handler's JSON summary as an operator reads it in a terminal.

/**
 * Renders a summary: one line per decision, then instance changes, lifecycle outcome and failures.
 * @param {Partial<import("../../functions/pod-routes/jobs/summary.js").Summary>} summary a function's JSON answer
 */
export function formatSummary(summary) {
  const lines = [];
  /** @type {Partial<{ kind: string; trigger: string; instanceId: string }>} */
  const request = summary.request ?? {};
  const subject = request.instanceId ? ` ${request.instanceId}` : "";
  lines.push(
    `${request.kind ?? "request"}${subject} (${request.trigger ?? "?"})${summary.dryRun ? " — dry run, nothing changed" : ""}`,
  );
  if (summary.ignored) lines.push(`ignored: ${summary.ignored}`);
  if (summary.allocation)
    lines.push(`pod CIDR ${summary.allocation.cidr} ${summary.allocation.how} in ${summary.allocation.routeTableId}`);
  for (const table of summary.tables ?? []) {
    lines.push(table.routeTableId);
    for (const decision of table.decisions) {
      const state = decision.error
        ? "FAILED"
        : decision.applied
          ? "applied"
          : decision.action === "keep" || decision.action === "skip"
            ? ""
            : "not applied";
      const target = decision.target ? `→ ${decision.target}` : "";
      lines.push(
        `  ${decision.action.padEnd(8)} ${(decision.cidr ?? "").padEnd(18)} ${target.padEnd(24)} ${state.padEnd(11)} ${decision.reason}`.trimEnd(),
      );
      if (decision.error) lines.push(`           ${decision.error}`);
    }
  }
  for (const change of summary.instanceChanges ?? [])
    lines.push(`${change.change} on ${change.target}: ${change.error ?? (change.applied ? "applied" : "not applied")}`);
  if (summary.lifecycle) lines.push(`lifecycle action: ${summary.lifecycle.result} (${summary.lifecycle.completion})`);
  for (const failure of summary.failures ?? []) lines.push(`FAILED: ${failure.message ?? failure}`);
  if (lines.length === 1 && request.instanceId)
    lines.push(
      `nothing to do: no route is, or should be, ${request.instanceId}'s. Is it an instance of this account and ` +
        "region? (The events/ samples name a made-up one: pass --instance.)",
    );
  return lines.join("\n");
}

/**
 * For each route a sync left alone as unmanaged that points at an instance, the AWS CLI command that
 * tags the instance as the worker owning it: the step that hands a static route to pod-routes.
 * @param {Partial<import("../../functions/pod-routes/jobs/summary.js").Summary>} summary
 * @param {{ podCidrTag: string; clusterTag?: string }} tags the stack's PodCidrTag and ClusterTag (KEY or KEY=VALUE)
 * @returns {string[]}
 */
export function handOverCommands(summary, { podCidrTag, clusterTag }) {
  const [clusterKey, clusterValue = ""] = (clusterTag ?? "").split("=");
  const tags = (/** @type {string} */ cidr) => [
    `Key=${podCidrTag},Value=${cidr}`,
    ...(clusterKey ? [`Key=${clusterKey},Value=${clusterValue}`] : []),
  ];
  return (summary.tables ?? []).flatMap((table) =>
    table.decisions
      .filter((decision) => decision.action === "unmanaged" && decision.target?.startsWith("i-"))
      .map((decision) =>
        ["aws", "ec2", "create-tags", "--resources", decision.target ?? "", "--tags", ...tags(decision.cidr ?? "")]
          .map(shellWord)
          .join(" "),
      ),
  );
}

/**
 * One word for a POSIX shell: as it is when it holds nothing the shell reads specially, else in single
 * quotes (each quote inside written '\''), so a printed command runs as printed, whatever a tag holds.
 * @param {string} word
 */
function shellWord(word) {
  return /^[A-Za-z0-9_./:=,@%+-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`;
}
