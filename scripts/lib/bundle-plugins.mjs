// The esbuild plugins that make the Lambda bundle lean (scripts/lib/lambda-bundle.mjs): each says what
// it saves. Each rewrites an SDK internal, so each also says what it expects to find: a build in which a
// plugin found nothing (an SDK upgrade moved a file) fails, naming the plugin and the SDK versions,
// instead of shipping a bundle that silently grew.
import { existsSync, readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { builtinModules, createRequire } from "node:module";
import { dirname, resolve } from "node:path";
import { transform } from "esbuild";
import ts from "typescript";

/** @typedef {import("esbuild").Plugin} Plugin */
/** @typedef {import("esbuild").PluginBuild} PluginBuild */
/** @typedef {import("esbuild").Metafile} Metafile */
/** @typedef {Readonly<Record<string, readonly string[]>>} FieldsByShape */

const require = createRequire(import.meta.url);

/** The packages whose internals the plugins rewrite, with their installed versions. */
export function sdkVersions() {
  return ["@aws-sdk/client-ec2", "@aws-sdk/client-auto-scaling", "@smithy/core"]
    .map((name) => `${name} ${packageVersion(name)}`)
    .join(", ");
}

/** @param {string} name */
function packageVersion(name) {
  let entry;
  try {
    entry = require.resolve(name);
  } catch {
    return "(not installed)";
  }
  for (let dir = dirname(entry); dir !== dirname(dir); dir = dirname(dir)) {
    const manifestPath = resolve(dir, "package.json");
    if (!existsSync(manifestPath)) continue;
    /** @type {{ name?: string; version?: string }} */
    const manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
    if (manifest.name === name) return manifest.version ?? "(no version)";
  }
  return "(version unknown)";
}

/**
 * Registers a check that runs when the build ends: `problems` lists what the plugin expected and did
 * not find, given the build's metafile. Any problem fails the build.
 * @param {PluginBuild} builder
 * @param {string} plugin
 * @param {(metafile: Metafile) => string[]} problems
 */
function expectAtEnd(builder, plugin, problems) {
  builder.onEnd((result) => {
    if (result.errors.length > 0 || !result.metafile) return;
    const found = problems(result.metafile);
    if (found.length === 0) return;
    return {
      errors: found.map((problem) => ({
        pluginName: plugin,
        text:
          `${plugin}: ${problem}. The SDK has changed (${sdkVersions()}): ` +
          "update the plugin in scripts/lib/bundle-plugins.mjs, or drop it if it has nothing left to do",
      })),
    };
  });
}

/** The `@aws-sdk/client-*` packages whose code is in the bundle. */
/** @param {Metafile} metafile */
function bundledClients(metafile) {
  const clients = Object.keys(metafile.inputs).flatMap(
    (input) => input.match(/(?:^|[\\/])node_modules[\\/]@aws-sdk[\\/](client-[^\\/]+)[\\/]/)?.[1] ?? [],
  );
  return [...new Set(clients)];
}

/** @param {string} path */
function clientOf(path) {
  return path.match(/[\\/]@aws-sdk[\\/](client-[^\\/]+)[\\/]/)?.[1] ?? path;
}

/**
 * The SDK's generated schema modules key traits with computed properties (`{ [_xN]: ... }` where
 * `const _xN = "xmlName"`). esbuild cannot prove such keys pure, so it keeps every shape of the service
 * (aws-sdk-js-v3#7607: ~540 KB for EC2). Writing the constant keys out as the literals they are
 * changes nothing at run time and lets esbuild drop every shape the handler's operations do not reach.
 * Of the shapes they do reach, an EC2 instance's are most of what is left: those keep only the members
 * in INSTANCE_FIELDS (functions/pod-routes/adapters/instance-fields.ts), and esbuild drops what they led to.
 * Expects: every bundled client's schemas, each with constant keys to inline and none left over.
 * @type {Plugin}
 */
export const sdkSchemas = {
  name: "sdk-schemas",
  setup(builder) {
    /** @type {Set<string>} */
    const rewritten = new Set();
    /** @type {string[]} */
    const leftOver = [];
    builder.onLoad(
      { filter: /[\\/]@aws-sdk[\\/]client-[^\\/]+[\\/]dist-es[\\/]schemas[\\/]schemas_\d+\.js$/ },
      async ({ path }) => {
        const source = await readFile(path, "utf8");
        const strings = stringConstants(source);
        let inlined = 0;
        const rewrittenSource = source.replace(/\[(_\w+)\]:/g, (key, /** @type {string} */ name) => {
          const literal = strings.get(name);
          if (literal === undefined) {
            leftOver.push(`${clientOf(path)}: ${key}`);
            return key;
          }
          inlined++;
          return `${literal}:`;
        });
        if (inlined > 0) rewritten.add(clientOf(path));
        const contents = /[\\/]client-ec2[\\/]/.test(path)
          ? keepMembers(rewrittenSource, await instanceFields())
          : rewrittenSource;
        return { contents, loader: "js" };
      },
    );
    expectAtEnd(builder, "sdk-schemas", (metafile) => [
      ...bundledClients(metafile)
        .filter((client) => !rewritten.has(client))
        .map((client) => `no schema module of @aws-sdk/${client} had constant keys to inline`),
      ...(leftOver.length > 0
        ? [
            `computed keys with no string constant: ${leftOver.slice(0, 5).join(", ")}${leftOver.length > 5 ? ", …" : ""}`,
          ]
        : []),
    ]);
  },
};

/**
 * The module's `const _x = "literal"` declarations: name to literal.
 * @param {string} source
 * @returns {Map<string, string>}
 */
function stringConstants(source) {
  return new Map(
    [...source.matchAll(/^const (_\w+) = ("[^"\\\n]*");$/gm)].map(([, name = "", literal = ""]) => [name, literal]),
  );
}

/**
 * INSTANCE_FIELDS, read from its TypeScript module.
 * @returns {Promise<FieldsByShape>}
 */
async function instanceFields() {
  const { code } = await transform(await readFile("functions/pod-routes/adapters/instance-fields.ts", "utf8"), {
    loader: "ts",
    format: "esm",
  });
  /** @type {{ INSTANCE_FIELDS: FieldsByShape }} */
  const module = await import(`data:text/javascript,${encodeURIComponent(code)}`);
  return module.INSTANCE_FIELDS;
}

/**
 * A structure schema is `[3, namespace, name, traits, [memberNames], [memberSchemas]]`: this keeps the
 * listed members of the listed structures, in both lists, and fails the build on any name it cannot find.
 * @param {string} source
 * @param {FieldsByShape} fieldsByShape
 * @returns {string}
 */
export function keepMembers(source, fieldsByShape) {
  const strings = stringConstants(source);
  const file = ts.createSourceFile("schemas.js", source, ts.ScriptTarget.Latest, true);
  /** @type {Map<string, { start: number; end: number; schema: string }>} */
  const edits = new Map();
  const declarations = file.statements
    .filter(ts.isVariableStatement)
    .flatMap((statement) => [...statement.declarationList.declarations]);
  for (const declaration of declarations) {
    const shape = declaration.name.getText().match(/^(\w+)\$$/)?.[1];
    const fields = shape === undefined ? undefined : new Map(Object.entries(fieldsByShape)).get(shape);
    if (shape === undefined || fields === undefined) continue;
    const initializer = declaration.initializer;
    const elements = initializer && ts.isArrayLiteralExpression(initializer) ? initializer.elements : undefined;
    const [kind, namespace, name, traits, names, schemas, ...rest] = elements ?? [];
    if (
      !initializer ||
      !kind ||
      !namespace ||
      !name ||
      !traits ||
      kind.getText() !== "3" ||
      !names ||
      !ts.isArrayLiteralExpression(names) ||
      !schemas ||
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
    /** @param {import("typescript").ArrayLiteralExpression} list */
    const kept = (list) =>
      list.elements
        .filter((_, index) => fields.includes(/** @type {string} */ (memberNames[index])))
        .map((element) => element.getText());
    const head = [kind, namespace, name, traits].map((element) => element.getText());
    edits.set(shape, {
      start: initializer.getStart(),
      end: initializer.end,
      schema: `[${head.join(",")}, [${kept(names).join(",")}], [${kept(schemas).join(",")}]]`,
    });
  }
  const unmatched = Object.keys(fieldsByShape).filter((shape) => !edits.has(shape));
  if (unmatched.length > 0) {
    throw new Error(`no structure schema ${unmatched.join(", ")} in @aws-sdk/client-ec2: correct INSTANCE_FIELDS`);
  }
  return [...edits.values()]
    .sort((a, b) => b.start - a.start)
    .reduce((text, { start, end, schema }) => text.slice(0, start) + schema + text.slice(end), source);
}

/**
 * In Lambda, credentials come from the environment: see functions/pod-routes/adapters/lambda-credentials.ts.
 * Expects: the SDK to import the default provider chain.
 * @type {Plugin}
 */
export const environmentCredentialsOnly = {
  name: "environment-credentials-only",
  setup(builder) {
    let replaced = false;
    builder.onResolve({ filter: /^@aws-sdk\/credential-provider-node$/ }, () => {
      replaced = true;
      return { path: resolve("functions/pod-routes/adapters/lambda-credentials.ts") };
    });
    expectAtEnd(builder, "environment-credentials-only", () =>
      replaced ? [] : ["nothing imports @aws-sdk/credential-provider-node"],
    );
  },
};

/**
 * The SDK loads `@smithy/core/event-streams` only for operations with event streams, which EC2 and
 * Auto Scaling have none of. Left external, it would stay a bare `import()` that Lambda, with no
 * node_modules beside the bundle, could not resolve; bundled, it would cost its size. It becomes a stub
 * that says why it is missing. Expects: the SDK to import it.
 * @type {Plugin}
 */
export const noEventStreams = {
  name: "no-event-streams",
  setup(builder) {
    let replaced = false;
    builder.onResolve({ filter: /^@smithy\/core\/event-streams$/ }, ({ path }) => {
      replaced = true;
      return { path, namespace: "no-event-streams" };
    });
    builder.onLoad({ filter: /.*/, namespace: "no-event-streams" }, () => ({
      contents: [
        "const absent = () => {",
        '  throw new Error("pod-routes bundles no event streams: EC2 and Auto Scaling operations have none");',
        "};",
        "export class EventStreamSerde { constructor() { absent(); } }",
        "export const eventStreamSerdeProvider = absent;",
      ].join("\n"),
      loader: "js",
    }));
    expectAtEnd(builder, "no-event-streams", () => (replaced ? [] : ["nothing imports @smithy/core/event-streams"]));
  },
};

/**
 * Node built-ins through `require`, not `import`. Importing a built-in as an ES module builds a facade
 * that reads every export, which runs lazy getters: `node:crypto` loads WebCrypto, `node:process`
 * opens stdin and stdout (~13 ms of a cold start here). Each built-in becomes a small module that
 * requires it and reads, as a pure call esbuild drops when unused, only the exports the bundle imports.
 * (A CommonJS shim reads nothing either, but esbuild then copies every property of the built-in into a
 * getter, once per importing module: ~400 KB of garbage and a young-generation GC at every cold start.)
 * Expects: at least one built-in import.
 * @type {Plugin}
 */
export const builtinsViaRequire = {
  name: "builtins-via-require",
  setup(builder) {
    const { banner } = builder.initialOptions;
    const requireFunction =
      'import { createRequire as __createRequire } from "node:module"; ' +
      "const __nodeRequire = __createRequire(import.meta.url);";
    builder.initialOptions.banner = { ...banner, js: [requireFunction, banner?.["js"]].filter(Boolean).join("\n") };
    const builtins = builtinModules.map((name) => name.replace(/[/]/g, "\\/")).join("|");
    let replaced = false;
    builder.onResolve({ filter: new RegExp(`^(node:)?(${builtins})$`) }, ({ path }) => {
      replaced = true;
      return { path: path.replace(/^node:/, ""), namespace: "node-builtin" };
    });
    builder.onLoad({ filter: /.*/, namespace: "node-builtin" }, ({ path }) => {
      // `path` is one of Node's built-in names: the filter above matched nothing else.
      /** @type {Record<string, unknown>} */
      // eslint-disable-next-line security/detect-non-literal-require
      const builtin = require(`node:${path}`);
      const names = Object.getOwnPropertyNames(builtin).filter(
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
    expectAtEnd(builder, "builtins-via-require", () => (replaced ? [] : ["the bundle imports no Node built-in"]));
  },
};
