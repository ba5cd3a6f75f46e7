#!/usr/bin/env node
// `npm test`: builds dist/, makes the sandbox CA, unpacks the page tests' Chromium, then runs vitest with NODE_EXTRA_CA_CERTS pointing at it —
// Node reads that variable only when a process starts, so it must be set before the test workers exist.
import { execFileSync, spawnSync } from "node:child_process";

const node = process.execPath;
// End-to-end tests run the built CLI exactly as a user does, so build first (esbuild: about a second).
execFileSync(node, ["scripts/build.mjs"], { stdio: "inherit" });
const caPath = execFileSync(node, ["--import", "tsx", "sandbox/ensure-tls.ts"], { encoding: "utf8" }).trim();
const env = { ...process.env, NODE_EXTRA_CA_CERTS: caPath };
// The page tests' browser (see scripts/ensure-browser.mjs); a failure here leaves only those tests to fail, saying why.
const browser = spawnSync(node, ["scripts/ensure-browser.mjs"], { encoding: "utf8" });
if (browser.status === 0) {
  const { executablePath, libraryPath } = JSON.parse(browser.stdout);
  env.CHROMIUM_PATH = executablePath;
  if (libraryPath) env.CHROMIUM_LIBRARY_PATH = libraryPath;
} else {
  process.stderr.write(`could not prepare Chromium for the page tests: ${browser.stderr.trim()}\n`);
}
for (const name of ["AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_TENANT_ID", "AZURE_FEDERATED_TOKEN_FILE", "IDENTITY_ENDPOINT", "IDENTITY_HEADER", "MSI_ENDPOINT", "AzureWebJobsStorage"]) {
  delete env[name];
}
const result = spawnSync(node, ["node_modules/vitest/vitest.mjs", "run", ...process.argv.slice(2)], { stdio: "inherit", env });
process.exit(result.status ?? 1);
