// The Key Vault keys emulator, proven by the real @azure/keyvault-keys through the managed identity, and the
// broker's signing-key adapter on it: tokens signed by the vault verify against the published JWKS (jose), the
// private key is never on the wire, and a rotation publishes the new version beside the old one.
import { createHash, createPublicKey, verify } from "node:crypto";
import { DefaultAzureCredential } from "@azure/identity";
import { CryptographyClient, KeyClient } from "@azure/keyvault-keys";
import { createLocalJWKSet, jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keyRouteNames } from "../sandbox/keyvault/keys.js";
import { startSandbox, type Sandbox } from "../sandbox/start.js";
import { demoWorld } from "../sandbox/world/demo.js";
import { createSigningKeys } from "#shared/adapters/keyvault/index.js";

describe("Key Vault keys: the emulator through @azure/keyvault-keys, and the broker's signing key", () => {
  let sandbox: Sandbox;
  let credential: DefaultAzureCredential;
  const saved = { ...process.env };

  beforeAll(async () => {
    sandbox = await startSandbox(demoWorld(new Date()));
    Object.assign(process.env, sandbox.env);
    credential = new DefaultAzureCredential();
  });
  afterAll(async () => {
    process.env = saved;
    await sandbox.close();
  });

  const options = () => ({ serviceVersion: "2025-07-01" as const, disableChallengeResourceVerification: true });

  it("creates an RSA key, reads its public part, lists versions and signs a digest the public key verifies", async () => {
    const client = new KeyClient(sandbox.env.KEY_VAULT_URL!, credential, options());
    const created = await client.createRsaKey("sdk-key", { keySize: 2048, keyOps: ["sign", "verify"] });
    expect(created.key?.kty).toBe("RSA");
    expect(created.key?.d).toBeUndefined(); // never the private part
    const read = await client.getKey("sdk-key");
    expect(read.properties.version).toBe(created.properties.version);
    const second = await client.createRsaKey("sdk-key", { keySize: 2048 });
    const versions = [];
    for await (const v of client.listPropertiesOfKeyVersions("sdk-key")) versions.push(v.version);
    expect(versions.sort()).toEqual([created.properties.version, second.properties.version].sort());
    const none = [];
    for await (const v of client.listPropertiesOfKeyVersions("no-such-key")) none.push(v);
    expect(none).toEqual([]);

    const digest = createHash("sha256").update("hello").digest();
    const signed = await new CryptographyClient(created, credential, options()).sign("RS256", digest);
    const publicKey = createPublicKey({ key: { kty: "RSA", n: Buffer.from(created.key!.n!).toString("base64url"), e: Buffer.from(created.key!.e!).toString("base64url") }, format: "jwk" });
    expect(verify("sha256", Buffer.from("hello"), publicKey, Buffer.from(signed.result))).toBe(true);
    expect(sandbox.log.count((e) => e.route === keyRouteNames.sign && e.status === 200)).toBe(1); // after the 401 challenge
  });

  it("refuses to sign with a disabled version, and a digest of the wrong length", async () => {
    const client = new KeyClient(sandbox.env.KEY_VAULT_URL!, credential, options());
    const key = await client.createRsaKey("disabled-key", { keySize: 2048, keyOps: ["sign"] });
    const crypto = new CryptographyClient(key, credential, options());
    await expect(crypto.sign("RS256", Buffer.alloc(20))).rejects.toMatchObject({ statusCode: 400 });
    sandbox.keyVault.keys.disable("disabled-key", key.properties.version!);
    await expect(crypto.sign("RS256", createHash("sha256").update("x").digest())).rejects.toMatchObject({ statusCode: 403 });
  });

  it("the signing-key adapter: a JWT signed by the vault verifies against the published keys; a rotation keeps both published", async () => {
    const keys = createSigningKeys({ vaultUrl: sandbox.env.KEY_VAULT_URL!, keyName: "watchdog-broker", credential });
    expect(await keys.published()).toEqual([]);
    const first = await keys.rotate();
    const header = Buffer.from(JSON.stringify({ alg: "RS256", typ: "JWT", kid: first.kid })).toString("base64url");
    const payload = Buffer.from(JSON.stringify({ iss: "https://broker.example/api/broker", sub: "role:prod-deployer", aud: "api://AzureADTokenExchange", exp: Math.floor(Date.now() / 1000) + 600 })).toString("base64url");
    const token = `${header}.${payload}.${await keys.sign(first.kid, `${header}.${payload}`)}`;
    const second = await keys.rotate();
    const jwks = createLocalJWKSet({ keys: (await keys.published()).map(({ kid, kty, n, e, alg, use }) => ({ kid, kty, n, e, alg, use })) });
    const verified = await jwtVerify(token, jwks, { issuer: "https://broker.example/api/broker", audience: "api://AzureADTokenExchange" });
    expect(verified.payload.sub).toBe("role:prod-deployer");
    expect((await keys.published()).map((k) => k.kid)).toEqual(expect.arrayContaining([first.kid, second.kid]));
    await expect(keys.sign("0".repeat(32), "x.y")).rejects.toThrow(/^Key Vault sign of the broker's signing key failed \(HTTP 404, KeyNotFound\)$/);
  });
});
