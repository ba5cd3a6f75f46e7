// One contract, both StateStore adapters (local directory and Azure Tables on Azurite).
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConcurrencyError } from "#shared/ports/state-store.js";
import type { AuditEntry, StateStore } from "#shared/ports/state-store.js";
import { MAX_KEY_LENGTH } from "#shared/adapters/state/key-rules.js";
import { stateStoreCases } from "./support/state-stores.js";
import type { StartedStateStore } from "./support/state-stores.js";

const oddKeys = [
  "plain",
  "with/slash",
  "with\\backslash",
  "hash#tag",
  "query?x=1",
  "percent%2F",
  "percent%",
  "space in key",
  "tab\tand\u0001control",
  "unicode-ключ-🔑-日本",
  "__proto__",
  "constructor",
  "a",
  "a/",
  "a/b",
  "a#b",
  "a%2Fb",
  "Z-upper",
];

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

function audit(at: string, event: string, details?: AuditEntry["details"]): AuditEntry {
  return { at, event, actor: "test", subject: "prod-deploy", ...(details ? { details } : {}) };
}

describe.each(stateStoreCases())("StateStore contract: $name", (kase) => {
  let started: StartedStateStore;
  let store: StateStore;
  beforeEach(async () => {
    started = await kase.start();
    store = started.store;
  });
  afterEach(() => started.stop());

  it("starts empty and returns null for a missing key", async () => {
    expect(await store.get("journal", "nothing")).toBeNull();
    expect(await store.list("journal")).toEqual([]);
    expect(await store.listAudit()).toEqual([]);
  });

  it("round-trips JSON values and gives a new ETag on every write, even of the same value", async () => {
    const value = { state: "minted", keyId: "k-1", nested: { list: [1, "two", null, true] }, text: "ünïcødé ✓" };
    const first = await store.put("journal", "prod-deploy", value);
    const read = await store.get<typeof value>("journal", "prod-deploy");
    expect(read).toEqual({ key: "prod-deploy", value, etag: first });

    const second = await store.put("journal", "prod-deploy", value);
    expect(second).not.toBe(first);
    expect((await store.get("journal", "prod-deploy"))?.etag).toBe(second);
  });

  it("keeps the tables apart", async () => {
    await store.put("journal", "same", { table: "journal" });
    await store.put("ledger", "same", { table: "ledger" });
    expect((await store.get("journal", "same"))?.value).toEqual({ table: "journal" });
    expect((await store.get("ledger", "same"))?.value).toEqual({ table: "ledger" });
    expect(await store.list("outbox")).toEqual([]);
  });

  it("stores keys with odd characters and lists them in ascending order", async () => {
    for (const [i, key] of oddKeys.entries()) await store.put("ledger", key, { i });
    for (const [i, key] of oddKeys.entries()) expect((await store.get("ledger", key))?.value).toEqual({ i });

    const listed = await store.list<{ i: number }>("ledger");
    expect(listed.map((r) => r.key)).toEqual([...oddKeys].sort());
    expect(listed.map((r) => r.value.i)).toEqual([...oddKeys].sort().map((k) => oddKeys.indexOf(k)));
  });

  it("lists by prefix, exactly, including prefixes with odd characters", async () => {
    for (const key of oddKeys) await store.put("outbox", key, { key });
    const keysWith = async (prefix: string) => (await store.list("outbox", prefix)).map((r) => r.key);

    for (const prefix of ["a", "a/", "a#", "a%", "with", "percent%", "percent%2", "unicode-ключ", "🔑", "zzz", ""]) {
      expect(await keysWith(prefix), `prefix ${JSON.stringify(prefix)}`).toEqual(oddKeys.filter((k) => k.startsWith(prefix)).sort());
    }
  });

  it("lets only one of two writers holding the same ETag win", async () => {
    const etag = await store.put("leases", "prod-deploy", { holder: "nobody" });
    const results = await Promise.allSettled([
      store.put("leases", "prod-deploy", { holder: "a" }, { ifMatch: etag }),
      store.put("leases", "prod-deploy", { holder: "b" }, { ifMatch: etag }),
    ]);
    const won = results.filter((r) => r.status === "fulfilled");
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(lost[0]?.reason).toBeInstanceOf(ConcurrencyError);
    expect(lost[0]?.reason).toMatchObject({ table: "leases", key: "prod-deploy" });

    const winner = results.findIndex((r) => r.status === "fulfilled");
    const stored = await store.get<{ holder: string }>("leases", "prod-deploy");
    expect(stored?.value.holder).toBe(winner === 0 ? "a" : "b");
    expect(stored?.etag).toBe((won[0] as PromiseFulfilledResult<string>).value);
  });

  it("refuses a stale ETag and an ETag for a record that is gone", async () => {
    const first = await store.put("journal", "k", { v: 1 });
    const second = await store.put("journal", "k", { v: 2 }, { ifMatch: first });
    expect(await rejection(store.put("journal", "k", { v: 3 }, { ifMatch: first }))).toBeInstanceOf(ConcurrencyError);
    expect((await store.get("journal", "k"))?.value).toEqual({ v: 2 });

    await store.delete("journal", "k");
    expect(await rejection(store.put("journal", "k", { v: 4 }, { ifMatch: second }))).toBeInstanceOf(ConcurrencyError);
    expect(await store.get("journal", "k")).toBeNull();
  });

  it("creates only once with ifNoneMatch, also when two try at the same time", async () => {
    await store.put("leases", "once", { n: 1 }, { ifNoneMatch: "*" });
    const again = await rejection(store.put("leases", "once", { n: 2 }, { ifNoneMatch: "*" }));
    expect(again).toBeInstanceOf(ConcurrencyError);
    expect((await store.get("leases", "once"))?.value).toEqual({ n: 1 });

    const race = await Promise.allSettled([1, 2, 3].map((n) => store.put("leases", "race", { n }, { ifNoneMatch: "*" })));
    expect(race.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    for (const r of race) if (r.status === "rejected") expect(r.reason).toBeInstanceOf(ConcurrencyError);
  });

  it("deletes idempotently, and conditionally with ifMatch", async () => {
    await store.delete("outbox", "never-there");

    const etag = await store.put("outbox", "k", { v: 1 });
    const newer = await store.put("outbox", "k", { v: 2 });
    expect(await rejection(store.delete("outbox", "k", { ifMatch: etag }))).toBeInstanceOf(ConcurrencyError);
    expect((await store.get("outbox", "k"))?.value).toEqual({ v: 2 });

    await store.delete("outbox", "k", { ifMatch: newer });
    expect(await store.get("outbox", "k")).toBeNull();
    await store.delete("outbox", "k");
    expect(await rejection(store.delete("outbox", "k", { ifMatch: newer }))).toBeInstanceOf(ConcurrencyError);
    expect(await store.list("outbox")).toEqual([]);
  });

  it("lists the audit newest first, honours the limit, and keeps append order for equal times", async () => {
    await store.appendAudit(audit("2026-01-02T00:00:00.000Z", "b"));
    await store.appendAudit(audit("2026-01-01T00:00:00.000Z", "a"));
    await store.appendAudit(audit("2026-01-03T00:00:00.000Z", "c", { keyId: "k-1", days: 7, ok: true, none: null }));
    await store.appendAudit(audit("2026-01-03T00:00:00.000Z", "c2"));

    const all = await store.listAudit();
    expect(all.map((e) => e.event)).toEqual(["c2", "c", "b", "a"]);
    expect(all[1]).toEqual(audit("2026-01-03T00:00:00.000Z", "c", { keyId: "k-1", days: 7, ok: true, none: null }));
    expect((await store.listAudit(2)).map((e) => e.event)).toEqual(["c2", "c"]);
    expect(await store.listAudit(0)).toEqual([]);
    expect((await store.listAudit(10)).length).toBe(4);
  });

  it("rejects a malformed audit entry, naming the field", async () => {
    const bad = { at: "not a date", event: "x", actor: "test", subject: "s" };
    expect(String(await rejection(store.appendAudit(bad)))).toMatch(/at: expected an ISO date-time/);
    expect(await store.listAudit()).toEqual([]);
  });

  it("rejects bad keys and oversized values with messages that name the place, never the value", async () => {
    expect(String(await rejection(store.put("journal", "", { v: 1 })))).toMatch(/journal.*non-empty/);
    expect(String(await rejection(store.put("journal", "x".repeat(MAX_KEY_LENGTH + 1), { v: 1 })))).toMatch(/longer than/);
    expect(String(await rejection(store.put("journal", "lone\uD800", { v: 1 })))).toMatch(/surrogate/);
    expect(String(await rejection(store.get("nope" as "journal", "k")))).toMatch(/unknown state table/);

    const marker = "VALUE-MUST-NOT-APPEAR";
    const huge = { blob: marker + "x".repeat(40_000) };
    const error = await rejection(store.put("outbox", "big", huge));
    expect(String(error)).toMatch(/outbox\/"big".*bytes/);
    expect(String(error)).not.toContain(marker);
    expect(await store.get("outbox", "big")).toBeNull();

    // Just below the limit still fits (32 Ki UTF-16 code units, minus the JSON around it).
    const fits = { blob: "y".repeat(32 * 1024 - 20) };
    await store.put("outbox", "fits", fits);
    expect((await store.get("outbox", "fits"))?.value).toEqual(fits);

    expect(String(await rejection(store.put("outbox", "undef", undefined)))).toMatch(/not JSON-serialisable/);
  });

  it("accepts a key of the maximum length full of escaped characters", async () => {
    const key = "/#?".repeat(MAX_KEY_LENGTH / 3) + "/".repeat(MAX_KEY_LENGTH % 3);
    expect(key.length).toBe(MAX_KEY_LENGTH);
    await store.put("migrations", key, { ok: true });
    expect((await store.list("migrations", "/#?/")).map((r) => r.key)).toEqual([key]);
  });

  it("gives each start() a fresh, empty store", async () => {
    await store.put("journal", "mine", { v: 1 });
    await store.appendAudit(audit("2026-01-01T00:00:00.000Z", "mine"));
    const other = await kase.start();
    try {
      expect(await other.store.get("journal", "mine")).toBeNull();
      expect(await other.store.listAudit()).toEqual([]);
    } finally {
      await other.stop();
    }
  });
});
