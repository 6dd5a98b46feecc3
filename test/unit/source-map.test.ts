import { decode, encode } from "@jridgewell/sourcemap-codec";
import { describe, expect, it } from "vitest";
import { keepSources } from "../../scripts/lib/source-map.mjs";

describe("keepSources: the bundle's map names pod-routes' own files only", () => {
  const own = "../../functions/pod-routes/core/planner.ts";
  const sdk = "../../node_modules/@aws-sdk/client-ec2/dist-es/index.js";
  const map = {
    version: 3,
    sources: [sdk, own],
    names: ["send", "planTable"],
    mappings: encode([
      [
        [0, 0, 3, 0, 0], // SDK
        [10, 1, 7, 2, 1], // own, named
        [20, 0, 4, 0], // SDK
        [25, 0, 5, 0], // SDK again: adds nothing once unmapped
        [30, 1, 9, 4], // own
      ],
      [[0, 0, 1, 0]],
    ]),
  };

  it("drops the other sources and their names, and leaves their code unmapped rather than mapped to a neighbour", () => {
    const kept = keepSources(map, (source) => source.includes("/functions/"));
    expect(kept.sources).toEqual([own]);
    expect(kept.names).toEqual(["planTable"]);
    expect(decode(kept.mappings)).toEqual([[[10, 0, 7, 2, 0], [20], [30, 0, 9, 4]], []]);
  });

  it("changes nothing when every source is kept", () => {
    expect(keepSources(map, () => true)).toEqual(map);
  });
});
