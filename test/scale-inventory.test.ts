import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LoggedRequest } from "../sandbox/core/request-log.js";
import { startSandbox, type Sandbox } from "../sandbox/start.js";
import { generateWorld, type WorldShape } from "../sandbox/world/generate.js";
import { buildAdapters } from "#shared/app/compose.js";
import { readSettings } from "#shared/app/settings.js";
import { parsePolicy } from "#shared/domain/policy/index.js";
import type { Snapshot } from "#shared/domain/snapshot.js";
import { takeInventory } from "#shared/engine/inventory.js";

// A small generated world behind rate-limited emulators with small pages: the inventory must find every
// variable, app, password and secret, make no request twice, and ride out the 429s. Correctness only:
// speed is the benchmark's business (npm run bench).
const shape: WorldShape = { contexts: 12, variablesPerContext: 25, projects: 6, variablesPerProject: 12, apps: 60, passwordsPerApp: 2, vaultSecrets: 30 };
const now = new Date();
const generated = generateWorld(shape, now);
const identitySettings = ["IDENTITY_ENDPOINT", "IDENTITY_HEADER", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_TENANT_ID", "AZURE_FEDERATED_TOKEN_FILE", "MSI_ENDPOINT"];

describe("inventory of a generated world under rate limits", () => {
  let sandbox: Sandbox;
  let snapshot: Snapshot;
  let stateDir: string;
  const saved = new Map<string, string | undefined>();

  beforeAll(async () => {
    sandbox = await startSandbox(generated.world, { now: () => now, circlePageSize: 10, graphPageSize: 25, vaultPageSize: 10 });
    // A bucket far smaller than the 52 CircleCI pages: 429s are certain. Retry-After 1 s, as the emulator sends by default.
    sandbox.circleci.faults.set("*", { rateLimitPerSecond: 15, latencyMs: 5 });
    // One a second: under a loaded machine a bucket of two could refill between the three pages, and no 429 would come.
    sandbox.directory.graph.faults.set("*", { rateLimitPerSecond: 1, latencyMs: 5 });
    stateDir = mkdtempSync(join(tmpdir(), "watchdog-scale-"));
    // DefaultAzureCredential reads the managed identity endpoint from the process environment.
    for (const name of identitySettings) saved.set(name, process.env[name]);
    for (const name of identitySettings) delete process.env[name];
    Object.assign(process.env, { IDENTITY_ENDPOINT: sandbox.env.IDENTITY_ENDPOINT, IDENTITY_HEADER: sandbox.env.IDENTITY_HEADER });

    const parsed = parsePolicy(generated.policyYaml, { filename: "scale.policy.yaml", env: {} });
    if (!parsed.ok) throw new Error(`generated policy refused: ${JSON.stringify(parsed.errors)}`);
    const adapters = buildAdapters(readSettings({ ...sandbox.env, WATCHDOG_STATE_DIR: stateDir }), { vault: true }, "cli");
    snapshot = await takeInventory(adapters, parsed.policy, { now });
  }, 60_000);

  afterAll(async () => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await sandbox?.close();
    rmSync(stateDir, { recursive: true, force: true });
  });

  const requests = (emulator: string) => sandbox.log.entries.filter((e: LoggedRequest) => e.emulator === emulator);

  it("reads every source completely", () => {
    expect(snapshot.errors).toEqual([]);
  });

  it("finds every context and project variable", () => {
    const { circleci } = generated.world;
    const found = snapshot.circleci.variables.map((v) => (v.scope.kind === "context" ? `context ${v.scope.contextId} ${v.name}` : `project ${v.scope.projectSlug} ${v.name}`));
    const expected = [
      ...circleci.contexts.flatMap((c) => c.variables.map((v) => `context ${c.id} ${v.name}`)),
      ...circleci.projects.flatMap((p) => p.variables.map((v) => `project ${p.slug} ${v.name}`)),
    ];
    expect(found.sort()).toEqual(expected.sort());
    expect(snapshot.circleci.contexts.map((c) => c.id).sort()).toEqual(circleci.contexts.map((c) => c.id).sort());
    expect(snapshot.circleci.projects).toEqual(circleci.projects.map((p) => p.slug).sort());
  });

  it("finds every app registration with its passwords, and every Key Vault secret", () => {
    const { entra, keyVault } = generated.world;
    expect(snapshot.entra.apps.map((a) => a.appId).sort()).toEqual(entra.applications.map((a) => a.appId).sort());
    const keyIds = snapshot.entra.apps.flatMap((a) => a.passwords.map((p) => p.keyId));
    expect(keyIds.sort()).toEqual(entra.applications.flatMap((a) => a.passwordCredentials.map((p) => p.keyId)).sort());
    expect(snapshot.keyVault?.secrets.map((s) => s.name).sort()).toEqual(keyVault.secrets.map((s) => s.name).sort());
  });

  it("never holds a value", () => {
    const text = JSON.stringify(snapshot);
    for (const context of generated.world.circleci.contexts) for (const v of context.variables) expect(text).not.toContain(v.value);
    for (const app of generated.world.entra.applications) for (const p of app.passwordCredentials) expect(text).not.toContain(p.secretText);
  });

  it("rides out the 429s: each throttled request is retried, and nothing answered is asked again", () => {
    expect(sandbox.circleci.faults.injected.rateLimited).toBeGreaterThan(0);
    expect(sandbox.directory.graph.faults.injected.rateLimited).toBeGreaterThan(0);
    const answered = sandbox.log.entries.filter((e) => e.status >= 200 && e.status < 300).map((e) => `${e.emulator} ${e.method} ${e.path}${e.query}`);
    expect(answered.length).toBeGreaterThan(0);
    expect(new Set(answered).size).toBe(answered.length);
  });

  it("makes one request per page, plus one retry per 429 and what authentication needs", () => {
    // Contexts (2 pages), each context's variables (3) and restrictions (1, none in this world), each project's variables (2).
    const circlePages = 2 + shape.contexts * (3 + 1) + shape.projects * 2;
    const circle = requests("circleci");
    expect(circle.filter((e) => e.status === 200)).toHaveLength(circlePages);
    expect(circle.filter((e) => e.status !== 200 && e.status !== 429)).toEqual([]);
    expect(requests("graph").filter((e) => e.status === 200)).toHaveLength(3);
    // Key Vault: the SDK's challenge (401), then three pages of ten.
    expect(requests("keyvault").map((e) => e.status)).toEqual([401, 200, 200, 200]);
    // One managed-identity token per resource (Graph, Key Vault).
    expect(requests("entra").filter((e) => e.status === 200)).toHaveLength(2);
  });
});
