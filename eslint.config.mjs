import js from "@eslint/js";
import tseslint from "typescript-eslint";
import globals from "globals";

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "coverage/**", ".sandbox/**", ".watchdog/**", "test-artifacts/**", ".bench-tmp/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
    },
  },
  {
    // The core never uses `any`: every outside value is parsed with zod at the edge.
    files: ["shared/**/*.ts", "functions/**/*.ts", "cli/**/*.ts"],
    rules: { "@typescript-eslint/no-explicit-any": "error" },
  },
  {
    // The domain is pure: no I/O and no clock (time is a parameter).
    files: ["shared/domain/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", { patterns: ["node:*", "fs", "http", "https", "axios", "@azure/*", "@microsoft/*", "../adapters/*", "../engine/*", "../app/*"] }],
      "no-restricted-syntax": ["error",
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: "shared/domain is pure: take `now` as a parameter." },
        { selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']", message: "shared/domain is pure: take `now` as a parameter." },
        { selector: "CallExpression[callee.object.name='Math'][callee.property.name='random']", message: "shared/domain is pure: no randomness." }
      ],
    },
  },
  {
    files: ["scripts/**/*.mjs", "bin/**/*.js"],
    languageOptions: { globals: { ...globals.node } },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
);
