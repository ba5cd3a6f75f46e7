#!/usr/bin/env node
// Bundles every entry point with esbuild into CommonJS under dist/: one file per Azure Function (the
// Functions host loads `main` = dist/functions/*.js), the CLI, and the sandbox programs (`npm start`,
// `npm run bench`). Bundling cuts cold start (see README "Scale"); @azure/functions-core is provided by the host.
import { build } from "esbuild";
import { existsSync, readdirSync } from "node:fs";

const functionEntries = readdirSync("functions")
  .filter((f) => f.endsWith(".ts"))
  .map((f) => `functions/${f}`);

const common = {
  bundle: true,
  platform: "node",
  target: "node20",
  format: "cjs",
  sourcemap: "linked",
  external: ["@azure/functions-core"],
  logLevel: "warning",
  // Some ESM-only dependencies read import.meta.url; give them a CommonJS equivalent.
  define: { "import.meta.url": "__import_meta_url" },
  banner: { js: "const __import_meta_url = require('url').pathToFileURL(__filename).href;" },
};

const jobs = [];
if (functionEntries.length > 0) {
  jobs.push(build({ ...common, entryPoints: functionEntries, outdir: "dist/functions" }));
}
jobs.push(build({ ...common, entryPoints: ["cli/main.ts"], outfile: "dist/cli.js" }));
const sandboxEntries = ["sandbox/demo.ts", "sandbox/bench.ts"].filter((f) => existsSync(f));
if (sandboxEntries.length > 0) {
  jobs.push(build({ ...common, entryPoints: sandboxEntries, outdir: "dist/sandbox" }));
}
await Promise.all(jobs);
