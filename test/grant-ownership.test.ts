import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { DirectoryApp } from "../sandbox/graph/directory-state.js";
import { graphRouteNames } from "../sandbox/graph/route-names.js";
import { startSandbox, type Sandbox } from "../sandbox/start.js";
import { demoIds, demoPolicyYaml, demoWorld } from "../sandbox/world/demo.js";
import type { OwnershipReport } from "#shared/engine/ownership/index.js";
import { leakedSecrets, secretValuesOf } from "./support/canaries.js";
import { runBuiltCli } from "./support/cli.js";

// `watchdog grant-ownership` as an administrator runs it: the built CLI, signed in with an app registration's client
// secret (AZURE_CLIENT_ID / AZURE_CLIENT_SECRET / AZURE_TENANT_ID, the authority at AZURE_AUTHORITY_HOST) against the
// sandbox tenant, while `watchdog doctor` runs as the watchdog's managed identity.
describe("watchdog grant-ownership", () => {
  const now = new Date();
  const changedApps = [demoIds.apps.deployProd, demoIds.apps.deployStaging, demoIds.apps.terraformCi];
  const watchedApps = [demoIds.apps.dataEtl, demoIds.apps.reportsLegacy];
  let sandbox: Sandbox;
  let env: Record<string, string>;
  let principal: string;
  let secrets: string[];
  const outputs: string[] = [];

  /** An administrator's automation: an app registration with a client secret and the Graph permissions given. */
  const administrator = (roles: string[]) => {
    const secretText = `admin~${randomBytes(24).toString("base64url")}`;
    const app = sandbox.directory.state.addApplication({
      displayName: `ops-automation-${roles.length}`,
      owners: [],
      passwordCredentials: [
        { keyId: randomUUID(), displayName: "grant", startDateTime: new Date(now.getTime() - 86_400_000).toISOString(), endDateTime: new Date(now.getTime() + 30 * 86_400_000).toISOString(), secretText },
      ],
    });
    sandbox.directory.state.grantAppRoles(app, roles);
    secrets.push(secretText);
    return { ...env, AZURE_CLIENT_ID: app.appId, AZURE_CLIENT_SECRET: secretText, WATCHDOG_IDENTITY_PRINCIPAL_ID: principal };
  };
  const run = async (args: string[], runEnv: Record<string, string>) => {
    const result = await runBuiltCli(args, runEnv);
    outputs.push(result.stdout, result.stderr);
    return result;
  };
  const app = (appId: string): DirectoryApp => sandbox.directory.state.appByAppId(appId)!;
  const ownsAll = () => changedApps.map((id) => app(id).owners.includes(principal));
  const writes = () => sandbox.log.entries.filter((e) => e.method !== "GET" && !e.path.endsWith("/token"));

  beforeAll(async () => {
    const world = demoWorld(now);
    sandbox = await startSandbox(world);
    const dir = mkdtempSync(join(tmpdir(), "watchdog-ownership-"));
    writeFileSync(join(dir, "policy.yaml"), demoPolicyYaml);
    env = { ...sandbox.env, WATCHDOG_POLICY: join(dir, "policy.yaml"), WATCHDOG_STATE_DIR: join(dir, "state") };
    principal = sandbox.directory.state.managedIdentity.principalId;
    secrets = secretValuesOf(world, [sandbox.signingSecret]);
  });
  afterAll(async () => {
    for (const text of outputs) expect(leakedSecrets(text, secrets)).toEqual([]);
    await sandbox.close();
  });
  beforeEach(() => {
    // A fresh deployment: the identity owns none of the apps it is to change.
    for (const id of [...changedApps, ...watchedApps]) app(id).owners.splice(0, app(id).owners.length, `${id.slice(0, 8)}-0000-4000-8000-000000000001`);
    sandbox.log.clear();
  });

  it("before: doctor names each app without the identity as owner (exit 1); after: Graph lists the identity as owner and doctor's ownership lines pass; a second run changes nothing", async () => {
    const before = await run(["doctor"], env);
    expect(before.code).toBe(1);
    for (const id of changedApps) expect(before.stdout).toMatch(new RegExp(`MISSING +owner of app ${id}`));
    expect(before.stdout).toContain(`watchdog grant-ownership --principal-id ${principal}`);

    const admin = administrator(["Application.ReadWrite.All", "Directory.Read.All"]);
    const dry = await run(["grant-ownership", "--dry-run"], admin);
    expect(dry.code).toBe(0);
    for (const id of changedApps) expect(dry.stdout).toMatch(new RegExp(`app ${id} \\(.+\\) — .+: would add the owner`));
    expect(writes()).toEqual([]);
    expect(ownsAll()).toEqual([false, false, false]);

    const granted = await run(["grant-ownership"], admin);
    expect(granted.stderr).toBe("");
    expect(granted.code).toBe(0);
    expect(granted.stdout).toMatch(new RegExp(`app ${demoIds.apps.deployProd} \\(.+\\) — prod-deploy: owner added$`, "m"));
    expect(granted.stdout).toMatch(new RegExp(`app ${demoIds.apps.terraformCi} \\(.+\\) — terraform: owner added$`, "m"));
    for (const id of watchedApps) expect(granted.stdout).toMatch(new RegExp(`app ${id} — .+: not needed`));
    expect(ownsAll()).toEqual([true, true, true]);
    // Least privilege: apps the watchdog only reads are left alone.
    for (const id of watchedApps) expect(app(id).owners).not.toContain(principal);
    expect(writes().map((e) => e.route)).toEqual(changedApps.map(() => graphRouteNames.ownersAdd));

    const after = await run(["doctor"], env);
    for (const id of changedApps) expect(after.stdout).toMatch(new RegExp(`ok +owner of app ${id}`));
    expect(after.code).toBe(0);

    sandbox.log.clear();
    const again = await run(["grant-ownership", "--json"], admin);
    expect(again.code).toBe(0);
    const report = JSON.parse(again.stdout) as OwnershipReport;
    expect(report.apps.filter((l) => changedApps.includes(l.appId as never)).map((l) => l.outcome.kind)).toEqual(["already-owner", "already-owner", "already-owner"]);
    expect(writes()).toEqual([]);
  });

  it("a caller without the permission to add owners: a clear error per app, exit 1, nothing changed", async () => {
    const reader = administrator(["Application.Read.All", "Directory.Read.All"]);
    const refused = await run(["grant-ownership", "--principal-id", principal], reader);
    expect(refused.code).toBe(1);
    for (const id of changedApps) {
      expect(refused.stdout).toMatch(new RegExp(`app ${id} .*FAILED \\(403 Authorization_RequestDenied\\): the signed-in administrator may not add owners to this app: it takes Application\\.ReadWrite\\.All`));
      expect(refused.stdout).toContain(`az ad app owner add --id ${id} --owner-object-id ${principal}`);
    }
    expect(refused.stdout).toContain("3 app(s) failed");
    expect(ownsAll()).toEqual([false, false, false]);
    // Application.ReadWrite.OwnedBy changes owned apps only, and adding an owner is not among them for an app it does not own.
    const ownedBy = administrator(["Application.ReadWrite.OwnedBy", "Directory.Read.All"]);
    expect((await run(["grant-ownership"], ownedBy)).code).toBe(1);
    expect(ownsAll()).toEqual([false, false, false]);
  });

  it("an add whose answer was lost is retried; Graph's refusal of the duplicate is settled by re-reading the owners", async () => {
    const admin = administrator(["Application.ReadWrite.All", "Directory.Read.All"]);
    sandbox.directory.graph.faults.set(graphRouteNames.ownersAdd, { lostAnswers: 3, lostAnswerMode: "error", lostAnswerStatus: 503 });
    try {
      const granted = await run(["grant-ownership"], admin);
      expect(granted.code).toBe(0);
      for (const id of changedApps) expect(granted.stdout).toMatch(new RegExp(`app ${id} .*: owner added$`, "m"));
      expect(ownsAll()).toEqual([true, true, true]);
      // The log holds what Graph did: each first add applied (its answer then lost to a 503), each retry refused as a duplicate.
      const statuses = sandbox.log.entries.filter((e) => e.route === graphRouteNames.ownersAdd).map((e) => e.status);
      expect(statuses.filter((s) => s === 204)).toHaveLength(3);
      expect(statuses.filter((s) => s === 400)).toHaveLength(3);
    } finally {
      sandbox.directory.graph.faults.clear();
    }
  });

  it("while Graph's reads lag its writes, the added owner is reported as not visible yet", async () => {
    const admin = administrator(["Application.ReadWrite.All", "Directory.Read.All"]);
    sandbox.directory.state.staleReadMs = 60_000;
    try {
      const granted = await run(["grant-ownership"], admin);
      expect(granted.code).toBe(0);
      expect(granted.stdout).toMatch(new RegExp(`app ${demoIds.apps.deployProd} .*: owner added \\(Graph's reads do not show it yet`));
      expect(ownsAll()).toEqual([true, true, true]);
    } finally {
      sandbox.directory.state.staleReadMs = 0;
      sandbox.directory.state.catchUpReads();
    }
  });

  it("bad input changes nothing: no principal id (exit 2), a client id where the object id belongs (404, exit 1), no administrator sign-in (exit 1)", async () => {
    const admin = administrator(["Application.ReadWrite.All", "Directory.Read.All"]);
    const { WATCHDOG_IDENTITY_PRINCIPAL_ID: _unused, ...withoutPrincipal } = admin;
    const missing = await run(["grant-ownership"], withoutPrincipal);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("--principal-id: required (or WATCHDOG_IDENTITY_PRINCIPAL_ID)");
    expect((await run(["grant-ownership", "--principal-id", "not-a-uuid"], admin)).stderr).toContain("--principal-id: expected a UUID");

    const clientId = sandbox.directory.state.managedIdentity.clientId;
    const wrongId = await run(["grant-ownership", "--principal-id", clientId], admin);
    expect(wrongId.code).toBe(1);
    expect(wrongId.stdout).toContain(`FAILED (404 Request_ResourceNotFound): Graph knows no directory object ${clientId}: give the service principal's object id (not its client id)`);

    // No client secret, and no Azure CLI sign-in on this machine: the managed identity (IDENTITY_ENDPOINT is set) is never used.
    const { AZURE_CLIENT_SECRET: _secret, ...noSignIn } = admin;
    const unsigned = await run(["grant-ownership"], { ...noSignIn, PATH: "/nonexistent" });
    expect(unsigned.code).toBe(1);
    expect(unsigned.stderr).toContain("no administrator sign-in for Microsoft Graph");
    expect(unsigned.stderr).toContain("az login");
    expect(writes().filter((e) => e.status < 300)).toEqual([]);
    expect(ownsAll()).toEqual([false, false, false]);
  });
});
