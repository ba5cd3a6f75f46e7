import { request } from "node:https";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { defaultTlsDir, ensureSandboxTls } from "../sandbox/core/ca.js";
import { TokenRegistry } from "../sandbox/core/tokens.js";
import { KeyVaultEmulator, keyVaultRoutes } from "../sandbox/keyvault/index.js";
import type { VaultWorld } from "../sandbox/world/spec.js";

// Wire-level checks of the emulator with plain HTTPS: shapes and statuses exactly as Key Vault sends them.

const tenantId = "7f3c9a52-1b4e-4d2a-9c61-3e8f0b2d4a17";
const apiVersion = "api-version=2025-07-01";
const hex32 = /^[0-9a-f]{32}$/;

const world: VaultWorld = {
  name: "wire-vault",
  secrets: [
    {
      name: "seeded",
      versions: [
        { value: "seed-old", createdOn: "2026-01-01T00:00:00.000Z", enabled: false },
        { value: "seed-new", createdOn: "2026-02-01T00:00:00.000Z", tags: { owner: "ops" }, expiresOn: "2026-05-01T00:00:00.000Z", contentType: "text/plain" },
      ],
    },
  ],
};

describe("Key Vault emulator on the wire", () => {
  const tokens = new TokenRegistry();
  const emulator = new KeyVaultEmulator({ world, tokens, tenantId, pageSize: 2 });
  let base = "";
  const bearer = () => `Bearer ${tokens.issue({ audience: "https://vault.azure.net", tenantId, appId: "wire-test" }).token}`;

  async function call(method: string, path: string, body?: unknown, authorization: string | null = bearer()) {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: {
        ...(authorization ? { authorization } : {}),
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
  }

  beforeAll(async () => {
    base = await emulator.start(ensureSandboxTls(defaultTlsDir()));
  });
  afterAll(() => emulator.close());
  beforeEach(() => {
    emulator.log.clear();
    emulator.faults.clear();
  });

  it("challenges a token-less request with Key Vault's WWW-Authenticate header", async () => {
    const res = await call("GET", `/secrets/seeded/?${apiVersion}`, undefined, null);
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe(
      `Bearer authorization="https://login.microsoftonline.com/${tenantId}", resource="https://vault.azure.net"`,
    );
    expect(res.body).toEqual({ error: { code: "Unauthorized", message: "AKV10000: Request is missing a Bearer or PoP token." } });
  });

  it("answers the challenge before reading the body (the body of an unauthenticated PUT never has to arrive)", async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${base}/secrets/never-sent?${apiVersion}`, {
        method: "PUT",
        headers: { "content-type": "application/json", "content-length": "100000" },
      });
      req.on("response", (res) => {
        resolve(res.statusCode ?? 0);
        res.resume();
        req.destroy();
      });
      req.on("error", (error) => (error.message.includes("socket hang up") ? undefined : reject(error)));
      req.write('{"value":"partial'); // 17 of 100000 promised bytes: a server waiting for the body would hang
    });
    expect(status).toBe(401);
    expect(emulator.state.secret("never-sent")).toBeUndefined();
  });

  it("refuses tokens for another audience or another tenant", async () => {
    const graphToken = `Bearer ${tokens.issue({ audience: "https://graph.microsoft.com", tenantId, appId: "x" }).token}`;
    const wrongAudience = await call("GET", `/secrets?${apiVersion}`, undefined, graphToken);
    expect(wrongAudience.status).toBe(401);
    expect(JSON.stringify(wrongAudience.body)).toContain("AKV10022");

    const otherTenant = `Bearer ${tokens.issue({ audience: "https://vault.azure.net", tenantId: "00000000-0000-0000-0000-000000000001", appId: "x" }).token}`;
    const wrongTenant = await call("GET", `/secrets?${apiVersion}`, undefined, otherTenant);
    expect(wrongTenant.status).toBe(401);
    expect(JSON.stringify(wrongTenant.body)).toContain("AKV10032");

    const forged = await call("GET", `/secrets?${apiVersion}`, undefined, "Bearer a.b.c");
    expect(forged.status).toBe(401);
  });

  it("requires a known api-version", async () => {
    const missing = await call("GET", "/secrets/seeded");
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({ error: { code: "BadParameter", message: "The api-version query parameter is missing." } });
    const unknown = await call("GET", "/secrets/seeded?api-version=1999-01-01");
    expect(unknown.status).toBe(400);
    expect(JSON.stringify(unknown.body)).toContain("1999-01-01");
  });

  it("stores a PUT as a new version and serves it as latest (with and without the trailing slash) and by version", async () => {
    const put = await call("PUT", `/secrets/Wire-One?${apiVersion}`, {
      value: "v1",
      contentType: "text/plain",
      tags: { team: "ops" },
      attributes: { enabled: true, exp: 1_800_000_000, nbf: 1_700_000_000 },
    });
    expect(put.status).toBe(200);
    const id = String(put.body!.id);
    const [, version] = /\/secrets\/Wire-One\/(.+)$/.exec(id) ?? [];
    expect(id.startsWith(`${base}/secrets/Wire-One/`)).toBe(true);
    expect(version).toMatch(hex32);
    expect(put.body).toMatchObject({
      value: "v1",
      contentType: "text/plain",
      tags: { team: "ops" },
      attributes: { enabled: true, exp: 1_800_000_000, nbf: 1_700_000_000, recoveryLevel: "Recoverable+Purgeable", recoverableDays: 90 },
    });
    const attributes = put.body!.attributes as Record<string, number>;
    expect(Number.isInteger(attributes.created)).toBe(true);
    expect(attributes.updated).toBe(attributes.created);

    await call("PUT", `/secrets/wire-one?${apiVersion}`, { value: "v2" });
    const latestSlash = await call("GET", `/secrets/wire-one/?${apiVersion}`);
    const latestBare = await call("GET", `/secrets/WIRE-ONE?${apiVersion}`);
    const first = await call("GET", `/secrets/wire-one/${version}?${apiVersion}`);
    expect(latestSlash.body!.value).toBe("v2");
    expect(latestBare.body!.value).toBe("v2");
    expect(first.body!.value).toBe("v1");
    expect(latestSlash.body!.tags).toBeUndefined(); // a version without tags has no tags field

    const stored = emulator.state.versions("wire-one");
    expect(stored.map((v) => v.value)).toEqual(["v1", "v2"]);
    expect(stored[0]).toMatchObject({ tags: { team: "ops" }, expiresOn: "2027-01-15T08:00:00.000Z", enabled: true });
    expect(emulator.state.secret("wire-one")!.name).toBe("Wire-One");
  });

  it("says SecretNotFound for a missing secret or version and BadParameter for an invalid name", async () => {
    const missing = await call("GET", `/secrets/nope/?${apiVersion}`);
    expect(missing.status).toBe(404);
    expect((missing.body!.error as Record<string, unknown>).code).toBe("SecretNotFound");
    const missingVersion = await call("GET", `/secrets/seeded/${"0".repeat(32)}?${apiVersion}`);
    expect(missingVersion.status).toBe(404);
    const badName = await call("PUT", `/secrets/bad_name?${apiVersion}`, { value: "x" });
    expect(badName.status).toBe(400);
    expect(badName.body).toEqual({ error: { code: "BadParameter", message: "The request URI contains an invalid name: bad_name" } });
    const noValue = await call("PUT", `/secrets/no-value?${apiVersion}`, { tags: {} });
    expect(noValue.status).toBe(400);
    expect(JSON.stringify(noValue.body)).toContain("value");
  });

  it("refuses to hand out a disabled version (403 Forbidden / SecretDisabled) while PATCH keeps working without values", async () => {
    const [old, current] = emulator.state.versions("seeded");
    const disabled = await call("GET", `/secrets/seeded/${old!.version}?${apiVersion}`);
    expect(disabled.status).toBe(403);
    expect(disabled.body).toEqual({
      error: { code: "Forbidden", message: "Operation get is not allowed on a disabled secret.", innererror: { code: "SecretDisabled" } },
    });

    const patched = await call("PATCH", `/secrets/seeded/${current!.version}?${apiVersion}`, { attributes: { enabled: false }, tags: { owner: "sec" } });
    expect(patched.status).toBe(200);
    expect(patched.body!.value).toBeUndefined();
    expect(patched.body).toMatchObject({ tags: { owner: "sec" }, contentType: "text/plain", attributes: { enabled: false, exp: 1_777_593_600 } });
    expect((await call("GET", `/secrets/seeded/?${apiVersion}`)).status).toBe(403);

    await call("PATCH", `/secrets/seeded/${current!.version}?${apiVersion}`, { attributes: { enabled: true } });
    const back = await call("GET", `/secrets/seeded/?${apiVersion}`);
    expect(back.body).toMatchObject({ value: "seed-new", tags: { owner: "sec" } });
  });

  it("pages lists with absolute nextLinks that keep the api-version, honouring maxresults", async () => {
    for (const n of [1, 2, 3, 4]) await call("PUT", `/secrets/page-${n}?${apiVersion}`, { value: `p${n}` });
    const names: string[] = [];
    let next: string | null = `${base}/secrets?${apiVersion}`;
    let pages = 0;
    while (next) {
      expect(next.startsWith(`${base}/secrets?`)).toBe(true);
      expect(next).toContain(apiVersion);
      const res = await call("GET", next.slice(base.length));
      const body = res.body as { value: Array<{ id: string }>; nextLink: string | null };
      expect(body.value.length).toBeLessThanOrEqual(2);
      names.push(...body.value.map((item) => item.id.slice(`${base}/secrets/`.length)));
      next = body.nextLink;
      pages += 1;
    }
    expect(names).toEqual(expect.arrayContaining(["page-1", "page-2", "page-3", "page-4", "seeded"]));
    expect(names.every((n) => !n.includes("/"))).toBe(true); // list items carry versionless ids
    expect(pages).toBe(Math.ceil(names.length / 2));

    const one = await call("GET", `/secrets?${apiVersion}&maxresults=1`);
    const onePage = one.body as { value: unknown[]; nextLink: string };
    expect(onePage.value).toHaveLength(1);
    expect(onePage.nextLink).toContain("maxresults=1");
    expect((await call("GET", `/secrets?${apiVersion}&maxresults=26`)).status).toBe(400);

    for (const n of [1, 2, 3]) await call("PUT", `/secrets/page-1?${apiVersion}`, { value: `again-${n}` });
    const versions = await call("GET", `/secrets/page-1/versions?${apiVersion}`);
    const firstPage = versions.body as { value: Array<{ id: string }>; nextLink: string };
    expect(firstPage.value).toHaveLength(2);
    expect(firstPage.value[0]!.id).toMatch(/\/secrets\/page-1\/[0-9a-f]{32}$/);
    expect(firstPage.nextLink).toContain("/secrets/page-1/versions?");
    expect(emulator.log.entries.some((e) => e.route === keyVaultRoutes.listVersions)).toBe(true);
  });

  it("soft-deletes, recovers and purges like a vault with 90-day retention", async () => {
    await call("PUT", `/secrets/to-delete?${apiVersion}`, { value: "gone-soon", tags: { a: "b" } });
    const deleted = await call("DELETE", `/secrets/to-delete?${apiVersion}`);
    expect(deleted.status).toBe(200);
    const body = deleted.body as { recoveryId: string; deletedDate: number; scheduledPurgeDate: number; id: string; value?: string };
    expect(body.recoveryId).toBe(`${base}/deletedsecrets/to-delete`);
    expect(body.scheduledPurgeDate - body.deletedDate).toBe(90 * 86_400);
    expect(body.id).toMatch(/\/secrets\/to-delete\/[0-9a-f]{32}$/);
    expect(body.value).toBeUndefined();

    expect((await call("GET", `/secrets/to-delete/?${apiVersion}`)).status).toBe(404);
    const reuse = await call("PUT", `/secrets/to-delete?${apiVersion}`, { value: "x" });
    expect(reuse.status).toBe(409);
    expect(reuse.body!.error).toMatchObject({ code: "Conflict", innererror: { code: "ObjectIsDeletedButRecoverable" } });
    expect((await call("GET", `/deletedsecrets/to-delete?${apiVersion}`)).status).toBe(200);
    const listed = await call("GET", `/deletedsecrets?${apiVersion}`);
    expect(JSON.stringify(listed.body)).toContain("/deletedsecrets/to-delete");

    const recovered = await call("POST", `/deletedsecrets/to-delete/recover?${apiVersion}`);
    expect(recovered.status).toBe(200);
    expect(recovered.body!.value).toBeUndefined();
    expect((await call("GET", `/secrets/to-delete/?${apiVersion}`)).body!.value).toBe("gone-soon");

    await call("DELETE", `/secrets/to-delete?${apiVersion}`);
    const purged = await call("DELETE", `/deletedsecrets/to-delete?${apiVersion}`);
    expect(purged.status).toBe(204);
    expect((await call("GET", `/deletedsecrets/to-delete?${apiVersion}`)).status).toBe(404);
    expect(emulator.state.deleted.size).toBe(0);
    expect((await call("PUT", `/secrets/to-delete?${apiVersion}`, { value: "new life" })).status).toBe(200);
  });

  it("soft delete is asynchronous: the name answers 409 ObjectIsBeingDeleted until the deletion ends (softDeleteDelayMs)", async () => {
    emulator.state.softDeleteDelayMs = 200;
    try {
      await call("PUT", `/secrets/deleting?${apiVersion}`, { value: "going" });
      expect((await call("DELETE", `/secrets/deleting?${apiVersion}`)).status).toBe(200);
      expect((await call("GET", `/secrets/deleting/?${apiVersion}`)).status).toBe(404);
      // Not yet in the deleted list: the SDK's delete poller reads this until it answers 200.
      expect((await call("GET", `/deletedsecrets/deleting?${apiVersion}`)).status).toBe(404);
      for (const [method, path, body] of [
        ["PUT", `/secrets/deleting?${apiVersion}`, { value: "again" }],
        ["POST", `/deletedsecrets/deleting/recover?${apiVersion}`, undefined],
        ["DELETE", `/deletedsecrets/deleting?${apiVersion}`, undefined],
      ] as const) {
        const refused = await call(method, path, body);
        expect(refused.status).toBe(409);
        expect(refused.body!.error).toEqual({ code: "Conflict", message: "Secret is currently being deleted.", innererror: { code: "ObjectIsBeingDeleted" } });
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
      expect((await call("GET", `/deletedsecrets/deleting?${apiVersion}`)).status).toBe(200);
      const reuse = await call("PUT", `/secrets/deleting?${apiVersion}`, { value: "again" });
      expect(reuse.body!.error).toMatchObject({ code: "Conflict", innererror: { code: "ObjectIsDeletedButRecoverable" } });
    } finally {
      emulator.state.softDeleteDelayMs = 0;
    }
  });

  it("purge protection refuses a purge with 403 Forbidden and keeps the deleted secret (purgeProtection)", async () => {
    emulator.state.purgeProtection = true;
    try {
      await call("PUT", `/secrets/protected?${apiVersion}`, { value: "kept" });
      await call("DELETE", `/secrets/protected?${apiVersion}`);
      const purge = await call("DELETE", `/deletedsecrets/protected?${apiVersion}`);
      expect(purge.status).toBe(403);
      expect(purge.body!.error).toMatchObject({ code: "Forbidden", message: expect.stringContaining("purge protection is enabled") });
      expect((await call("GET", `/deletedsecrets/protected?${apiVersion}`)).status).toBe(200);
    } finally {
      emulator.state.purgeProtection = false;
    }
  });

  it.each(["empty", "not-found"] as const)("lists the versions of a name with no secret as %s (versionsOfMissingName)", async (answer) => {
    emulator.state.versionsOfMissingName = answer;
    try {
      const listed = await call("GET", `/secrets/never-there/versions?${apiVersion}`);
      if (answer === "empty") expect(listed).toMatchObject({ status: 200, body: { value: [] } });
      else expect(listed).toMatchObject({ status: 404, body: { error: { code: "SecretNotFound" } } });
    } finally {
      emulator.state.versionsOfMissingName = "empty";
    }
  });

  it("recovers asynchronously (knob): until it ends the secret reads 404 and a write answers 409 ObjectIsBeingRecovered", async () => {
    await call("PUT", `/secrets/slow-recovery?${apiVersion}`, { value: "back-later" });
    await call("DELETE", `/secrets/slow-recovery?${apiVersion}`);
    emulator.state.recoveryDelayMs = 200;
    try {
      expect((await call("POST", `/deletedsecrets/slow-recovery/recover?${apiVersion}`)).status).toBe(200);
      expect((await call("GET", `/secrets/slow-recovery/?${apiVersion}`)).status).toBe(404);
      expect((await call("GET", `/deletedsecrets/slow-recovery?${apiVersion}`)).status).toBe(404);
      const write = await call("PUT", `/secrets/slow-recovery?${apiVersion}`, { value: "x" });
      expect(write.status).toBe(409);
      expect(write.body!.error).toMatchObject({ code: "Conflict", innererror: { code: "ObjectIsBeingRecovered" } });
      await new Promise((resolve) => setTimeout(resolve, 250));
      expect((await call("GET", `/secrets/slow-recovery/?${apiVersion}`)).body!.value).toBe("back-later");
    } finally {
      emulator.state.recoveryDelayMs = 0;
    }
  });

  it("serves the seeded world with stable version ids", async () => {
    const again = new KeyVaultEmulator({ world, tokens, tenantId });
    expect(again.state.versions("seeded").map((v) => v.version)).toEqual(
      new KeyVaultEmulator({ world, tokens, tenantId }).state.versions("seeded").map((v) => v.version),
    );
    expect(again.state.versions("seeded").every((v) => hex32.test(v.version))).toBe(true);
    expect(again.state.latest("seeded")).toMatchObject({ value: "seed-new", contentType: "text/plain", expiresOn: "2026-05-01T00:00:00.000Z" });
  });

  it("injects faults per route name and logs every answer", async () => {
    emulator.faults.set(keyVaultRoutes.getSecret, { failTimes: 1, failStatus: 503 });
    const failed = await call("GET", `/secrets/seeded/?${apiVersion}`);
    expect(failed.status).toBe(503);
    expect(failed.body).toEqual({ error: { code: "ServiceUnavailable", message: "Injected failure." } });
    expect(emulator.log.entries.map((e) => [e.route, e.status, e.faulted])).toEqual([[keyVaultRoutes.getSecret, 503, true]]);
  });
});
