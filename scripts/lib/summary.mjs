// The handler's JSON summary as an operator reads it in a terminal.

/**
 * Renders a summary: what changed, then one line per decision, instance changes, lifecycle outcome and
 * failures.
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
  lines.push(...formatChanged(summary.changed));
  lines.push(...formatDecisions(summary));
  for (const failure of summary.failures ?? []) lines.push(`FAILED: ${failure.message ?? failure}`);
  if (request.instanceId && !summary.ignored && isEmpty(summary))
    lines.push(
      `nothing to do: no route is, or should be, ${request.instanceId}'s. Is it an instance of this account and ` +
        "region? (The events/ samples name a made-up one: pass --instance.)",
    );
  return lines.join("\n");
}

/**
 * Renders a queued batch's summary: each message's verdict, what changed, every decision, the failures,
 * and which messages go back to the queue.
 * @param {import("../../functions/pod-routes/jobs/batch.js").BatchSummary} summary
 */
export function formatBatch(summary) {
  const lines = [`queued batch of ${summary.records.length}${summary.dryRun ? " — dry run, nothing changed" : ""}`];
  for (const record of [...summary.records, ...summary.waitingLaunches]) {
    const about = record.instanceId ? ` ${record.instanceId}` : "";
    lines.push(`  ${record.messageId}: ${record.outcome}${about}${record.reason ? `: ${record.reason}` : ""}`);
  }
  lines.push(...formatChanged(summary.changed), ...formatDecisions(summary));
  for (const failure of summary.failures) lines.push(`FAILED: ${failure.message}`);
  lines.push(
    summary.retry.length > 0
      ? `left on the queue for a retry: ${summary.retry.join(", ")}`
      : "every message acknowledged",
  );
  return lines.join("\n");
}

/**
 * What changed, or in a dry run would: one line each, or that nothing did.
 * @param {import("../../functions/pod-routes/jobs/changed.js").Changed | undefined} changed
 * @returns {string[]}
 */
function formatChanged(changed) {
  if (!changed) return [];
  const verb = (/** @type {string} */ done, /** @type {string} */ would) => (changed.dryRun ? would : done);
  const lines = [
    ...changed.routes.map((route) => {
      const action = verb(
        { create: "created", replace: "replaced", delete: "deleted" }[route.action],
        `would ${route.action}`,
      );
      const target = route.action === "delete" ? ` (was → ${route.target ?? "?"})` : ` → ${route.target ?? "?"}`;
      const previous = route.previousTarget ? ` (was → ${route.previousTarget})` : "";
      return `  ${action.padEnd(14)} ${route.cidr}${target}${previous} in ${route.routeTableId}`;
    }),
    ...changed.sourceDestChecks.map(
      (check) =>
        `  ${verb("turned off", "would turn off").padEnd(14)} the source/dest check of ${check.instanceId}${check.target === check.instanceId ? "" : ` (${check.target})`}`,
    ),
    ...changed.allocations.map(
      (allocation) =>
        `  ${verb("allocated", "would allocate").padEnd(14)} ${allocation.cidr} to ${allocation.instanceId} (${allocation.how} in ${allocation.routeTableId})`,
    ),
    ...changed.lifecycleActions.map(
      (action) =>
        `  ${verb("completed", "would complete").padEnd(14)} the lifecycle action of ${action.instanceId}: ${action.result} (${action.completion})`,
    ),
  ];
  if (lines.length === 0) return [changed.dryRun ? "would change nothing" : "changed nothing"];
  return [changed.dryRun ? "would change:" : "changed:", ...lines];
}

/**
 * Every decision, table by table, and each source/dest check: the detail behind what changed.
 * @param {Partial<import("../../functions/pod-routes/jobs/summary.js").Changes>} summary
 * @returns {string[]}
 */
function formatDecisions(summary) {
  const lines = [];
  for (const table of summary.tables ?? []) {
    // A dual-stack table is reported once per family.
    lines.push(table.family === "ipv6" ? `${table.routeTableId} (IPv6)` : table.routeTableId);
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
  return lines;
}

/**
 * True when a summary holds no decision, change, lifecycle action or failure.
 * @param {Partial<import("../../functions/pod-routes/jobs/summary.js").Summary>} summary
 */
function isEmpty(summary) {
  return (
    (summary.tables ?? []).every((table) => table.decisions.length === 0) &&
    (summary.instanceChanges ?? []).length === 0 &&
    !summary.lifecycle &&
    !summary.allocation &&
    (summary.failures ?? []).length === 0
  );
}

/**
 * For each instance that routes a sync left alone as unmanaged point at, the pod-CIDR tag that makes it
 * the worker owning them: its block, or its IPv4 and IPv6 blocks as one list when it holds one of each
 * (a dual-stack worker's routes, in any number of tables). An instance holding more than one block of a
 * family gets none: which is its own is for a person to say.
 * @param {Partial<import("../../functions/pod-routes/jobs/summary.js").Summary>} summary
 * @returns {Map<string, string>} instance id → tag value
 */
export function podCidrTagsOf(summary) {
  /** @type {Map<string, Set<string>>} */
  const blocks = new Map();
  for (const table of summary.tables ?? [])
    for (const decision of table.decisions)
      if (decision.action === "unmanaged" && decision.target?.startsWith("i-") && decision.cidr)
        blocks.set(decision.target, (blocks.get(decision.target) ?? new Set()).add(decision.cidr));
  /** @type {Map<string, string>} */
  const tags = new Map();
  for (const [instanceId, cidrs] of blocks) {
    const [ipv4, ipv6] = [
      [...cidrs].filter((cidr) => !cidr.includes(":")),
      [...cidrs].filter((cidr) => cidr.includes(":")),
    ];
    if (ipv4.length <= 1 && ipv6.length <= 1) tags.set(instanceId, [...ipv4, ...ipv6].join(","));
  }
  return tags;
}

/**
 * For each instance that routes a sync left alone as unmanaged point at, the AWS CLI command that tags
 * it as the worker owning them (see podCidrTagsOf): the step that hands static routes to pod-routes.
 * @param {Partial<import("../../functions/pod-routes/jobs/summary.js").Summary>} summary
 * @param {{ podCidrTag: string; clusterTag?: string }} tags the stack's PodCidrTag and ClusterTag (KEY or KEY=VALUE)
 * @returns {string[]}
 */
export function handOverCommands(summary, { podCidrTag, clusterTag }) {
  const [clusterKey, clusterValue = ""] = (clusterTag ?? "").split("=");
  return [...podCidrTagsOf(summary)].map(([instanceId, cidrs]) =>
    [
      "aws",
      "ec2",
      "create-tags",
      "--resources",
      instanceId,
      "--tags",
      `Key=${podCidrTag},Value=${cidrs}`,
      ...(clusterKey ? [`Key=${clusterKey},Value=${clusterValue}`] : []),
    ]
      .map(shellWord)
      .join(" "),
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
