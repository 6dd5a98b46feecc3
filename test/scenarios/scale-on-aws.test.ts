import { afterEach, describe, expect, it, vi } from "vitest";
import { scheduled } from "../../scripts/cli/sample-events.js";
import { CLUSTER_TAG_KEY, useFakeCloud } from "../support/worlds.js";

/** The n-th /24 block of the cluster CIDR. */
const block = (n: number) => `10.200.${n}.0/24`;
const tagsFor = (podCidr: string) => ({ "pod-cidr": podCidr, [CLUSTER_TAG_KEY]: "owned" });

/** Filter values in one DescribeInstances call. */
const filterValues = (input: Record<string, unknown>) =>
  ((input["Filters"] ?? []) as Array<{ Values?: string[] }>).reduce((sum, f) => sum + (f.Values?.length ?? 0), 0);

/** Hundreds of workers, with the route quota raised as an account can ask for. */
describe("a cluster at scale", () => {
  const aws = useFakeCloud({ routeLimit: 1_100 });

  it("a sync repairs 250 routes to replaced workers, with no call over EC2's 200 filter values", async () => {
    const { subnetIds, tableIds } = aws.cloud.vpc({ tablePerSubnet: true });
    const [subnetId, tableId] = [subnetIds[0]!, tableIds[0]!];
    const old = Array.from({ length: 250 }, (_, n) => aws.cloud.launch(subnetId, { tags: tagsFor(block(n)) }));
    old.forEach((instanceId, n) => aws.cloud.addRoute(tableId, { destination: block(n), instanceId }));
    for (const id of old) aws.cloud.setState(id, "terminated");
    const replacements = Array.from({ length: 250 }, (_, n) => aws.cloud.launch(subnetId, { tags: tagsFor(block(n)) }));
    aws.cloud.takeCalls();

    const summary = await aws.handler({ ROUTE_TABLE_IDS: tableId })(scheduled());

    expect(summary.failures).toEqual([]);
    const reads = aws.cloud.takeCalls().filter((call) => call.action === "DescribeInstances");
    // The workers (the two tags and four states), then the 250 old targets in two calls of at most 200 ids.
    expect(reads.map((call) => filterValues(call.input))).toEqual([6, 200, 50]);
    expect(aws.cloud.routesOf(tableId)).toEqual({
      "0.0.0.0/0": expect.stringMatching(/^igw-/),
      ...Object.fromEntries(replacements.map((id, n) => [block(n), id])),
    });
  });

  describe("logs at 1,000 workers", () => {
    afterEach(() => vi.restoreAllMocks());

    it("a cold sync and a converged sync write no line over 32 KB: one line per change, the summary as counts", async () => {
      const { subnetIds, tableIds } = aws.cloud.vpc({ tablePerSubnet: true });
      // /26 blocks: 1,024 of them in 10.200.0.0/16.
      for (let n = 0; n < 1000; n++)
        aws.cloud.launch(subnetIds[0]!, { tags: tagsFor(`10.200.${n >> 2}.${(n & 3) * 64}/26`) });
      const lines: string[] = [];
      vi.stubEnv("POWERTOOLS_LOG_LEVEL", "INFO");
      vi.stubEnv("POWERTOOLS_METRICS_DISABLED", "false");
      for (const stream of [process.stdout, process.stderr]) {
        vi.spyOn(stream, "write").mockImplementation((chunk) => (lines.push(...String(chunk).split("\n")), true));
      }
      const handler = aws.handler({ ROUTE_TABLE_IDS: tableIds[0]!, POD_CIDR_PREFIX_LENGTH: "26" });

      const cold = await handler(scheduled());
      const coldLines = lines.splice(0);
      const converged = await handler(scheduled());
      const convergedLines = lines.splice(0);
      vi.restoreAllMocks();

      expect(cold.failures).toEqual([]);
      const created = cold.tables.flatMap((t) => t.decisions).filter((d) => d.action === "create" && d.applied);
      expect(created).toHaveLength(1000);
      const longest = (of: string[]) => Math.max(...of.map((line) => Buffer.byteLength(line)));
      expect(longest(coldLines)).toBeLessThanOrEqual(32 * 1024);
      expect(longest(convergedLines)).toBeLessThanOrEqual(32 * 1024);
      const entries = (of: string[]) => of.filter(Boolean).map((line) => JSON.parse(line) as Record<string, any>);
      // Each change its own line; a converged sync logs no change, only its summary, in counts.
      expect(entries(coldLines).filter((e) => e["message"] === "route decision")).toHaveLength(1000);
      expect(entries(convergedLines).filter((e) => e["message"] === "route decision")).toHaveLength(0);
      const summary = entries(convergedLines).find((e) => e["message"] === "summary")!["summary"];
      expect(summary).toMatchObject({ decisions: { keep: 1000 }, applied: {}, failures: [] });
      expect(summary["keepSample"]).toHaveLength(5);
      // The returned summary stays complete.
      expect(converged.tables.flatMap((t) => t.decisions)).toHaveLength(1000);
    });
  });
});
