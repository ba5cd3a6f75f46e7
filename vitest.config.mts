import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  // tsconfig.json's paths: `#shared/...` is the product's shared/ folder.
  resolve: { alias: [{ find: /^#shared\//, replacement: fileURLToPath(new URL("./shared/", import.meta.url)) }] },
  test: {
    include: ["test/**/*.test.ts"],
    // Forks, not threads: NODE_EXTRA_CA_CERTS (the sandbox CA) is read once per process at start.
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 60_000,
    globalSetup: ["test/support/global-setup.ts"],
  },
});
