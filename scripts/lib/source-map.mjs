// Keeps the Lambda bundle's source map to pod-routes' own code.
import { decode, encode } from "@jridgewell/sourcemap-codec";

/**
 * @typedef {{ version: number; sources: string[]; names: string[]; mappings: string }} SourceMapFields
 * @typedef {SourceMapFields & Record<string, unknown>} SourceMap
 * @typedef {import("@jridgewell/sourcemap-codec").SourceMapSegment} Segment
 */

/**
 * The map with only the sources `keep` accepts. Code from any other source is marked unmapped, so a
 * stack frame there names the bundle's position rather than a neighbour's line. With
 * NODE_OPTIONS=--enable-source-maps, Node parses the whole map at import: the SDK's mappings, most of
 * it, cost every cold start to name frames that pod-routes' own frames already explain.
 * @param {SourceMap} map
 * @param {(source: string) => boolean} keep
 * @returns {SourceMap}
 */
export function keepSources(map, keep) {
  /** @type {Map<number, number>} */
  const sourceIndex = new Map();
  const sources = map.sources.filter((source, index) => {
    if (!keep(source)) return false;
    sourceIndex.set(index, sourceIndex.size);
    return true;
  });
  /** @type {Map<number, number>} */
  const nameIndex = new Map();
  /** @type {string[]} */
  const names = [];
  /** @param {number} index */
  const name = (index) => {
    if (!nameIndex.has(index)) {
      nameIndex.set(index, names.length);
      names.push(map.names[index] ?? "");
    }
    return /** @type {number} */ (nameIndex.get(index));
  };
  const lines = decode(map.mappings).map((segments) => {
    /** @type {Segment[]} */
    const kept = [];
    for (const segment of segments) {
      const source = segment.length > 1 ? sourceIndex.get(/** @type {number} */ (segment[1])) : undefined;
      if (source === undefined) {
        // One unmapped segment ends the previous mapping; more in a row add nothing.
        if (kept.length > 0 && kept[kept.length - 1]?.length !== 1) kept.push([segment[0]]);
      } else if (segment.length === 5) {
        kept.push([segment[0], source, segment[2], segment[3], name(segment[4])]);
      } else {
        kept.push([segment[0], source, /** @type {number} */ (segment[2]), /** @type {number} */ (segment[3])]);
      }
    }
    return kept;
  });
  const sourcesContent = Array.isArray(map["sourcesContent"])
    ? { sourcesContent: map["sourcesContent"].filter((_, index) => sourceIndex.has(index)) }
    : {};
  return { ...map, sources, ...sourcesContent, names, mappings: encode(lines) };
}
