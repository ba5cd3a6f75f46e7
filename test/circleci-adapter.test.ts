import { inspect } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { defaultTlsDir, ensureSandboxTls } from "../sandbox/core/ca.js";
import { Emulator, type EmulatorReply } from "../sandbox/core/emulator.js";
import { CircleCiEmulator, sampleCircleWorld } from "../sandbox/circleci/index.js";
import { CircleCiError, createCircleCiStore, type CircleCiStoreSettings } from "#shared/adapters/circleci/index.js";
import { SecretValue } from "#shared/domain/secret-value.js";
import type { CiContext } from "#shared/domain/snapshot.js";

const tls = ensureSandboxTls(defaultTlsDir());
const world = sampleCircleWorld();
const orgId = world.org.id;
const prod: CiContext = { id: world.contexts[0]!.id, name: "prod-deploy", createdAt: world.contexts[0]!.createdAt };
const fast = { minTimeoutMs: 5, maxTimeoutMs: 20, jitter: false } satisfies Partial<CircleCiStoreSettings>;

async function failure(promise: Promise<unknown>): Promise<CircleCiError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CircleCiError);
  return error as CircleCiError;
}

describe("CircleCI adapter against the CircleCI emulator", () => {
  let emulator: CircleCiEmulator;
  let clock: Date;
  const store = (overrides: Partial<CircleCiStoreSettings> = {}) =>
    createCircleCiStore({ apiUrl: emulator.apiUrl, token: world.token, orgId, ...fast, ...overrides });

  beforeEach(async () => {
    clock = new Date("2026-01-15T12:00:00.000Z");
    emulator = new CircleCiEmulator(sampleCircleWorld(), { pageSize: 2, now: () => clock });
    await emulator.start(tls);
  });
  afterEach(() => emulator.close());

  it("lists every context of the organization across pages", async () => {
    const contexts = await store().listContexts();
    expect(contexts).toEqual(world.contexts.map((c) => ({ id: c.id, name: c.name, createdAt: c.createdAt })));
    const listings = emulator.log.entries.filter((e) => e.route === "context.list");
    expect(listings).toHaveLength(3);
    expect(listings[0]!.query).toContain(`owner-id=${orgId}`);
    expect(listings[1]!.query).toContain("page-token=");
  });

  it("lists context variables with their dates and no values", async () => {
    const variables = await store().listContextVariables(prod);
    expect(variables.map((v) => v.name)).toEqual(world.contexts[0]!.variables.map((v) => v.name));
    const secret = variables.find((v) => v.name === "AZURE_CLIENT_SECRET")!;
    expect(secret).toEqual({
      scope: { kind: "context", contextId: prod.id, contextName: "prod-deploy" },
      name: "AZURE_CLIENT_SECRET",
      createdAt: world.contexts[0]!.variables[2]!.createdAt,
      updatedAt: world.contexts[0]!.variables[2]!.updatedAt,
    });
    expect(JSON.stringify(variables)).not.toContain("prod~secret~value");
  });

  it("lists project variables without their masked values, reading ISO, Clojure or missing created-at", async () => {
    const variables = await store().listProjectVariables("gh/acme/api");
    expect(variables).toEqual([
      { scope: { kind: "project", projectSlug: "gh/acme/api" }, name: "DEPLOY_KEY", createdAt: world.projects[0]!.variables[0]!.createdAt },
      { scope: { kind: "project", projectSlug: "gh/acme/api" }, name: "LEGACY_TOKEN" },
      { scope: { kind: "project", projectSlug: "gh/acme/api" }, name: "SENTRY_DSN", createdAt: world.projects[0]!.variables[2]!.createdAt },
    ]);
    expect(JSON.stringify(variables)).not.toContain("xxxx");

    const joda = new CircleCiEmulator(sampleCircleWorld(), { projectTimestampStyle: "joda" });
    await joda.start(tls);
    try {
      const fromJoda = await createCircleCiStore({ apiUrl: joda.apiUrl, token: world.token, orgId }).listProjectVariables("gh/acme/api");
      // The Clojure form carries whole seconds only.
      expect(fromJoda[0]!.createdAt).toBe(world.projects[0]!.variables[0]!.createdAt!.replace(/\.\d+Z$/, ".000Z"));
    } finally {
      await joda.close();
    }
  });

  it("lists the followed projects of API v1.1 as slugs", async () => {
    const slugs = await store().listFollowedProjects();
    expect(slugs).toEqual(["gh/acme/api", "bb/acme/web", world.projects[2]!.slug]);
    expect(emulator.log.entries.at(-1)).toMatchObject({ route: "v1.projects", path: "/api/v1.1/projects", status: 200 });
  });

  it("upserts a context variable: the emulator holds the new value and the clock's updated_at", async () => {
    clock = new Date("2026-02-02T02:02:02.000Z");
    const ci = store();
    await ci.setContextVariable(prod.id, "AZURE_CLIENT_SECRET", new SecretValue("brand-new-secret"));
    await ci.setContextVariable(prod.id, "ANOTHER", new SecretValue("another-secret"));
    expect(emulator.state.contextValue("prod-deploy", "AZURE_CLIENT_SECRET")).toBe("brand-new-secret");
    expect(emulator.state.contextVariable("prod-deploy", "AZURE_CLIENT_SECRET")!.updatedAt).toBe("2026-02-02T02:02:02.000Z");
    expect(emulator.state.contextValue("prod-deploy", "ANOTHER")).toBe("another-secret");
    expect(emulator.log.writes().map((e) => `${e.method} ${e.path} ${e.status}`)).toEqual([
      `PUT /api/v2/context/${prod.id}/environment-variable/AZURE_CLIENT_SECRET 200`,
      `PUT /api/v2/context/${prod.id}/environment-variable/ANOTHER 200`,
    ]);
  });

  it("deletes context variables idempotently: already gone, or its context gone, is fine", async () => {
    const ci = store();
    await ci.deleteContextVariable(prod.id, "DOCKER_PASSWORD");
    expect(emulator.state.contextVariable("prod-deploy", "DOCKER_PASSWORD")).toBeUndefined();
    await ci.deleteContextVariable(prod.id, "DOCKER_PASSWORD");
    await ci.deleteContextVariable("00000000-0000-4000-8000-000000000000", "DOCKER_PASSWORD");
    expect(emulator.log.writes().map((e) => e.status)).toEqual([200, 404, 404]);
  });

  it("sets and deletes project variables, also for circleci/<org>/<project> slugs", async () => {
    const ci = store();
    const appSlug = world.projects[2]!.slug;
    await ci.setProjectVariable("gh/acme/api", "DEPLOY_KEY", new SecretValue("replaced-key-0000"));
    await ci.setProjectVariable(appSlug, "NEW_VAR", new SecretValue("app-value"));
    expect(emulator.state.projectValue("gh/acme/api", "DEPLOY_KEY")).toBe("replaced-key-0000");
    expect(emulator.state.projectValue(appSlug, "NEW_VAR")).toBe("app-value");

    await ci.deleteProjectVariable(appSlug, "NEW_VAR");
    await ci.deleteProjectVariable(appSlug, "NEW_VAR");
    expect(emulator.state.projectVariable(appSlug, "NEW_VAR")).toBeUndefined();
    expect(emulator.log.writes().map((e) => `${e.route} ${e.status}`)).toEqual([
      "project.envvar.create 201",
      "project.envvar.create 201",
      "project.envvar.delete 200",
      "project.envvar.delete 404",
    ]);
  });

  it("fails at once on a wrong token, in our words (never CircleCI's), and never shows the token", async () => {
    const token = "CANARY-TOKEN-never-print-me";
    const error = await failure(createCircleCiStore({ apiUrl: emulator.apiUrl, token, orgId, ...fast }).listContexts());
    expect(error.status).toBe(401);
    expect(error.message).toContain("CircleCI refused CIRCLECI_TOKEN");
    expect(error.message).not.toContain("Invalid token provided");
    expect(error.message).toContain("GET /context?owner-id=");
    expect(error.message).toContain("401");
    for (const rendering of [error.message, error.stack ?? "", inspect(error, { depth: 5 }), JSON.stringify(error)]) {
      expect(rendering).not.toContain(token);
    }
    expect(emulator.log.count()).toBe(1);
  });

  it("reports an unknown project or context by its status in our words, without retrying", async () => {
    const project = await failure(store().listProjectVariables("gh/acme/nope"));
    expect(project.message).toBe("CircleCI listProjectVariables failed: GET /project/gh/acme/nope/envvar answered 404: not found, or not visible to the token's user");
    const context = await failure(store().listContextVariables({ ...prod, id: "00000000-0000-4000-8000-000000000000" }));
    expect(context).toMatchObject({ status: 404 });
    expect(context.message).not.toContain("Context not found");
    expect(emulator.log.count()).toBe(2);
  });

  it("fails at once when CircleCI refuses a value, and never shows the value", async () => {
    const value = `CANARY-VALUE-${"v".repeat(40_000)}`;
    const error = await failure(store().setContextVariable(prod.id, "AZURE_CLIENT_SECRET", new SecretValue(value)));
    expect(error.status).toBe(400);
    expect(error.message).toContain("answered 400: CircleCI refused the request as malformed");
    expect(inspect(error)).not.toContain("CANARY-VALUE");
    expect(emulator.log.count()).toBe(1);
    expect(emulator.state.contextValue("prod-deploy", "AZURE_CLIENT_SECRET")).toBe("prod~secret~value~0001");
  });

  it("refuses bad settings naming the setting, without echoing the token", () => {
    const token = "CANARY-settings-token";
    expect(() => createCircleCiStore({ apiUrl: "not a url", token, orgId: "acme" })).toThrowError(/apiUrl: .*; orgId: /);
    try {
      createCircleCiStore({ apiUrl: "not a url", token, orgId: "acme" });
    } catch (error) {
      expect(String(error)).not.toContain(token);
    }
    expect(() => createCircleCiStore({ apiUrl: "https://circleci.com/api/v2", token: "", orgId })).toThrowError(/token/);
  });

  it("cannot derive API v1.1 from a base that does not end in /api/v2, and says so", async () => {
    const error = await failure(store({ apiUrl: `${emulator.url}/elsewhere` }).listFollowedProjects());
    expect(error.message).toMatch(/must end with \/api\/v2/);
  });
});

describe("CircleCI adapter against a misbehaving server", () => {
  let server: Emulator;
  let inFlight = 0;
  let maxInFlight = 0;
  /** The next PUT is answered 429 (Retry-After: 0) before anything is done. */
  let throttleNext = false;
  /** How long a PUT is held: long enough that requests let through together are seen together, even on a loaded machine. */
  let holdMs = 25;

  beforeEach(async () => {
    holdMs = 25;
    inFlight = 0;
    maxInFlight = 0;
    throttleNext = false;
    server = new Emulator({
      name: "odd-circleci",
      errorShape: (status, message) => ({ status, json: { message } }),
      routes: [
        {
          name: "context.list",
          method: "GET",
          pattern: "/api/v2/context",
          handler: () => ({
            status: 200,
            json: { items: [{ id: "c1", name: "ok", created_at: "2026-01-01T00:00:00Z" }, { id: "c2", name: 42, created_at: "yesterday" }], next_page_token: null },
          }),
        },
        {
          name: "context.envvar.list",
          method: "GET",
          pattern: "/api/v2/context/:id/environment-variable",
          handler: (req) => ({ status: 200, json: { items: [], next_page_token: req.query.get("page-token") ?? "same" } }),
        },
        { name: "project.envvar.list", method: "GET", pattern: /^\/api\/v2\/project\/.+\/envvar$/, handler: () => ({ status: 200, text: "<html>oops</html>" }) },
        {
          name: "context.envvar.put",
          method: "PUT",
          pattern: "/api/v2/context/:id/environment-variable/:name",
          handler: async (): Promise<EmulatorReply> => {
            if (throttleNext) {
              throttleNext = false;
              return { status: 429, headers: { "retry-after": "0" }, json: { message: "Rate limit exceeded" } };
            }
            inFlight += 1;
            maxInFlight = Math.max(maxInFlight, inFlight);
            await new Promise((resolve) => setTimeout(resolve, holdMs));
            inFlight -= 1;
            return { status: 200, json: { message: "ok" } };
          },
        },
      ],
    });
    await server.start(tls);
  });
  afterEach(() => server.close());

  const oddStore = (overrides: Partial<CircleCiStoreSettings> = {}) =>
    createCircleCiStore({ apiUrl: `${server.url}/api/v2`, token: world.token, orgId, ...fast, ...overrides });

  it("turns a malformed answer into an error naming the endpoint and the fields", async () => {
    const error = await failure(oddStore().listContexts());
    expect(error.message).toContain("listContexts");
    expect(error.message).toContain("GET /context?owner-id=");
    expect(error.message).toContain("items[1].name");
    expect(error.message).toContain("items[1].created_at");
    expect(server.log.count()).toBe(1);
  });

  it("refuses an answer that is not JSON, and a page token that never ends", async () => {
    const notJson = await failure(oddStore().listProjectVariables("gh/acme/api"));
    expect(notJson.message).toMatch(/GET \/project\/gh\/acme\/api\/envvar answered 200: the answer is not JSON/);
    const loop = await failure(oddStore().listContextVariables(prod));
    expect(loop.message).toMatch(/next_page_token repeats/);
  });

  it("keeps at most maxConcurrency requests in flight", async () => {
    const ci = oddStore({ maxConcurrency: 3 });
    await Promise.all(Array.from({ length: 12 }, (_, i) => ci.setContextVariable("c1", `V${i}`, new SecretValue("x"))));
    expect(server.log.count()).toBe(12);
    expect(maxInFlight).toBe(3);
  });

  it("allows more in flight while the server never pushes back, up to maxConcurrency, and falls back at the first 429", async () => {
    holdMs = 150;
    const ci = oddStore({ initialConcurrency: 2, maxConcurrency: 6 });
    const putMany = (n: number) => Promise.all(Array.from({ length: n }, (_, i) => ci.setContextVariable("c1", `V${i}`, new SecretValue("x"))));
    await putMany(40);
    expect(maxInFlight).toBeGreaterThan(2);
    expect(maxInFlight).toBeLessThanOrEqual(6);

    throttleNext = true;
    await putMany(1);
    expect(throttleNext).toBe(false);
    maxInFlight = 0;
    await putMany(40);
    // Back to the initial two for good: the server has a limit, and the pace takes over from here.
    expect(maxInFlight).toBeLessThanOrEqual(2);
    expect(server.log.count()).toBe(82);
  });
});
