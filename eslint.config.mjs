// One lint pass for the code and its security: typescript-eslint's type-aware rules (a promise left
// unawaited is an AWS call that may never finish), eslint-plugin-security's rules, and import
// boundaries that keep the layers flowing one way. Prettier owns formatting.
import js from "@eslint/js";
import { defineConfig } from "eslint/config";
import prettier from "eslint-config-prettier";
import security from "eslint-plugin-security";
import tseslint from "typescript-eslint";

export default defineConfig(
  { ignores: ["dist/", "reports/", "node_modules/", ".venv/"] },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  security.configs.recommended,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ["eslint.config.mjs"] } },
    },
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      // The type checker resolves names; this rule does not know Node's or the DOM's globals.
      "no-undef": "off",
    },
  },
  // The layers import one way: entry → jobs → core, jobs → adapters → core. The core decides from
  // facts alone, so it may not import the SDK, not even its types.
  layer(
    "core",
    ["adapters", "jobs", "entry"],
    [
      {
        group: ["@aws-sdk/*", "@smithy/*", "@aws-lambda-powertools/*", "p-limit"],
        message: "The core is pure: no SDK, logger or concurrency; an adapter or a job does that.",
      },
    ],
  ),
  layer("adapters", ["jobs", "entry"]),
  layer("jobs", ["entry"]),
  {
    // Tests and operator scripts handle JSON whose shape they assert or print (test reports, the AWS
    // CLI's output), and read and write files under paths they build from the repository's layout.
    files: ["test/**", "scripts/**", "eslint.config.mjs"],
    rules: {
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-return": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-explicit-any": "off",
      "security/detect-non-literal-fs-filename": "off",
      "security/detect-object-injection": "off",
      "security/detect-non-literal-regexp": "off",
    },
  },
  prettier,
  {
    // Prettier wraps code at 120 columns but leaves comments and strings as written: comments are
    // held to the same width; a string that cannot be broken may run past it.
    rules: {
      "max-len": ["error", { code: 120, ignoreUrls: true, ignoreStrings: true, ignoreTemplateLiterals: true }],
    },
  },
);

/**
 * Import rules for one layer of functions/pod-routes: the layers it may not import, and other bans.
 * @param {string} name
 * @param {string[]} above
 * @param {Array<{ group: string[]; message: string }>} more
 */
function layer(name, above, more = []) {
  return {
    files: [`functions/pod-routes/${name}/**`],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: above.map((other) => `**/${other}/*`),
              message: `${name} may not import ${above.join(", ")}: imports flow entry → jobs → adapters → core.`,
            },
            ...more,
          ],
        },
      ],
    },
  };
}
