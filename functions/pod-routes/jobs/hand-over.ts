import { parseBlock } from "../core/cidr.js";
import type { Dependencies } from "./dependencies.js";
import { claimFor } from "./claims.js";
import { converge } from "./converge.js";
import { combined, type Changes, type TableReport } from "./summary.js";
import { workersOf } from "../adapters/worker.js";

/** A pod CIDR whose route to a named instance was just deleted: it goes to the live worker now tagged with it. */
export interface HandOver {
  readonly routeTableId: string;
  readonly cidr: string;
  readonly from: string;
}

/**
 * EC2 has no conditional delete: between reading a route and deleting it, a replacement worker's
 * event may have pointed it at the replacement, and the delete then takes the replacement's route.
 * So each applied delete of a named instance's route is handed over (pure): to be given to the live
 * worker tagged with its CIDR, if there is one.
 */
export function handOversOf(reports: readonly TableReport[], named: ReadonlySet<string>): HandOver[] {
  return reports.flatMap((report) =>
    report.decisions
      .filter((d) => d.action === "delete" && d.applied && d.cidr !== undefined && named.has(d.instanceId ?? ""))
      .map((d) => ({ routeTableId: d.routeTableId, cidr: d.cidr!, from: d.instanceId! })),
  );
}

/**
 * Reads, for each hand-over, the live workers tagged with its CIDR and that table, and routes the CIDR
 * to them: the window in which it is unrouted is the few milliseconds between the two calls.
 */
export async function handOver(handOvers: readonly HandOver[], deps: Dependencies): Promise<Changes> {
  const { config, ec2 } = deps;
  const outcomes: Changes[] = [];
  for (const { routeTableId, cidr, from } of handOvers) {
    const pool = config.pools.find(({ clusterCidr }) => clusterCidr.family === parseBlock(cidr)?.family);
    if (!pool) continue;
    // Tagged with the block alone, or beside the other family's (EC2's filters match `*` as a wildcard).
    const instances = await ec2.describeInstances({
      tag: { key: config.podCidrTag, values: [cidr, `${cidr},*`, `*,${cidr}`] },
      ...(config.clusterTag ? { clusterTag: config.clusterTag } : {}),
      states: ["pending", "running"],
    });
    const heirs = workersOf(instances, config).filter((heir) => heir.instanceId !== from);
    if (heirs.length === 0) continue;
    const [table] = await ec2.describeRouteTables({ routeTableIds: [routeTableId] });
    if (!table) continue;
    const claims = heirs.flatMap((heir) => {
      const because = `${heir.instanceId} is ${heir.state} and tagged ${cidr}, whose route was just removed`;
      const claim = claimFor(heir, "ensure", because, config);
      return "invalid" in claim ? [] : [claim];
    });
    const plan = {
      table,
      clusterCidr: pool.clusterCidr,
      claims,
      scope: "claims" as const,
      held: new Set<string>(),
      targets: new Map(),
      onStop: config.onStop,
    };
    // Only applied deletes are handed over: never in a dry run.
    outcomes.push(await converge([plan], { dryRun: false }, deps));
  }
  return combined(...outcomes);
}
