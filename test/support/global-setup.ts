// Runs once before any test file. The sandbox CA is made by scripts/test.mjs (NODE_EXTRA_CA_CERTS must
// be set before workers start); here we only check that it was, to fail with a clear message otherwise.
export default function setup(): void {
  if (!process.env.NODE_EXTRA_CA_CERTS) {
    throw new Error("Run the suite with `npm test` (or `node scripts/test.mjs <filter>`): it sets NODE_EXTRA_CA_CERTS to the sandbox CA.");
  }
}
