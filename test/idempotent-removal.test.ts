import { randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { graphRouteNames, type MissingCredentialAnswer } from "../sandbox/graph/index.js";
import { keyVaultRoutes } from "../sandbox/keyvault/index.js";
import { rotateCredential, type RotationResult } from "#shared/engine/rotation/index.js";
import { HOUR, startRotationSandbox, TestClock, type RotationSandbox } from "./support/rotation-sandbox.js";
import { fastTestRetry, instantPropagation } from "./support/rotation-scenario.js";
import { startLocalStateStore, type StartedStateStore } from "./support/state-stores.js";

// Removing what is already gone (a retried or racing retire, a person who cleaned up first) must succeed
// whatever words the service answers with: Graph documents neither its 400 nor its 404 for a missing key, so
// after any 400/404 the adapter re-reads the app (or the vault's versions) and decides from that. The Graph
// emulator answers in each form (its old wording, 404 Request_ResourceNotFound, a 400 in other words).

const answers: MissingCredentialAnswer[] = ["sandbox-wording", "not-found", "other-wording"];
const issuer = "https://oidc.circleci.com/org/0c9f5e7a-3d21-4b8e-a6f4-92d1c7e3b805";

let sandbox: RotationSandbox;
let started: StartedStateStore;

beforeAll(async () => {
  sandbox = await startRotationSandbox();
  started = await startLocalStateStore();
});
afterEach(() => {
  sandbox.clearFaults();
  sandbox.directory.graph.missingCredentialAnswer = "sandbox-wording";
});
afterAll(async () => {
  await sandbox?.close();
  await started?.stop();
});

describe.each(answers)("Graph answers a missing credential with %s", (answer) => {
  it("a retire whose old password someone else removed first finishes: password gone, old version disabled", async () => {
    sandbox.directory.graph.missingCredentialAnswer = answer;
    const kase = sandbox.addCredential(`raced-${answer}`);
    const clock = new TestClock();
    const rotate = async () =>
      (await rotateCredential(sandbox.ports(started.store), kase.credential, { tenantId: sandbox.tenantId, now: clock.now, actor: "timer", manual: false, snapshotComplete: true, testRetry: fastTestRetry, propagation: instantPropagation })) as RotationResult;
    expect(await rotate()).toMatchObject({ state: "pushed" });
    clock.advance(25 * HOUR);
    // A racing run (or a person) removes the old password between this run's read of the app and its removal.
    const ports = sandbox.ports(started.store);
    const directory = ports.directory;
    ports.directory = Object.assign(Object.create(directory) as typeof directory, {
      removePassword: async (objectId: string, keyId: string) => {
        sandbox.directory.state.removePassword(sandbox.directory.state.appById(objectId)!, keyId);
        return directory.removePassword(objectId, keyId);
      },
    });
    const retired = (await rotateCredential(ports, kase.credential, { tenantId: sandbox.tenantId, now: clock.now, actor: "timer", manual: false, snapshotComplete: true, testRetry: fastTestRetry, propagation: instantPropagation })) as RotationResult;
    expect(retired.failure).toBeUndefined();
    expect(retired.state).toBe("retired");
    expect(sandbox.passwords(kase).map((p) => p.keyId)).not.toContain(kase.oldKeyId);
    expect(sandbox.versions(kase).find((v) => v.version === kase.oldVersion)?.enabled).toBe(false);
    expect(sandbox.directory.graph.log.entries.filter((e) => e.route === graphRouteNames.removePassword && e.path.includes(kase.app.id)).map((e) => e.status)).toEqual([answer === "not-found" ? 404 : 400]);
  });

  it("removePassword of a key that is there but refused with a 400 still fails: a refusal alone proves nothing", async () => {
    sandbox.directory.graph.missingCredentialAnswer = answer;
    const kase = sandbox.addCredential(`refused-${answer}`);
    const { directory } = sandbox.ports(started.store);
    sandbox.directory.graph.faults.set(graphRouteNames.removePassword, { failTimes: 1, failStatus: 400 });
    await expect(directory.removePassword(kase.app.id, kase.oldKeyId)).rejects.toMatchObject({ status: 400 });
    expect(sandbox.passwords(kase).map((p) => p.keyId)).toContain(kase.oldKeyId);
  });

  it("deleting a federated credential that is gone succeeds; one that is there and refused does not", async () => {
    sandbox.directory.graph.missingCredentialAnswer = answer;
    const app = sandbox.directory.state.addApplication({ displayName: `fic-${answer}`, passwordCredentials: [] });
    const { directory } = sandbox.ports(started.store);
    const fic = await directory.createFederatedCredential(app.id, { name: "circleci-main", issuer, subject: `org/x/project/${randomUUID()}/user/y`, audiences: ["api://AzureADTokenExchange"] });
    await directory.deleteFederatedCredential(app.id, fic.id);
    await expect(directory.deleteFederatedCredential(app.id, fic.id)).resolves.toBeUndefined();
    const kept = await directory.createFederatedCredential(app.id, { name: "circleci-kept", issuer, subject: `org/x/project/${randomUUID()}/user/y`, audiences: ["api://AzureADTokenExchange"] });
    sandbox.directory.graph.faults.set(graphRouteNames.ficDelete, { failTimes: 1, failStatus: 404 });
    await expect(directory.deleteFederatedCredential(app.id, kept.id)).rejects.toMatchObject({ status: 404 });
    expect((await directory.listFederatedCredentials(app.id)).map((f) => f.id)).toContain(kept.id);
  });
});

describe("Key Vault disables are settled by the versions the vault lists", () => {
  it("disabling a version of a name that was deleted meanwhile succeeds (404 SecretNotFound)", async () => {
    const kase = sandbox.addCredential("kv-deleted");
    const vault = sandbox.ports(started.store).vault!;
    sandbox.vault.state.softDelete(kase.credential.keyVault.secretName);
    await expect(vault.setVersionEnabled(kase.credential.keyVault.secretName, kase.oldVersion!, false)).resolves.toBeUndefined();
  });

  it("a 400/404 on a version already disabled succeeds; on one still enabled it fails", async () => {
    const kase = sandbox.addCredential("kv-refused");
    const name = kase.credential.keyVault.secretName;
    const vault = sandbox.ports(started.store).vault!;
    sandbox.vault.faults.set(keyVaultRoutes.updateSecret, { failTimes: 1, failStatus: 400 });
    await expect(vault.setVersionEnabled(name, kase.oldVersion!, false)).rejects.toMatchObject({ status: 400 });
    expect(sandbox.versions(kase)[0]?.enabled).toBe(true);
    await vault.setVersionEnabled(name, kase.oldVersion!, false);
    sandbox.vault.faults.set(keyVaultRoutes.updateSecret, { failTimes: 1, failStatus: 404 });
    await expect(vault.setVersionEnabled(name, kase.oldVersion!, false)).resolves.toBeUndefined();
  });
});
