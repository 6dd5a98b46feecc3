// The esbuild plugins that keep the Lambda bundle lean (scripts/lib/lambda-bundle.mjs). Each rewrites an
// SDK internal, so each checks that it found what it rewrites: a build in which one found nothing (an SDK
// upgrade moved a file) fails, naming the plugin and the SDK versions, instead of silently growing.
import { existsSync, readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { transform } from "esbuild";
import ts from "typescript";

/** @typedef {Readonly<Record<string, readonly string[]>>} FieldsByShape */

/** The packages whose internals the plugins rewrite, with their installed versions. */
export function sdkVersions() {
  const version = (/** @type {string} */ file) =>
    existsSync(file) ? JSON.parse(readFileSync(file, "utf8")).version : "?";
  const names = ["@aws-sdk/client-ec2", "@aws-sdk/client-auto-scaling", "@smithy/core"];
  return names.map((name) => `${name} ${version(`node_modules/${name}/package.json`)}`).join(", ");
}

/**
 * Fails the build, when it ends, with each of `problems(metafile)`: what the plugin expected and did not find.
 * @param {import("esbuild").PluginBuild} builder @param {string} plugin
 * @param {(metafile: import("esbuild").Metafile) => string[]} problems
 */
function expectAtEnd(builder, plugin, problems) {
  builder.onEnd(({ errors, metafile }) => {
    const found = errors.length === 0 && metafile ? problems(metafile) : [];
    const fix = "update the plugin in scripts/lib/bundle-plugins.mjs, or drop it if it has nothing left to do";
    const text = (/** @type {string} */ problem) =>
      `${plugin}: ${problem}. The SDK has changed (${sdkVersions()}): ${fix}`;
    return { errors: found.map((problem) => ({ pluginName: plugin, text: text(problem) })) };
  });
}

/** @param {string} path the `client-*` package a path is in */
const clientOf = (path) => path.match(/[\\/]@aws-sdk[\\/](client-[^\\/]+)[\\/]/)?.[1];

/**
 * The SDK's schema modules key traits with computed properties (`{ [_xN]: ... }`, `const _xN = "xmlName"`),
 * which esbuild cannot prove pure, so it keeps every shape of the service (aws-sdk-js-v3#7607: ~540 KB for
 * EC2). Written out as the literals they are, esbuild keeps only the shapes the handler's operations reach,
 * less two things: the modeled error classes (an AWS error is then the client's base exception named by
 * its code, as for any unmodeled error), and of an EC2 instance's 60-odd members, all but INSTANCE_FIELDS
 * (adapters/instance-fields.ts). Expects: every bundled client's schemas, with constant keys to inline.
 * @type {import("esbuild").Plugin}
 */
export const sdkSchemas = {
  name: "sdk-schemas",
  setup(builder) {
    const rewritten = new Set();
    /** @type {string[]} */
    const leftOver = [];
    const schemaModule = /[\\/]@aws-sdk[\\/]client-[^\\/]+[\\/]dist-es[\\/]schemas[\\/]schemas_\d+\.js$/;
    builder.onLoad({ filter: schemaModule }, async ({ path }) => {
      const source = await readFile(path, "utf8");
      const strings = stringConstants(source);
      const inlined = source.replace(/\[(_\w+)\]:/g, (key, /** @type {string} */ name) => {
        const literal = strings.get(name);
        if (literal === undefined) leftOver.push(`${clientOf(path)}: ${key}`);
        else rewritten.add(clientOf(path));
        return literal === undefined ? key : `${literal}:`;
      });
      const unregistered = inlined.replace(/^n0_registry\.registerError\(.*\);$/gm, "");
      const isEc2 = clientOf(path) === "client-ec2";
      return { contents: isEc2 ? keepMembers(unregistered, await instanceFields()) : unregistered, loader: "js" };
    });
    expectAtEnd(builder, "sdk-schemas", ({ inputs }) => [
      ...[...new Set(Object.keys(inputs).flatMap((input) => clientOf(input) ?? []))]
        .filter((client) => !rewritten.has(client))
        .map((client) => `no schema module of @aws-sdk/${client} had constant keys to inline`),
      ...(leftOver.length > 0 ? [`computed keys with no string constant: ${leftOver.slice(0, 5).join(", ")}`] : []),
    ]);
  },
};

/** @param {string} source @returns {Map<string, string>} its `const _x = "literal"` lines, name to literal */
const stringConstants = (source) =>
  new Map(
    [...source.matchAll(/^const (_\w+) = ("[^"\\\n]*");$/gm)].map(([, name = "", literal = ""]) => [name, literal]),
  );

/** @returns {Promise<FieldsByShape>} INSTANCE_FIELDS, read from its TypeScript module */
async function instanceFields() {
  const source = await readFile("functions/pod-routes/adapters/instance-fields.ts", "utf8");
  const { code } = await transform(source, { loader: "ts", format: "esm" });
  return (await import(`data:text/javascript,${encodeURIComponent(code)}`)).INSTANCE_FIELDS;
}

/**
 * A structure schema is `[3, namespace, name, traits, [memberNames], [memberSchemas]]`: this keeps the
 * listed members of the listed structures, in both lists, and fails the build on any name it cannot find.
 * @param {string} source @param {FieldsByShape} fieldsByShape @returns {string}
 */
export function keepMembers(source, fieldsByShape) {
  const strings = stringConstants(source);
  const file = ts.createSourceFile("schemas.js", source, ts.ScriptTarget.Latest, true);
  /** @type {Map<string, { start: number; end: number; schema: string }>} */
  const edits = new Map();
  const declarations = file.statements.filter(ts.isVariableStatement).flatMap((s) => s.declarationList.declarations);
  for (const declaration of declarations) {
    const shape = declaration.name.getText().match(/^(\w+)\$$/)?.[1] ?? "";
    const fields = Object.hasOwn(fieldsByShape, shape) ? fieldsByShape[shape] : undefined;
    if (!fields) continue;
    const list = declaration.initializer;
    const [kind, , , , names, schemas, ...rest] = isList(list) ? list.elements : [];
    if (!isList(list) || kind?.getText() !== "3" || !isList(names) || !isList(schemas) || rest.length > 0)
      throw new Error(`${shape}$ in @aws-sdk/client-ec2 is not a structure schema this build understands`);
    const memberNames = names.elements.map((element) =>
      ts.isStringLiteral(element) ? element.text : JSON.parse(strings.get(element.getText()) ?? "null"),
    );
    const missing = fields.filter((field) => !memberNames.includes(field));
    if (missing.length > 0) throw new Error(`${shape} has no member ${missing.join(", ")}: correct INSTANCE_FIELDS`);
    /** @param {import("typescript").ArrayLiteralExpression} members */
    const kept = (members) =>
      members.elements.filter((_, index) => fields.includes(memberNames[index])).map((element) => element.getText());
    const head = list.elements.slice(0, 4).map((element) => element.getText());
    const schema = `[${head.join(",")}, [${kept(names).join(",")}], [${kept(schemas).join(",")}]]`;
    edits.set(shape, { start: list.getStart(), end: list.end, schema });
  }
  const unmatched = Object.keys(fieldsByShape).filter((shape) => !edits.has(shape));
  if (unmatched.length > 0)
    throw new Error(`no structure schema ${unmatched.join(", ")} in @aws-sdk/client-ec2: correct INSTANCE_FIELDS`);
  return [...edits.values()]
    .sort((a, b) => b.start - a.start)
    .reduce((text, { start, end, schema }) => text.slice(0, start) + schema + text.slice(end), source);
}

/** @param {ts.Node | undefined} node @returns {node is ts.ArrayLiteralExpression} */
const isList = (node) => node !== undefined && ts.isArrayLiteralExpression(node);

/**
 * A plugin, named after it, that bundles pod-routes' stand-in module (in adapters/) for `specifier`.
 * @param {string} specifier @param {string} standInName @returns {import("esbuild").Plugin}
 */
const standIn = (specifier, standInName) => ({
  name: standInName,
  setup(builder) {
    let replaced = false;
    builder.onResolve({ filter: new RegExp(`^${specifier}$`) }, () => {
      replaced = true;
      return { path: resolve(`functions/pod-routes/adapters/${standInName}.ts`) };
    });
    expectAtEnd(builder, standInName, () => (replaced ? [] : [`nothing imports ${specifier}`]));
  },
});

/** In Lambda, credentials come from the environment: the default provider chain is not bundled. */
export const lambdaCredentials = standIn("@aws-sdk/credential-provider-node", "lambda-credentials");
/** EC2, Auto Scaling, SQS and Service Quotas have no event streams: their serde is not bundled. */
export const noEventStreams = standIn("@smithy/core/event-streams", "no-event-streams");
