import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { inspect } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { defaultTlsDir, ensureSandboxTls } from "../sandbox/core/ca.js";
import { Emulator, type EmulatorReply } from "../sandbox/core/emulator.js";
import { CircleCiEmulator, sampleCircleWorld } from "../sandbox/circleci/index.js";
import { requestedWaitMs } from "#shared/adapters/circleci/rate-limit.js";
import { CircleCiError, createCircleCiStore, type CircleCiStoreSettings } from "#shared/adapters/circleci/index.js";
import { SecretValue } from "#shared/domain/secret-value.js";
import type { CiContext } from "#shared/domain/snapshot.js";

const tls = ensureSandboxTls(defaultTlsDir());
const token = "CANARY-TOKEN-7f3e9a";
const world = sampleCircleWorld({ token });
const orgId = world.org.id;
const prod: CiContext = { id: world.contexts[0]!.id, name: "prod-deploy", createdAt: world.contexts[0]!.createdAt };
const fast = { minTimeoutMs: 5, maxTimeoutMs: 20, jitter: false } satisfies Partial<CircleCiStoreSettings>;

const elapsed = async (work: () => Promise<unknown>): Promise<number> => {
  const start = performance.now();
  await work();
  return performance.now() - start;
};

describe("CircleCI adapter under faults", () => {
  let emulator: CircleCiEmulator;
  const store = (overrides: Partial<CircleCiStoreSettings> = {}) =>
    createCircleCiStore({ apiUrl: emulator.apiUrl, token, orgId, ...fast, ...overrides });

  beforeEach(async () => {
    emulator = new CircleCiEmulator(sampleCircleWorld({ token }), { pageSize: 1 });
    await emulator.start(tls);
  });
  afterEach(() => emulator.close());

  it("waits out a 429's Retry-After and then succeeds", async () => {
    emulator.faults.set("context.envvar.list", { rateLimitEvery: 4, retryAfterSeconds: 1 });
    let variables: unknown[] = [];
    const ms = await elapsed(async () => {
      variables = await store().listContextVariables(prod);
    });
    expect(variables).toHaveLength(5);
    const statuses = emulator.log.entries.map((e) => e.status);
    expect(statuses).toEqual([200, 200, 200, 429, 200, 200]);
    // Backoff alone (5-20 ms) would be far quicker than the second CircleCI asked for.
    expect(ms).toBeGreaterThanOrEqual(950);
  });

  it("bounds the wait a 429 asks for by maxRetryAfterSeconds", async () => {
    emulator.faults.set("context.list", { rateLimitEvery: 2, retryAfterSeconds: 120 });
    const ms = await elapsed(() => store({ maxRetryAfterSeconds: 0.05 }).listContexts());
    expect(emulator.faults.injected.rateLimited).toBeGreaterThanOrEqual(2);
    expect(ms).toBeLessThan(5_000);
  });

  it("retries a plain-text 429 (Rate limited.)", async () => {
    emulator.faults.set("project.envvar.list", { rateLimitEvery: 2, plainText: true, retryAfterSeconds: 0 });
    const variables = await store().listProjectVariables("gh/acme/api");
    expect(variables.map((v) => v.name)).toEqual(["DEPLOY_KEY", "LEGACY_TOKEN", "SENTRY_DSN"]);
    expect(emulator.faults.injected.rateLimited).toBe(2);
  });

  it("retries 5xx until the write goes through, and the value lands once", async () => {
    emulator.faults.set("context.envvar.put", { failTimes: 3, failStatus: 502 });
    await store().setContextVariable(prod.id, "AZURE_CLIENT_SECRET", new SecretValue("after-outage"));
    expect(emulator.state.contextValue("prod-deploy", "AZURE_CLIENT_SECRET")).toBe("after-outage");
    expect(emulator.log.writes().map((e) => e.status)).toEqual([502, 502, 502, 200]);
  });

  it("retries a request that timed out", async () => {
    emulator.faults.set("project.envvar.create", { hangMs: 1_000 });
    const clear = setTimeout(() => emulator.faults.clear("project.envvar.create"), 250);
    try {
      await store({ timeoutMs: 100, minTimeoutMs: 500, maxTimeoutMs: 500 }).setProjectVariable("gh/acme/api", "DEPLOY_KEY", new SecretValue("slow-but-ok"));
    } finally {
      clearTimeout(clear);
    }
    expect(emulator.state.projectValue("gh/acme/api", "DEPLOY_KEY")).toBe("slow-but-ok");
  });

  it("gives up on a server that never answers, with a timeout error naming the path", async () => {
    emulator.faults.set("context.list", { hangMs: 400 });
    const error = await store({ timeoutMs: 50, retries: 1 }).listContexts().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CircleCiError);
    const failure = error as CircleCiError;
    expect(failure.status).toBeUndefined();
    expect(failure.code).toBe("ETIMEDOUT");
    expect(failure.message).toMatch(/^CircleCI listContexts failed: GET \/context\?owner-id=.* got no answer \(ETIMEDOUT\).*\(after 2 attempts\)$/);
  });

  it("ends a persistent 5xx in a CircleCiError naming path and status, with neither token nor value", async () => {
    const value = "CANARY-VALUE-d41d8cd9";
    emulator.faults.set("context.envvar.put", { failTimes: 100, failStatus: 503 });
    const error = await store({ retries: 2 })
      .setContextVariable(prod.id, "AZURE_CLIENT_SECRET", new SecretValue(value))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CircleCiError);
    const failure = error as CircleCiError;
    expect(failure).toMatchObject({ operation: "setContextVariable", method: "PUT", status: 503, attempts: 3 });
    expect(failure.message).toBe(
      `CircleCI setContextVariable failed: PUT /context/${prod.id}/environment-variable/AZURE_CLIENT_SECRET answered 503: CircleCI failed to answer (after 3 attempts)`,
    );
    for (const rendering of [failure.message, failure.stack ?? "", inspect(failure, { depth: 10, showHidden: true }), JSON.stringify(failure)]) {
      expect(rendering).not.toContain(token);
      expect(rendering).not.toContain(value);
    }
    expect(emulator.log.writes()).toHaveLength(3);
  });

  it("never shows a plain-text 5xx body: the status, in our words", async () => {
    emulator.faults.set("context.envvar.delete", { failTimes: 100, plainText: true });
    const error = await store({ retries: 1 }).deleteContextVariable(prod.id, "NPM_TOKEN").catch((e: unknown) => e);
    expect((error as CircleCiError).message).toContain("answered 503: CircleCI failed to answer");
    expect((error as CircleCiError).message).not.toContain("Service unavailable");
    expect(emulator.state.contextVariable("prod-deploy", "NPM_TOKEN")).toBeDefined();
  });
});

describe("CircleCI adapter and rate-limit headers other than Retry-After", () => {
  let server: Emulator;
  let calls = 0;

  beforeEach(async () => {
    calls = 0;
    server = new Emulator({
      name: "reset-headers",
      errorShape: (status, message) => ({ status, json: { message } }),
      routes: [
        {
          name: "context.list",
          method: "GET",
          pattern: "/api/v2/context",
          handler: (): EmulatorReply => {
            calls += 1;
            if (calls === 1) return { status: 429, headers: { "ratelimit-reset": "1" }, json: { message: "Rate limit exceeded." } };
            if (calls === 2) {
              const resetAt = String(Math.floor(Date.now() / 1000) + 1);
              return { status: 429, headers: { "x-ratelimit-reset": resetAt }, text: "Rate limited." };
            }
            return { status: 200, json: { items: [], next_page_token: null } };
          },
        },
      ],
    });
    await server.start(tls);
  });
  afterEach(() => server.close());

  it("honours RateLimit-Reset (seconds) and X-RateLimit-Reset (Unix time)", async () => {
    const ci = createCircleCiStore({ apiUrl: `${server.url}/api/v2`, token, orgId, ...fast });
    const ms = await elapsed(() => ci.listContexts());
    expect(calls).toBe(3);
    expect(ms).toBeGreaterThanOrEqual(1_000);
  });

  it("reads every documented form of the requested wait", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(requestedWaitMs({ "retry-after": "3" }, now)).toBe(3_000);
    expect(requestedWaitMs({ "retry-after": "Thu, 01 Jan 2026 00:00:05 GMT" }, now)).toBe(5_000);
    expect(requestedWaitMs({ "ratelimit-reset": "7" }, now)).toBe(7_000);
    expect(requestedWaitMs({ "x-ratelimit-reset": String(now / 1000 + 9) }, now)).toBe(9_000);
    expect(requestedWaitMs({ "retry-after": "2", "x-ratelimit-reset": "60" }, now)).toBe(2_000);
    expect(requestedWaitMs({}, now)).toBeUndefined();
  });
});

describe("CircleCI adapter and dropped connections", () => {
  let server: Server;
  let requests = 0;

  beforeEach(async () => {
    requests = 0;
    server = createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
      requests += 1;
      if (requests === 1) {
        req.socket.destroy();
        return;
      }
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ items: [{ id: "c1", name: "only", created_at: "2026-01-01T00:00:00.000Z" }], next_page_token: null }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  });
  afterEach(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it("retries after the connection is reset", async () => {
    const { port } = server.address() as AddressInfo;
    const contexts = await createCircleCiStore({ apiUrl: `https://127.0.0.1:${port}/api/v2`, token, orgId, ...fast }).listContexts();
    expect(contexts.map((c) => c.name)).toEqual(["only"]);
    expect(requests).toBe(2);
  });
});
