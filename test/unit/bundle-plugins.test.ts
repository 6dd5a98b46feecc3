import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build, type Plugin } from "esbuild";
import { describe, expect, it, onTestFinished } from "vitest";
import { keepMembers, lambdaCredentials, noEventStreams, sdkSchemas } from "../../scripts/lib/bundle-plugins.mjs";

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
  // Runs the rewritten schema module, as the bundle would, to see what it defines.
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  return new Function("n0", `${source.replace(/^export /gm, "")}\nreturn { Instance$, Placement$ };`)("ns") as Record<
    string,
    unknown[]
  >;
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
    expect(() => keepMembers(schemas, { Instance: ["InstanceId", "PodCidr"] })).toThrow(
      "Instance has no member PodCidr: correct INSTANCE_FIELDS",
    );
  });

  it("fails the build naming a shape the SDK does not define", () => {
    expect(() => keepMembers(schemas, { Reservation: ["Instances"] })).toThrow(
      "no structure schema Reservation in @aws-sdk/client-ec2",
    );
  });
});

describe("the bundle's guardrails: a plugin that finds nothing to rewrite fails the build", () => {
  /** A folder with an entry and, optionally, a fake `@aws-sdk/client-fake` package laid out as given. */
  async function project(files: Record<string, string>): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), "pod-routes-guardrails-"));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    for (const [file, text] of Object.entries({ "entry.mjs": "export const x = 1;\n", ...files })) {
      await mkdir(join(dir, file, ".."), { recursive: true });
      await writeFile(join(dir, file), text);
    }
    return dir;
  }

  async function bundle(dir: string, plugin: Plugin): Promise<string> {
    return build({
      entryPoints: [join(dir, "entry.mjs")],
      write: false,
      bundle: true,
      format: "esm",
      platform: "node",
      metafile: true,
      mainFields: ["module", "main"],
      plugins: [plugin],
      logLevel: "silent",
    }).then(
      () => "built",
      (error: Error) => error.message,
    );
  }

  it.each([lambdaCredentials, noEventStreams])("$name, naming itself and the SDK's version", async (plugin) => {
    const failure = await bundle(await project({}), plugin);
    expect(failure).toContain(`${plugin.name}: `);
    expect(failure).toMatch(/The SDK has changed \(@aws-sdk\/client-ec2 \d+\.\d+\.\d+, /);
  });

  const fakeClient = (schemasFile: string, constant: string) => ({
    "entry.mjs": 'export { fake } from "@aws-sdk/client-fake";\n',
    "node_modules/@aws-sdk/client-fake/package.json": JSON.stringify({
      name: "@aws-sdk/client-fake",
      version: "3.0.0",
      module: "dist-es/index.js",
    }),
    "node_modules/@aws-sdk/client-fake/dist-es/index.js": [
      `import { Fake$ } from "./schemas/${schemasFile}";`,
      'import manifest from "../package.json";',
      "export const fake = [Fake$, manifest.version];",
    ].join("\n"),
    [`node_modules/@aws-sdk/client-fake/dist-es/schemas/${schemasFile}`]: [
      constant,
      'export var Fake$ = [3, "ns", _a, { [_a]: 1 }, [], []];',
    ].join("\n"),
  });

  it("sdk-schemas, when a client's schema module moved", async () => {
    const moved = await project(fakeClient("schemas.js", 'const _a = "A";'));
    expect(await bundle(moved, sdkSchemas)).toContain(
      "sdk-schemas: no schema module of @aws-sdk/client-fake had constant keys to inline",
    );
    expect(await bundle(await project(fakeClient("schemas_0.js", 'const _a = "A";')), sdkSchemas)).toBe("built");
  });

  it("sdk-schemas, when a computed key has no string constant to inline", async () => {
    const reworded = await project(fakeClient("schemas_0.js", "const _a = 'A';"));
    expect(await bundle(reworded, sdkSchemas)).toContain(
      "sdk-schemas: computed keys with no string constant: client-fake: [_a]:",
    );
  });
});
