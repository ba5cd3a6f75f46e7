#!/usr/bin/env node
// Prints, as JSON, the Chromium the page tests drive: {"executablePath", "libraryPath"?}.
// CHROMIUM_PATH (a system Chromium, e.g. Debian's /usr/bin/chromium) wins when set. Otherwise the browser comes from
// the npm package @sparticuz/chromium, installed by `npm ci` like every other dependency (nothing is downloaded
// at run time): a Brotli-packed headless Chromium built for serverless hosts, unpacked here once per checkout into
// .sandbox/browser before the test workers start (so parallel test files never race on a half-written binary).
// The package unpacks the NSS libraries it ships (libnss3, libnspr4, libexpat) only when it believes it runs on
// Amazon Linux 2023, a plain Debian with no browser has none of them, so we say so through its own signal and hand
// the library folder to the browser's environment (test/support/browser.ts), never to Node's.
import { existsSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";

const override = process.env.CHROMIUM_PATH;
if (override) {
  if (!existsSync(override)) {
    process.stderr.write(`CHROMIUM_PATH=${override} does not exist\n`);
    process.exit(1);
  }
  process.stdout.write(JSON.stringify({ executablePath: override }));
} else {
  const dir = resolve(process.argv[2] ?? ".sandbox/browser");
  mkdirSync(dir, { recursive: true });
  process.env.TMPDIR = dir; // the package unpacks into os.tmpdir()
  process.env.AWS_EXECUTION_ENV ??= "AWS_Lambda_nodejs20.x";
  const { default: chromium } = await import("@sparticuz/chromium");
  const executablePath = await chromium.executablePath();
  process.stdout.write(JSON.stringify({ executablePath, libraryPath: join(dir, "al2023", "lib") }));
}
