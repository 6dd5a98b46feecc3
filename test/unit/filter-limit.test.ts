import { describe, expect, it } from "vitest";
import { MAX_FILTER_VALUES, withinFilterLimit } from "../../functions/pod-routes/adapters/ec2.js";

const ids = (count: number) => Array.from({ length: count }, (_, n) => `i-${String(n).padStart(17, "0")}`);

describe("filters within EC2's 200 values a call", () => {
  it.each([0, 1, 195, 196, 197, 450, 1000])("splits %i instance ids beside 4 other values", (count) => {
    const filters = [
      { Name: "tag-key", Values: ["pod-cidr"] },
      { Name: "instance-id", Values: ids(count) },
      { Name: "instance-state-name", Values: ["pending", "running", "stopped"] },
    ];

    const calls = withinFilterLimit(filters);

    for (const call of calls) {
      expect(call.reduce((sum, filter) => sum + filter.Values!.length, 0)).toBeLessThanOrEqual(MAX_FILTER_VALUES);
      expect(call.map((filter) => filter.Name)).toEqual(["tag-key", "instance-id", "instance-state-name"]);
    }
    expect(calls.flatMap((call) => call[1]!.Values!)).toEqual(ids(count));
    expect(calls).toHaveLength(Math.max(1, Math.ceil(count / 196)));
  });
});
