import js from "@eslint/js";
import tseslint from "typescript-eslint";
import globals from "globals";

const productBoundary = { regex: "^(\\.\\./)+(sandbox|bench)/", message: "The product never imports the sandbox or the benchmark." };

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
    // The sandbox is a world the product meets only through settings: it shares no code with the product, and the
    // product none with it. The benchmark (bench/) and the tests drive both, so they may import either.
    files: ["sandbox/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [{ regex: "^((\\.\\./)+(shared|cli|functions|bench)|#shared)/", message: "sandbox/ never imports the product or the benchmark." }] }],
    },
  },
  {
    files: ["shared/**/*.ts", "functions/**/*.ts", "cli/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [productBoundary] }],
    },
  },
  {
    // The domain is pure: no I/O and no clock (time is a parameter).
    files: ["shared/domain/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [productBoundary, { group: ["node:*", "fs", "http", "https", "axios", "@azure/*", "@microsoft/*", "../adapters/*", "../engine/*", "../app/*"], message: "shared/domain is pure: no I/O, no adapters, engine or app." }] }],
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
