// Reading infra/template.yaml as plain YAML, for the deploy script and the template's tests.

/**
 * CloudFormation's short-form tags, read as plain values: enough to read parameters, paths and metadata.
 * @returns {import("yaml").Tags}
 */
export function cfnTags() {
  const names = [
    "Ref",
    "Sub",
    "GetAtt",
    "ImportValue",
    "If",
    "Not",
    "Equals",
    "Join",
    "Split",
    "Select",
    "FindInMap",
    "Base64",
    "GetAZs",
    "And",
    "Or",
    "Condition",
    "Cidr",
  ];
  return names.flatMap((name) =>
    ["scalar", "seq", "map"].map((collection) => ({
      tag: `!${name}`,
      collection: collection === "scalar" ? undefined : /** @type {"seq" | "map"} */ (collection),
      resolve: (/** @type {unknown} */ value) => value,
    })),
  );
}
