#!/usr/bin/env node
// Bundles every entry point with esbuild into CommonJS under dist/: one file per Azure Function (the
// Functions host loads `main` = dist/functions/*.js), the app those functions share, the CLI, the sandbox's
// demo (`npm start`) and the benchmark (`npm run bench`). Bundling cuts cold start (see README "Scale"); @azure/functions-core
// is provided by the host.
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

// The host loads every entry at worker start, so an entry holds only its registration: its handler imports the
// app lazily (shared/app/function-handlers.ts), and this plugin points that import at the one bundle of the app
// built below instead of inlining a copy per entry (six copies cost ~1 s to load, and each would have its own
// error classes, so `instanceof` between them would fail). The path is relative to dist/functions/.
const sharedApp = {
  name: "shared-app",
  setup(b) {
    b.onResolve({ filter: /^#shared\/app\/function-handlers\.js$/ }, () => ({ path: "../app/function-handlers.js", external: true }));
  },
};

const jobs = [];
if (functionEntries.length > 0) {
  jobs.push(
    build({
      ...common,
      entryPoints: functionEntries,
      outdir: "dist/functions",
      plugins: [sharedApp],
      // Emit that import() as require(): a real import() of the 4 MB CommonJS app goes through the ESM loader, which
      // scans the whole file for its export names first (measured here: +100 to +200 ms on Node 20 and 22).
      supported: { "dynamic-import": false },
      // One copy of @azure/functions from node_modules (a dependency the deploy keeps) for every entry: registration
      // state (the programming model handed to the worker) then lives in one place, and no entry pays for a bundled copy.
      external: [...common.external, "@azure/functions"],
    }),
  );
  // Outside dist/functions/, so the host's `main` glob never loads it as an entry of its own.
  jobs.push(build({ ...common, entryPoints: ["shared/app/function-handlers.ts"], outfile: "dist/app/function-handlers.js" }));
}
jobs.push(build({ ...common, entryPoints: ["cli/main.ts"], outfile: "dist/cli.js" }));
// dist/bench/main.js finds the Functions bundles it times at ../functions.
for (const [entry, outfile] of [["sandbox/demo.ts", "dist/sandbox/demo.js"], ["bench/main.ts", "dist/bench/main.js"]]) {
  if (existsSync(entry)) jobs.push(build({ ...common, entryPoints: [entry], outfile }));
}
await Promise.all(jobs);
