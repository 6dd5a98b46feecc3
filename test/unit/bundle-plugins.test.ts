import { describe, expect, it } from "vitest";
import { keepMembers } from "../../scripts/lib/bundle-plugins.mjs";

// The layout of @aws-sdk/client-ec2's generated schemas, in miniature.
const schemas = `const _IIn = "InstanceId";
const _LT = "LaunchTime";
const _Pl = "Placement";
const _AZ = "AvailabilityZone";
const _In = "Instance";
const _P = "Placement";
export var Instance$ = [3, n0, _In,
    0,
    [_IIn, _LT, _Pl],
    [[0, { ec2QueryName: \`InstanceId\`, xmlName: "instanceId" }], 4, [() => Placement$, { ec2QueryName: \`Placement\`, xmlName: "placement" }]]
];
export var Placement$ = [3, n0, _P,
    0,
    [_AZ],
    [0]
];
`;

function evaluate(source: string): Record<string, unknown[]> {
  return new Function("n0", `${source.replace(/^export /gm, "")}\nreturn { Instance$, Placement$ };`)("ns") as Record<string, unknown[]>;
}

describe("keepMembers: the bundle's EC2 instance schema", () => {
  it("keeps only the listed members, their names and schemas still paired, and leaves other shapes whole", () => {
    const { Instance$, Placement$ } = evaluate(keepMembers(schemas, { Instance: ["InstanceId", "Placement"] }));
    expect(Instance$!.slice(0, 5)).toEqual([3, "ns", "Instance", 0, ["InstanceId", "Placement"]]);
    const [id, placement] = Instance$![5] as [unknown[], unknown[]];
    expect(id).toEqual([0, { ec2QueryName: "InstanceId", xmlName: "instanceId" }]);
    expect((placement[0] as () => unknown)()).toBe(Placement$);
    expect(Placement$).toEqual([3, "ns", "Placement", 0, ["AvailabilityZone"], [0]]);
  });

  it("fails the build naming the shape and a member it does not have", () => {
    expect(() => keepMembers(schemas, { Instance: ["InstanceId", "PodCidr"] })).toThrow("Instance has no member PodCidr: correct INSTANCE_FIELDS");
  });

  it("fails the build naming a shape the SDK does not define", () => {
    expect(() => keepMembers(schemas, { Reservation: ["Instances"] })).toThrow("no structure schema Reservation in @aws-sdk/client-ec2");
  });
});
