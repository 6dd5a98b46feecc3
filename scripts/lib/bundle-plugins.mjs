// The esbuild plugins that make the Lambda bundle lean (scripts/build.mjs): each says what it saves.
import { readFile } from "node:fs/promises";
import { builtinModules, createRequire } from "node:module";
import { resolve } from "node:path";
import { transform } from "esbuild";
import ts from "typescript";

const require = createRequire(import.meta.url);

/**
 * The SDK's generated schema modules key traits with computed properties (`{ [_xN]: ... }` where
 * `const _xN = "xmlName"`). esbuild cannot prove such keys pure, so it keeps every shape of the service
 * (aws-sdk-js-v3 issue 7607: ~540 KB for EC2). Writing the constant keys out as the literals they are
 * changes nothing at run time and lets esbuild drop every shape the handler's operations do not reach.
 * Of the shapes they do reach, an EC2 instance's are most of what is left: those keep only the members
 * in INSTANCE_FIELDS (functions/pod-routes/instance-fields.ts), and esbuild drops what they led to.
 */
export const sdkSchemas = {
  name: "sdk-schemas",
  setup(builder) {
    builder.onLoad(
      { filter: /[\\/]@aws-sdk[\\/]client-[^\\/]+[\\/]dist-es[\\/]schemas[\\/]schemas_\d+\.js$/ },
      async ({ path }) => {
        const source = await readFile(path, "utf8");
        const strings = stringConstants(source);
        const inlined = source.replace(/\[(_\w+)\]:/g, (key, name) =>
          strings.has(name) ? `${strings.get(name)}:` : key,
        );
        const contents = /[\\/]client-ec2[\\/]/.test(path) ? keepMembers(inlined, await instanceFields()) : inlined;
        return { contents, loader: "js" };
      },
    );
  },
};

/** The module's `const _x = "literal"` declarations: name to literal. */
function stringConstants(source) {
  return new Map([...source.matchAll(/^const (_\w+) = ("[^"\\\n]*");$/gm)].map(([, name, literal]) => [name, literal]));
}

/** INSTANCE_FIELDS, read from its TypeScript module. */
async function instanceFields() {
  const { code } = await transform(await readFile("functions/pod-routes/instance-fields.ts", "utf8"), {
    loader: "ts",
    format: "esm",
  });
  return (await import(`data:text/javascript,${encodeURIComponent(code)}`)).INSTANCE_FIELDS;
}

/**
 * A structure schema is `[3, namespace, name, traits, [memberNames], [memberSchemas]]`: this keeps the
 * listed members of the listed structures, in both lists, and fails the build on any name it cannot find.
 */
export function keepMembers(source, fieldsByShape) {
  const strings = stringConstants(source);
  const file = ts.createSourceFile("schemas.js", source, ts.ScriptTarget.Latest, true);
  const edits = new Map();
  for (const declaration of file.statements
    .filter(ts.isVariableStatement)
    .flatMap((statement) => statement.declarationList.declarations)) {
    const shape = declaration.name.getText().match(/^(\w+)\$$/)?.[1];
    if (!shape || !Object.hasOwn(fieldsByShape, shape)) continue;
    const fields = fieldsByShape[shape];
    const [kind, namespace, name, traits, names, schemas, ...rest] = declaration.initializer?.elements ?? [];
    if (
      kind?.getText() !== "3" ||
      !ts.isArrayLiteralExpression(names) ||
      !ts.isArrayLiteralExpression(schemas) ||
      rest.length > 0
    ) {
      throw new Error(`${shape}$ in @aws-sdk/client-ec2 is not a structure schema this build understands`);
    }
    const memberNames = names.elements.map((element) =>
      ts.isStringLiteral(element) ? element.text : JSON.parse(strings.get(element.getText()) ?? "null"),
    );
    const missing = fields.filter((field) => !memberNames.includes(field));
    if (missing.length > 0) throw new Error(`${shape} has no member ${missing.join(", ")}: correct INSTANCE_FIELDS`);
    const kept = (list) =>
      list.elements.filter((_, index) => fields.includes(memberNames[index])).map((element) => element.getText());
    const head = [kind, namespace, name, traits].map((element) => element.getText());
    edits.set(shape, {
      start: declaration.initializer.getStart(),
      end: declaration.initializer.end,
      schema: `[${head}, [${kept(names)}], [${kept(schemas)}]]`,
    });
  }
  const unmatched = Object.keys(fieldsByShape).filter((shape) => !edits.has(shape));
  if (unmatched.length > 0)
    throw new Error(`no structure schema ${unmatched.join(", ")} in @aws-sdk/client-ec2: correct INSTANCE_FIELDS`);
  return [...edits.values()]
    .sort((a, b) => b.start - a.start)
    .reduce((text, { start, end, schema }) => text.slice(0, start) + schema + text.slice(end), source);
}

/** In Lambda, credentials come from the environment: see functions/pod-routes/lambda-credentials.ts. */
export const environmentCredentialsOnly = {
  name: "environment-credentials-only",
  setup(builder) {
    builder.onResolve({ filter: /^@aws-sdk\/credential-provider-node$/ }, () => ({
      path: resolve("functions/pod-routes/lambda-credentials.ts"),
    }));
  },
};

/** The SDK clients read only `version` from their package.json (for the user agent): keep just that. */
export const packageVersionOnly = {
  name: "package-version-only",
  setup(builder) {
    builder.onLoad({ filter: /[\\/]@aws-sdk[\\/]client-[^\\/]+[\\/]package\.json$/ }, async ({ path }) => {
      const { name, version } = JSON.parse(await readFile(path, "utf8"));
      return { contents: JSON.stringify({ name, version }), loader: "json" };
    });
  },
};

/**
 * The SDK's pure-JavaScript SHA-256 is its fallback for a runtime without a native one; Node's crypto
 * always has SHA-256, so the fallback can never run here. It is left out (3 KB) with a stub that says so.
 */
export const nativeSha256Only = {
  name: "native-sha256-only",
  setup(builder) {
    builder.onLoad(
      { filter: /[\\/]@smithy[\\/]core[\\/]dist-es[\\/]submodules[\\/]checksum[\\/]sha256[\\/]Sha256Js\.js$/ },
      () => ({
        contents:
          'export class Sha256Js { constructor() { throw new Error("pod-routes bundles no pure-JavaScript SHA-256: Node\'s crypto provides it"); } }',
        loader: "js",
      }),
    );
  },
};

/**
 * Node built-ins through `require`, not `import`. Importing a built-in as an ES module builds a facade
 * that reads every export, which runs lazy getters: `node:crypto` loads WebCrypto, `node:process`
 * opens stdin and stdout (~13 ms of a cold start here). Each built-in becomes a small module that
 * requires it and reads, as a pure call esbuild drops when unused, only the exports the bundle imports.
 * (A CommonJS shim reads nothing either, but esbuild then copies every property of the built-in into a
 * getter, once per importing module: ~400 KB of garbage and a young-generation GC at every cold start.)
 */
export const builtinsViaRequire = {
  name: "builtins-via-require",
  setup(builder) {
    const { banner } = builder.initialOptions;
    const requireFunction =
      'import { createRequire as __createRequire } from "node:module"; const __nodeRequire = __createRequire(import.meta.url);';
    builder.initialOptions.banner = { ...banner, js: [requireFunction, banner?.js].filter(Boolean).join("\n") };
    const builtins = builtinModules.map((name) => name.replace(/[/]/g, "\\/")).join("|");
    builder.onResolve({ filter: new RegExp(`^(node:)?(${builtins})$`) }, ({ path }) => ({
      path: path.replace(/^node:/, ""),
      namespace: "node-builtin",
    }));
    builder.onLoad({ filter: /.*/, namespace: "node-builtin" }, ({ path }) => {
      const names = Object.getOwnPropertyNames(require(`node:${path}`)).filter(
        (name) => /^[A-Za-z_$][\w$]*$/.test(name) && name !== "default",
      );
      const exports = names.map((name) => `export const ${name} = /* @__PURE__ */ __read("${name}");`);
      return {
        contents: [
          `const __builtin = __nodeRequire("node:${path}"), __read = (name) => __builtin[name];`,
          "export default __builtin;",
          ...exports,
        ].join("\n"),
        loader: "js",
      };
    });
  },
};
