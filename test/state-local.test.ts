// What only the embedded local store must guarantee: files people can read, private modes, crash safety
// and cross-process locking.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { appendFile, readFile, readdir, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createLocalStateStore } from "#shared/adapters/state/local/index.js";
import type { StateStore } from "#shared/ports/state-store.js";
import { startLocalStateStore } from "./support/state-stores.js";
import type { StartedStateStore } from "./support/state-stores.js";

const repositoryRoot = fileURLToPath(new URL("..", import.meta.url));
const localStoreModule = join(repositoryRoot, "shared", "adapters", "state", "local", "index.ts");
const portModule = join(repositoryRoot, "shared", "ports", "state-store.ts");

/** Starts a child Node process (TypeScript through tsx) running `body` with `store` on `dir`. */
function child(dir: string, body: string): ChildProcess {
  const code = `
    const load = async (path) => { const m = await import(path); return m.default ?? m; };
    const { createLocalStateStore } = await load(${JSON.stringify(localStoreModule)});
    const { ConcurrencyError } = await load(${JSON.stringify(portModule)});
    const store = createLocalStateStore({ dir: process.argv[1] });
    ${body}
  `;
  return spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code, dir], { stdio: ["ignore", "pipe", "pipe"] });
}

function finished(proc: ChildProcess): Promise<{ code: number | null; stderr: string }> {
  let stderr = "";
  proc.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => proc.once("exit", (code) => resolve({ code, stderr })));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("local state store", () => {
  let started: StartedStateStore;
  let store: StateStore;
  let dir: string;
  beforeEach(async () => {
    started = await startLocalStateStore();
    store = started.store;
    dir = started.dir as string;
  });
  afterEach(() => started.stop());

  it("keeps each table in a JSON file people can read, private to the user", async () => {
    await store.put("journal", "prod-deploy", { state: "stored", keyId: "k-1" });
    await store.appendAudit({ at: "2026-01-01T00:00:00.000Z", event: "rotation.stored", actor: "cli:me", subject: "prod-deploy" });

    const file = JSON.parse(await readFile(join(dir, "journal.json"), "utf8")) as unknown;
    expect(file).toMatchObject({ version: 1, records: { "prod-deploy": { value: { state: "stored", keyId: "k-1" } } } });
    expect(await readFile(join(dir, "audit.jsonl"), "utf8")).toMatch(/^\{"at":"2026-01-01T00:00:00.000Z","event":"rotation.stored".*\}\n$/);

    if (process.platform !== "win32") {
      expect((await stat(dir)).mode & 0o777).toBe(0o700);
      expect((await stat(join(dir, "journal.json"))).mode & 0o777).toBe(0o600);
      expect((await stat(join(dir, "audit.jsonl"))).mode & 0o777).toBe(0o600);
    }
    // Nothing but the state files is left behind (no lock directories, no temp files).
    expect((await readdir(dir)).sort()).toEqual(["audit.jsonl", "journal.json"]);
  });

  it("ignores a torn last audit line and cuts it off before the next append", async () => {
    const entry = (event: string) => ({ at: "2026-01-01T00:00:00.000Z", event, actor: "timer", subject: "s" });
    await store.appendAudit(entry("one"));
    await store.appendAudit(entry("two"));
    await appendFile(join(dir, "audit.jsonl"), '{"at":"2026-01-01T00:00:00.000Z","event":"to');

    expect((await store.listAudit()).map((e) => e.event)).toEqual(["two", "one"]);
    await store.appendAudit(entry("three"));
    expect((await store.listAudit()).map((e) => e.event)).toEqual(["three", "two", "one"]);
    const lines = (await readFile(join(dir, "audit.jsonl"), "utf8")).split("\n");
    expect(lines.pop()).toBe("");
    expect(lines.map((line) => (JSON.parse(line) as { event: string }).event)).toEqual(["one", "two", "three"]);
  });

  it("names the file and line of a damaged audit entry", async () => {
    await store.appendAudit({ at: "2026-01-01T00:00:00.000Z", event: "one", actor: "timer", subject: "s" });
    await appendFile(join(dir, "audit.jsonl"), '{"at":"2026-01-01T00:00:00.000Z","actor":"timer","subject":"s"}\n');
    await expect(store.listAudit()).rejects.toThrow(/audit\.jsonl:2: event:/);
  });

  it("names the file of a damaged state table", async () => {
    await store.put("ledger", "k", { v: 1 });
    await writeFile(join(dir, "ledger.json"), '{"version":1,"records":{"k":{"value":1}}}');
    await expect(store.get("ledger", "k")).rejects.toThrow(/ledger\.json: record "k" is malformed \(etag:/);
    await writeFile(join(dir, "ledger.json"), "{ torn");
    await expect(store.list("ledger")).rejects.toThrow(/ledger\.json: not valid JSON/);
  });

  it("survives a writer killed mid-write: the file holds the old value or the new one, never a torn one", async () => {
    const filler = "x".repeat(30_000);
    // One table per round: a writer killed holding a table's lock would make the next round wait for the
    // lock to go stale (that wait is checked once, at the end).
    for (const table of ["journal", "ledger", "outbox"] as const) {
      // Each write is a large, complete record; the child reports every write that returned.
      const writer = child(dir, `
        const filler = ${JSON.stringify(filler)};
        for (let n = 1; ; n++) {
          await store.put("${table}", "counter", { n, filler });
          process.stdout.write(n + "\\n");
        }
      `);
      const exited = finished(writer);
      let reported = 0;
      writer.stdout?.on("data", (chunk: Buffer) => {
        const lines = chunk.toString().trim().split("\n");
        reported = Number(lines[lines.length - 1]);
      });
      while (reported < 3 && writer.exitCode === null) await sleep(5);
      await sleep(Math.random() * 40);
      const lastReported = reported;
      writer.kill("SIGKILL");
      const { stderr } = await exited;
      expect(stderr).toBe("");

      const text = await readFile(join(dir, `${table}.json`), "utf8");
      const record = await createLocalStateStore({ dir }).get<{ n: number; filler: string }>(table, "counter");
      expect(JSON.parse(text)).toBeTruthy();
      expect(record?.value.filler).toBe(filler);
      // The write that returned last, or the one in flight when the process died.
      expect(record?.value.n).toBeGreaterThanOrEqual(lastReported);
      expect(record?.value.n).toBeLessThanOrEqual(lastReported + 1);
    }
    // Every killed writer's lock goes stale, the store stays writable, and writing sweeps away the temp
    // files the killed writers left.
    for (const table of ["journal", "ledger", "outbox"] as const) {
      await store.put(table, "counter", { n: 0, filler: "" });
      expect((await store.get(table, "counter"))?.value).toEqual({ n: 0, filler: "" });
    }
    expect((await readdir(dir)).sort()).toEqual(["journal.json", "ledger.json", "outbox.json"]);
  }, 60_000);

  it("loses no update when two processes increment one counter with ifMatch retries", async () => {
    await store.put("ledger", "counter", { n: 0 });
    const increments = 25;
    const incrementer = () =>
      finished(
        child(dir, `
          for (let i = 0; i < ${increments}; i++) {
            for (;;) {
              const current = await store.get("ledger", "counter");
              try {
                await store.put("ledger", "counter", { n: current.value.n + 1 }, { ifMatch: current.etag });
                break;
              } catch (error) {
                if (!(error instanceof ConcurrencyError)) throw error;
              }
            }
          }
        `),
      );
    const results = await Promise.all([incrementer(), incrementer()]);
    expect(results).toEqual([
      { code: 0, stderr: "" },
      { code: 0, stderr: "" },
    ]);
    expect((await store.get<{ n: number }>("ledger", "counter"))?.value.n).toBe(2 * increments);
  }, 60_000);

  it("a writer stalled past the stale-lock time never overwrites what the writer that took its lock over wrote", async () => {
    // A large file (20 records of 30 kB): a good share of each write lies between reading it and renaming the new one into place.
    const staleLockMs = 2_000;
    const taker = createLocalStateStore({ dir, staleLockMs });
    for (const table of ["journal", "ledger"] as const) {
      const lock = join(dir, `${table}.json.lock`);
      const writer = child(dir, `
        const stalled = createLocalStateStore({ dir: process.argv[1], staleLockMs: ${staleLockMs} });
        const filler = "x".repeat(30_000);
        for (let i = 0; i < 20; i++) await stalled.put("${table}", "filler-" + i, { filler });
        for (let n = 1; ; n++) {
          try {
            await stalled.put("${table}", "stalled", { n, filler });
          } catch (error) {
            process.stdout.write("refused " + error.message + "\\n");
            process.exit(0);
          }
          process.stdout.write(n + "\\n");
        }
      `);
      let output = "";
      writer.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
      const exited = finished(writer);
      // Stop the writer while it holds the table's lock: a stall (GC pause, swapped out, suspended VM).
      let stopped = false;
      while (!stopped && writer.exitCode === null) {
        await sleep(Math.random() * 30);
        if (!existsSync(lock) || output === "") continue;
        writer.kill("SIGSTOP");
        if (existsSync(lock)) stopped = true;
        else writer.kill("SIGCONT");
      }
      expect(stopped).toBe(true);
      const before = output;
      // The lock goes stale; this writer takes it over and writes a record of its own.
      await taker.put(table, "taker", { wrote: true });
      writer.kill("SIGCONT");
      while (output === before && writer.exitCode === null) await sleep(10);
      writer.kill("SIGKILL");
      expect((await exited).stderr).toBe("");

      // The record written under the taken-over lock survives the stalled writer's resumed write.
      expect((await createLocalStateStore({ dir }).get(table, "taker"))?.value).toEqual({ wrote: true });
    }
  }, 60_000);
});
