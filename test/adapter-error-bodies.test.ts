import { randomBytes } from "node:crypto";
import { inspect } from "node:util";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { entraRouteNames } from "../sandbox/entra/index.js";
import { graphRouteNames } from "../sandbox/graph/index.js";
import { keyVaultRoutes } from "../sandbox/keyvault/index.js";
import { SecretValue } from "#shared/domain/secret-value.js";
import type { WatchdogPorts } from "#shared/ports/index.js";
import { leakedFragments } from "./support/canaries.js";
import { startRotationSandbox, type RotationSandbox } from "./support/rotation-sandbox.js";
import { startLocalStateStore, type StartedStateStore } from "./support/state-stores.js";

// One rule for every adapter: an error is built from the status, the service's error code and our own words —
// never from a success body (a secret bundle, addPassword's answer) or an SDK message quoting one — and text
// taken from an error body is scrubbed of the values sent, then cut. Each adapter meets spoiled 2xx answers
// (truncated, malformed) and error bodies that echo the request, through the emulators' fault knobs; no
// 12-character piece of a secret may appear in any rendering of the error.

let sandbox: RotationSandbox;
let started: StartedStateStore;
let ports: WatchdogPorts;

beforeAll(async () => {
  sandbox = await startRotationSandbox();
  started = await startLocalStateStore();
  ports = sandbox.ports(started.store);
});
afterEach(() => sandbox.clearFaults());
afterAll(async () => {
  await sandbox?.close();
  await started?.stop();
});

/** Every way an error could be printed: message, stack, JSON, util.inspect with hidden fields. */
const renderings = (error: unknown) => [String(error), (error as Error).stack ?? "", JSON.stringify(error), inspect(error, { depth: null, showHidden: true })].join("\n");

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error("expected the call to fail");
    },
    (error: unknown) => error,
  );
}

const spoils = ["truncated", "malformed"] as const;
// Long enough that a cut at 200 characters falls inside it.
const longSecret = () => `canary~${randomBytes(180).toString("base64url")}`;

describe.each(spoils)("a %s 2xx answer", (spoil) => {
  it("Key Vault read-back: the error names status 200 and no piece of the value", async () => {
    const kase = sandbox.addCredential(`kv-read-${spoil}`);
    sandbox.vault.faults.set(keyVaultRoutes.getSecret, { spoilSuccessTimes: 1, spoilSuccess: spoil });
    const error = await failure(ports.vault!.getSecret(kase.credential.keyVault.secretName, kase.oldVersion));
    expect(error).toMatchObject({ name: "KeyVaultError", status: 200 });
    expect(String(error)).toMatch(/get secret of secret "cci-kv-read-\w+" failed: HTTP 200/);
    expect(leakedFragments(renderings(error), [kase.oldValue])).toEqual([]);
    expect(sandbox.vault.faults.injected.spoiled).toBeGreaterThan(0);
  });

  it("Key Vault store: the answer echoes the value; the error holds no piece of it", async () => {
    const value = longSecret();
    sandbox.vault.faults.set(keyVaultRoutes.setSecret, { spoilSuccessTimes: 5, spoilSuccess: spoil });
    const error = await failure(ports.vault!.setSecret(`cci-kv-set-${spoil}`, new SecretValue(value), {}));
    expect(error).toMatchObject({ name: "KeyVaultError", status: 200 });
    expect(leakedFragments(renderings(error), [value])).toEqual([]);
  });

  it("Graph addPassword: the password is minted, the error names status 200 and quotes nothing of the answer", async () => {
    const kase = sandbox.addCredential(`graph-add-${spoil}`);
    sandbox.directory.graph.faults.set(graphRouteNames.addPassword, { spoilSuccessTimes: 1, spoilSuccess: spoil });
    const error = await failure(ports.directory.addPassword(kase.app.id, { displayName: "spoiled", endDateTime: new Date(Date.now() + 86_400_000).toISOString() }));
    expect(error).toMatchObject({ name: "GraphError", status: 200, code: "UnreadableResponse" });
    const minted = sandbox.passwords(kase).find((p) => p.displayName === "spoiled")!;
    expect(leakedFragments(renderings(error), [minted.secretText, "odata.context"], 8)).toEqual([]);
  });

  it("CircleCI push: the error says the answer is not JSON and quotes nothing of it", async () => {
    const kase = sandbox.addCredential(`circle-put-${spoil}`);
    const contextId = (await ports.ci.listContexts()).find((c) => c.name === `ctx-circle-put-${spoil}`)!.id;
    sandbox.circleci.faults.set("context.envvar.put", { spoilSuccessTimes: 5, spoilSuccess: spoil });
    const value = longSecret();
    const error = await failure(ports.ci.setContextVariable(contextId, "AZURE_CLIENT_SECRET", new SecretValue(value)));
    expect(error).toMatchObject({ name: "CircleCiError", status: 200 });
    expect(String(error)).toMatch(/the answer is not JSON/);
    expect(leakedFragments(renderings(error), [value])).toEqual([]);
    expect(kase.name).toBeTruthy();
  });

  it("Entra token request: the secret under test is refused with a reason built from codes", async () => {
    const kase = sandbox.addCredential(`entra-${spoil}`);
    sandbox.directory.entra.faults.set(entraRouteNames.token, { spoilSuccessTimes: 20, spoilSuccess: spoil });
    const answer = await ports.tester.test(sandbox.tenantId, kase.app.appId, new SecretValue(kase.oldValue));
    expect(answer.ok).toBe(false);
    expect(leakedFragments(JSON.stringify(answer), [kase.oldValue])).toEqual([]);
  });
});

describe("error bodies that echo the request", () => {
  it("CircleCI: a plain-text error page quoting a long value never reaches the error (the status, in our words)", async () => {
    const kase = sandbox.addCredential("circle-echo");
    const contextId = (await ports.ci.listContexts()).find((c) => c.name === "ctx-circle-echo")!.id;
    const value = longSecret();
    sandbox.circleci.faults.set("context.envvar.put", { echoRequestTimes: 5, failStatus: 400, plainText: true });
    const error = await failure(ports.ci.setContextVariable(contextId, "AZURE_CLIENT_SECRET", new SecretValue(value)));
    expect(error).toMatchObject({ name: "CircleCiError", status: 400 });
    expect(String(error)).toContain("answered 400: CircleCI refused the request as malformed");
    expect(leakedFragments(renderings(error), [value])).toEqual([]);
    expect(sandbox.ciValue(kase)).toBe(kase.oldValue);
  });

  it("CircleCI: a JSON error quoting the value is scrubbed too", async () => {
    sandbox.addCredential("circle-echo-json");
    const contextId = (await ports.ci.listContexts()).find((c) => c.name === "ctx-circle-echo-json")!.id;
    const value = longSecret();
    sandbox.circleci.faults.set("context.envvar.put", { echoRequestTimes: 5, failStatus: 400 });
    const error = await failure(ports.ci.setContextVariable(contextId, "AZURE_CLIENT_SECRET", new SecretValue(value)));
    expect(leakedFragments(renderings(error), [value])).toEqual([]);
  });

  it("Key Vault: an error quoting the stored value is scrubbed", async () => {
    const value = longSecret();
    sandbox.vault.faults.set(keyVaultRoutes.setSecret, { echoRequestTimes: 5, failStatus: 400 });
    const error = await failure(ports.vault!.setSecret("cci-kv-echo", new SecretValue(value), {}));
    expect(error).toMatchObject({ name: "KeyVaultError", status: 400 });
    expect(leakedFragments(renderings(error), [value])).toEqual([]);
  });

  it("Entra: a token error quoting the form (client_secret) gives a reason without it", async () => {
    const kase = sandbox.addCredential("entra-echo");
    sandbox.directory.entra.faults.set(entraRouteNames.token, { echoRequestTimes: 20, failStatus: 400 });
    const answer = await ports.tester.test(sandbox.tenantId, kase.app.appId, new SecretValue(kase.oldValue));
    expect(answer.ok).toBe(false);
    expect(leakedFragments(JSON.stringify(answer), [kase.oldValue, encodeURIComponent(kase.oldValue)])).toEqual([]);
  });
});
