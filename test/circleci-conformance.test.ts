import axios, { type AxiosInstance, type AxiosResponse } from "axios";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { defaultTlsDir, ensureSandboxTls } from "../sandbox/core/ca.js";
import { CircleCiEmulator, circleCiRouteNames, circleLimits, sampleCircleWorld } from "../sandbox/circleci/index.js";
import { describeErrors, loadOpenApi } from "./support/openapi.js";

const openApi = loadOpenApi(new URL("../specs/circleci-openapi-v2.json", import.meta.url));
const tls = ensureSandboxTls(defaultTlsDir());
const world = sampleCircleWorld();
const orgId = world.org.id;
const prodId = world.contexts[0]!.id;

/** Asserts that a response body is what CircleCI's own OpenAPI document promises for that operation. */
function expectConforms(response: AxiosResponse, method: string, template: string): void {
  const validate = openApi.response(method, template, response.status);
  const valid = validate(response.data);
  expect(valid, `${method} ${template} ${response.status}: ${describeErrors(validate)}\n${JSON.stringify(response.data)}`).toBe(true);
}

describe("CircleCI emulator on the wire, checked against CircleCI's OpenAPI document", () => {
  let emulator: CircleCiEmulator;
  let api: AxiosInstance;
  let clock: Date;

  beforeEach(async () => {
    clock = new Date("2026-01-15T12:00:00.000Z");
    emulator = new CircleCiEmulator(sampleCircleWorld(), { pageSize: 2, now: () => clock });
    await emulator.start(tls);
    api = axios.create({ baseURL: emulator.apiUrl, headers: { "Circle-Token": world.token }, validateStatus: () => true });
  });
  afterEach(() => emulator.close());

  it("refuses a missing or wrong token with 401 Invalid token provided.", async () => {
    const missing = await axios.get(`${emulator.apiUrl}/me`, { validateStatus: () => true });
    expect(missing.status).toBe(401);
    expect(missing.data).toEqual({ message: "Invalid token provided." });
    expectConforms(missing, "GET", "/me");

    const wrong = await api.get("/context", { params: { "owner-id": orgId }, headers: { "Circle-Token": "not-the-token" } });
    expect(wrong.status).toBe(401);
    expect(wrong.data).toEqual({ message: "Invalid token provided." });
    expectConforms(wrong, "GET", "/context");

    const viaQuery = await axios.get(`${emulator.apiUrl}/me`, { params: { "circle-token": world.token }, validateStatus: () => true });
    expect(viaQuery.status).toBe(401);
    expect(viaQuery.data.message).toMatch(/query parameter authentication has been deprecated/);
  });

  it("accepts HTTP basic auth with the token as user name", async () => {
    const basic = await axios.get(`${emulator.apiUrl}/me`, { auth: { username: world.token, password: "" }, validateStatus: () => true });
    expect(basic.status).toBe(200);
  });

  it("answers /me and /me/collaborations", async () => {
    const me = await api.get("/me");
    expect(me.status).toBe(200);
    expect(me.data).toMatchObject({ id: world.user.id, login: world.user.login, name: world.user.name });
    expectConforms(me, "GET", "/me");

    const collaborations = await api.get("/me/collaborations");
    expect(collaborations.data).toEqual([expect.objectContaining({ id: orgId, slug: "gh/acme", "vcs-type": "github" })]);
    expectConforms(collaborations, "GET", "/me/collaborations");
  });

  it("lists contexts by owner-id or owner-slug, in pages the server sizes", async () => {
    for (const owner of [{ "owner-id": orgId, "owner-type": "organization" }, { "owner-slug": "gh/acme" }]) {
      const names: string[] = [];
      let token: string | null = null;
      let pages = 0;
      do {
        const page: AxiosResponse = await api.get("/context", { params: { ...owner, ...(token ? { "page-token": token } : {}) } });
        expect(page.status).toBe(200);
        expectConforms(page, "GET", "/context");
        expect(page.data.items.length).toBeLessThanOrEqual(2);
        names.push(...page.data.items.map((c: { name: string }) => c.name));
        token = page.data.next_page_token;
        pages += 1;
      } while (token);
      expect(pages).toBe(3);
      expect(names).toEqual(world.contexts.map((c) => c.name));
    }
    expect(emulator.log.count((e) => e.route === "context.list" && e.status === 200)).toBe(6);
  });

  it("refuses context listings without an owner, for another owner, or with a foreign page token", async () => {
    const noOwner = await api.get("/context");
    expect(noOwner.status).toBe(400);
    expect(noOwner.data.message).toMatch(/owner-id or owner-slug/);

    const otherOrg = await api.get("/context", { params: { "owner-id": "00000000-0000-4000-8000-000000000000" } });
    expect(otherOrg.status).toBe(404);
    expectConforms(otherOrg, "GET", "/context");

    const varsPage = await api.get(`/context/${prodId}/environment-variable`);
    const foreign = await api.get("/context", { params: { "owner-id": orgId, "page-token": varsPage.data.next_page_token } });
    expect(foreign.status).toBe(400);
    expect(foreign.data).toEqual({ message: "Invalid page-token." });
  });

  it("creates, reads and deletes a context; an unknown one is 404 Context not found.", async () => {
    const created = await api.post("/context", { name: "new-context", owner: { id: orgId, type: "organization" } });
    expect(created.status).toBe(200);
    expectConforms(created, "POST", "/context");
    expect(created.data).toEqual({ id: expect.any(String), name: "new-context", created_at: clock.toISOString() });
    expect(emulator.state.context("new-context")?.id).toBe(created.data.id);

    const duplicate = await api.post("/context", { name: "new-context", owner: { slug: "gh/acme" } });
    expect(duplicate.status).toBe(409);

    const read = await api.get(`/context/${created.data.id}`);
    expect(read.data).toEqual(created.data);
    expectConforms(read, "GET", "/context/{context_id}");

    const deleted = await api.delete(`/context/${created.data.id}`);
    expect(deleted.status).toBe(200);
    expectConforms(deleted, "DELETE", "/context/{context_id}");
    expect(emulator.state.context("new-context")).toBeUndefined();

    for (const response of [await api.get(`/context/${created.data.id}`), await api.delete(`/context/${created.data.id}`)]) {
      expect(response.status).toBe(404);
      expect(response.data).toEqual({ message: "Context not found." });
    }
    expectConforms(await api.get(`/context/${created.data.id}/environment-variable`), "GET", "/context/{context_id}/environment-variable");
  });

  it("lists context variables in pages and never returns a value", async () => {
    const seen: string[] = [];
    let token: string | null = null;
    do {
      const page: AxiosResponse = await api.get(`/context/${prodId}/environment-variable`, { params: token ? { "page-token": token } : {} });
      expectConforms(page, "GET", "/context/{context_id}/environment-variable");
      for (const item of page.data.items) {
        expect(Object.keys(item).sort()).toEqual(["context_id", "created_at", "updated_at", "variable"]);
        expect(item.context_id).toBe(prodId);
        seen.push(item.variable);
      }
      token = page.data.next_page_token;
    } while (token);
    expect(seen).toEqual(world.contexts[0]!.variables.map((v) => v.name));
    expect(emulator.log.count((e) => e.route === "context.envvar.list")).toBe(3);
  });

  it("PUT upserts a context variable, stamping updated_at from the clock; DELETE removes it", async () => {
    const before = emulator.state.contextVariable("prod-deploy", "AZURE_CLIENT_SECRET")!;
    const createdAt = before.createdAt;
    clock = new Date("2026-02-01T08:30:00.000Z");
    const updated = await api.put(`/context/${prodId}/environment-variable/AZURE_CLIENT_SECRET`, { value: "rotated-value" });
    expect(updated.status).toBe(200);
    expectConforms(updated, "PUT", "/context/{context_id}/environment-variable/{env_var_name}");
    expect(updated.data).toEqual({ variable: "AZURE_CLIENT_SECRET", created_at: createdAt, updated_at: "2026-02-01T08:30:00.000Z", context_id: prodId });
    expect(emulator.state.contextValue("prod-deploy", "AZURE_CLIENT_SECRET")).toBe("rotated-value");

    const created = await api.put(`/context/${prodId}/environment-variable/NEW_ONE`, { value: "v" });
    expect(created.data).toMatchObject({ created_at: clock.toISOString(), updated_at: clock.toISOString() });
    expect(JSON.stringify(created.data)).not.toContain("\"value\"");

    const deleted = await api.delete(`/context/${prodId}/environment-variable/NEW_ONE`);
    expect(deleted.status).toBe(200);
    expectConforms(deleted, "DELETE", "/context/{context_id}/environment-variable/{env_var_name}");
    expect(emulator.state.contextVariable("prod-deploy", "NEW_ONE")).toBeUndefined();

    const again = await api.delete(`/context/${prodId}/environment-variable/NEW_ONE`);
    expect(again.status).toBe(404);
    expectConforms(again, "DELETE", "/context/{context_id}/environment-variable/{env_var_name}");
    const unknownContext = await api.put("/context/00000000-0000-4000-8000-000000000000/environment-variable/X", { value: "v" });
    expect(unknownContext.status).toBe(404);
    expect(unknownContext.data).toEqual({ message: "Context not found." });
  });

  it("creates project, expression and group restrictions, lists them in pages, and deletes one", async () => {
    const path = `/context/${prodId}/restrictions`;
    const empty = await api.get(path);
    expect(empty.status).toBe(200);
    expectConforms(empty, "GET", "/context/{context_id}/restrictions");
    expect(empty.data).toEqual({ items: [], next_page_token: null });

    const apiProject = world.projects[0]!;
    const project = await api.post(path, { restriction_type: "project", restriction_value: apiProject.id });
    expect(project.status).toBe(201);
    expectConforms(project, "POST", "/context/{context_id}/restrictions");
    expect(project.data).toMatchObject({ project_id: apiProject.id, name: apiProject.name, restriction_type: "project", restriction_value: apiProject.id });
    const expression = await api.post(path, { restriction_type: "expression", restriction_value: 'pipeline.git.branch == "main" and not job.ssh.enabled' });
    expect(expression.status).toBe(201);
    expectConforms(expression, "POST", "/context/{context_id}/restrictions");
    expect(expression.data).toMatchObject({ name: "", restriction_type: "expression" });
    expect(expression.data).not.toHaveProperty("project_id");
    const group = await api.post(path, { restriction_type: "group", restriction_value: "30865957-99e1-4b69-8c9f-d83a91756f89" });
    expect(group.status).toBe(201);
    expectConforms(group, "POST", "/context/{context_id}/restrictions");

    // Three restrictions in pages of two.
    const first = await api.get(path);
    expectConforms(first, "GET", "/context/{context_id}/restrictions");
    expect(first.data.items).toHaveLength(2);
    expect(first.data.items[0]).toMatchObject({ context_id: prodId, id: project.data.id });
    const second = await api.get(path, { params: { "page-token": first.data.next_page_token } });
    expectConforms(second, "GET", "/context/{context_id}/restrictions");
    expect(second.data).toMatchObject({ items: [expect.objectContaining({ restriction_type: "group" })], next_page_token: null });

    const deleted = await api.delete(`${path}/${expression.data.id}`);
    expect(deleted.status).toBe(200);
    expect(deleted.data).toEqual({ message: "Context restriction deleted." });
    expectConforms(deleted, "DELETE", "/context/{context_id}/restrictions/{restriction_id}");
    expect(emulator.state.context("prod-deploy")!.restrictions.map((r) => r.type)).toEqual(["project", "group"]);
  });

  it("refuses bad restrictions, malformed ids and unknown contexts as CircleCI's document says", async () => {
    const path = `/context/${prodId}/restrictions`;
    const unknownProject = await api.post(path, { restriction_type: "project", restriction_value: "00000000-0000-4000-8000-000000000000" });
    expect(unknownProject.status).toBe(400);
    expectConforms(unknownProject, "POST", "/context/{context_id}/restrictions");
    expect(unknownProject.data.message).toMatch(/Project does not exist/);
    const badType = await api.post(path, { restriction_type: "branch", restriction_value: "main" });
    expect(badType.status).toBe(400);
    expectConforms(badType, "POST", "/context/{context_id}/restrictions");
    const noValue = await api.post(path, { restriction_type: "expression", restriction_value: "  " });
    expect(noValue.status).toBe(400);
    await api.post(path, { restriction_type: "expression", restriction_value: "not job.ssh.enabled" });
    const twice = await api.post(path, { restriction_type: "expression", restriction_value: "not job.ssh.enabled" });
    expect(twice.status).toBe(400);
    expect(twice.data).toEqual({ message: "This restriction cannot be applied to this context." });

    const malformed = await api.get("/context/not-a-uuid/restrictions");
    expect(malformed.status).toBe(400);
    expect(malformed.data).toEqual({ message: "context_id is invalid." });
    expectConforms(malformed, "GET", "/context/{context_id}/restrictions");
    const unknown = await api.get("/context/00000000-0000-4000-8000-000000000000/restrictions");
    expect(unknown.status).toBe(404);
    expect(unknown.data).toEqual({ message: "Context not found." });
    expectConforms(unknown, "GET", "/context/{context_id}/restrictions");
    const badRestriction = await api.delete(`${path}/nope`);
    expect(badRestriction.status).toBe(400);
    expect(badRestriction.data).toEqual({ message: "restriction_id is invalid." });
    expectConforms(badRestriction, "DELETE", "/context/{context_id}/restrictions/{restriction_id}");
    const goneRestriction = await api.delete(`${path}/00000000-0000-4000-8000-000000000000`);
    expect(goneRestriction.status).toBe(404);
    expectConforms(goneRestriction, "DELETE", "/context/{context_id}/restrictions/{restriction_id}");
    const noToken = await axios.get(`${emulator.apiUrl}${path}`, { validateStatus: () => true });
    expect(noToken.status).toBe(401);
    expectConforms(noToken, "GET", "/context/{context_id}/restrictions");
  });

  it("enforces CircleCI's limits on names, values and variables per context", async () => {
    const path = `/context/${prodId}/environment-variable`;
    for (const bad of ["1STARTS_WITH_DIGIT", "HAS-DASH", "X".repeat(circleLimits.nameMaxLength + 1)]) {
      const response = await api.put(`${path}/${bad}`, { value: "v" });
      expect(response.status, bad).toBe(400);
      expect(response.data.message).toMatch(/Invalid environment variable name/);
    }
    expect((await api.put(`${path}/${"X".repeat(circleLimits.nameMaxLength)}`, { value: "v" })).status).toBe(200);

    const tooLong = "s".repeat(circleLimits.valueMaxLength + 1);
    const longValue = await api.put(`${path}/LONG`, { value: tooLong });
    expect(longValue.status).toBe(400);
    expect(longValue.data.message).toMatch(/at most 32768 characters/);
    expect(JSON.stringify(longValue.data)).not.toContain(tooLong);
    expect((await api.put(`${path}/LONG`, { value: tooLong.slice(1) })).status).toBe(200);

    const noValue = await api.put(`${path}/NO_VALUE`, { other: "x" });
    expect(noValue.status).toBe(400);
    expect(noValue.data.message).toMatch(/"value" is required/);
    const notJson = await api.put(`${path}/BAD_JSON`, "{not json", { headers: { "content-type": "application/json" } });
    expect(notJson.status).toBe(400);

    const context = emulator.state.context("prod-deploy")!;
    for (let i = context.variables.length; i < circleLimits.variablesPerContext; i += 1) {
      emulator.state.setContextVariable("prod-deploy", `FILL_${i}`, "v");
    }
    const full = await api.put(`${path}/ONE_TOO_MANY`, { value: "v" });
    expect(full.status).toBe(409);
    expect(full.data.message).toMatch(/at most 100 environment variables/);
    expect((await api.put(`${path}/AZURE_CLIENT_SECRET`, { value: "still updatable" })).status).toBe(200);
  });

  it("serves project info by raw or URL-encoded slug, GitHub and circleci/<org>/<project> alike", async () => {
    const raw = await api.get("/project/gh/acme/api");
    expect(raw.status).toBe(200);
    expectConforms(raw, "GET", "/project/{project-slug}");
    expect(raw.data).toMatchObject({ slug: "gh/acme/api", id: world.projects[0]!.id, name: "api", organization_id: orgId });

    const encoded = await api.get(`/project/${encodeURIComponent("gh/acme/api")}`);
    expect(encoded.data).toEqual(raw.data);

    const appSlug = world.projects[2]!.slug;
    const app = await api.get(`/project/${appSlug}`);
    expectConforms(app, "GET", "/project/{project-slug}");
    expect(app.data.vcs_info.provider).toBe("CircleCI");

    const missing = await api.get("/project/gh/acme/nope");
    expect(missing.status).toBe(404);
    expect(missing.data).toEqual({ message: "Project not found" });
    expectConforms(missing, "GET", "/project/{project-slug}");
    expect((await api.get("/project/gh/acme/nope/envvar")).data).toEqual({ message: "Project not found" });
  });

  it("masks project variables to xxxx + last four, replaces them on POST (201), reads and deletes one", async () => {
    const list = await api.get("/project/gh/acme/api/envvar");
    expectConforms(list, "GET", "/project/{project-slug}/envvar");
    expect(list.data.items[0]).toEqual({ name: "DEPLOY_KEY", value: "xxxx9876", "created-at": world.projects[0]!.variables[0]!.createdAt });
    expect(list.data.items[1]).toEqual({ name: "LEGACY_TOKEN", value: "xxxx5555", "created-at": null });
    expect(list.data.next_page_token).toEqual(expect.any(String));
    const second = await api.get("/project/gh/acme/api/envvar", { params: { "page-token": list.data.next_page_token } });
    expect(second.data.items.map((v: { name: string }) => v.name)).toEqual(["SENTRY_DSN"]);
    expect(second.data.next_page_token).toBeNull();

    clock = new Date("2026-03-03T03:03:03.000Z");
    const created = await api.post(`/project/${encodeURIComponent("gh/acme/api")}/envvar`, { name: "DEPLOY_KEY", value: "new-deploy-key-4321" });
    expect(created.status).toBe(201);
    expectConforms(created, "POST", "/project/{project-slug}/envvar");
    expect(created.data).toEqual({ name: "DEPLOY_KEY", value: "xxxx4321", "created-at": "2026-03-03T03:03:03.000Z" });
    expect(emulator.state.projectValue("gh/acme/api", "DEPLOY_KEY")).toBe("new-deploy-key-4321");
    expect(emulator.state.project("gh/acme/api")!.variables.filter((v) => v.name === "DEPLOY_KEY")).toHaveLength(1);

    const one = await api.get("/project/gh/acme/api/envvar/DEPLOY_KEY");
    expectConforms(one, "GET", "/project/{project-slug}/envvar/{name}");
    expect(one.data.value).toBe("xxxx4321");

    const deleted = await api.delete("/project/gh/acme/api/envvar/DEPLOY_KEY");
    expectConforms(deleted, "DELETE", "/project/{project-slug}/envvar/{name}");
    expect(emulator.state.projectVariable("gh/acme/api", "DEPLOY_KEY")).toBeUndefined();
    const gone = await api.get("/project/gh/acme/api/envvar/DEPLOY_KEY");
    expect(gone.status).toBe(404);
    expectConforms(gone, "GET", "/project/{project-slug}/envvar/{name}");

    const badName = await api.post("/project/gh/acme/api/envvar", { name: "BAD-NAME", value: "v" });
    expect(badName.status).toBe(400);
  });

  it("can write project created-at in the Clojure form CircleCI's spec shows", async () => {
    const joda = new CircleCiEmulator(sampleCircleWorld(), { projectTimestampStyle: "joda" });
    await joda.start(tls);
    try {
      const list = await axios.get(`${joda.apiUrl}/project/gh/acme/api/envvar`, { headers: { "Circle-Token": world.token } });
      expect(list.data.items[0]["created-at"]).toMatch(/^#joda\/inst \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000$/);
      expectConforms(list, "GET", "/project/{project-slug}/envvar");
    } finally {
      await joda.close();
    }
  });

  it("lists followed projects on API v1.1 at the same host", async () => {
    const followed = await axios.get(`${emulator.url}/api/v1.1/projects`, { headers: { "Circle-Token": world.token } });
    expect(followed.status).toBe(200);
    expect(followed.data).toHaveLength(3);
    expect(followed.data[0]).toMatchObject({ vcs_type: "github", username: "acme", reponame: "api", vcs_url: "https://github.com/acme/api" });
    expect(followed.data[1]).toMatchObject({ vcs_type: "bitbucket", username: "acme", reponame: "web" });
    const denied = await axios.get(`${emulator.url}/api/v1.1/projects`, { validateStatus: () => true });
    expect(denied.status).toBe(401);
  });

  it("shapes injected rate limits and server errors as CircleCI documents them", async () => {
    emulator.faults.set("context.list", { rateLimitEvery: 1, retryAfterSeconds: 2 });
    const limited = await api.get("/context", { params: { "owner-id": orgId } });
    expect(limited.status).toBe(429);
    expect(limited.headers["retry-after"]).toBe("2");
    expect(limited.data).toEqual({ message: "Rate limit exceeded." });
    expectConforms(limited, "GET", "/context");

    emulator.faults.set("context.list", { failTimes: 1, failStatus: 500 });
    const failed = await api.get("/context", { params: { "owner-id": orgId } });
    expect(failed.status).toBe(500);
    expectConforms(failed, "GET", "/context");

    emulator.faults.set("context.list", { rateLimitEvery: 1, plainText: true });
    const plain = await api.get("/context", { params: { "owner-id": orgId } });
    expect(plain.status).toBe(429);
    expect(plain.data).toBe("Rate limited.");
  });

  it("names every route it serves, so fault knobs can target each", async () => {
    const names = new Set<string>();
    await api.get("/me");
    await api.get("/me/collaborations");
    await api.get("/context", { params: { "owner-id": orgId } });
    const created = await api.post("/context", { name: "x", owner: { id: orgId } });
    await api.get(`/context/${created.data.id}`);
    await api.get(`/context/${prodId}/environment-variable`);
    await api.put(`/context/${prodId}/environment-variable/A`, { value: "v" });
    await api.delete(`/context/${prodId}/environment-variable/A`);
    const restriction = await api.post(`/context/${prodId}/restrictions`, { restriction_type: "expression", restriction_value: "not job.ssh.enabled" });
    await api.get(`/context/${prodId}/restrictions`);
    await api.delete(`/context/${prodId}/restrictions/${restriction.data.id}`);
    await api.delete(`/context/${created.data.id}`);
    await api.get("/project/gh/acme/api");
    await api.get("/project/gh/acme/api/envvar");
    await api.post("/project/gh/acme/api/envvar", { name: "A", value: "v" });
    await api.get("/project/gh/acme/api/envvar/A");
    await api.delete("/project/gh/acme/api/envvar/A");
    await axios.get(`${emulator.url}/api/v1.1/projects`, { headers: { "Circle-Token": world.token } });
    // Undocumented (not in the OpenAPI document): the organization project list CircleCI-Env-Inspector reads.
    await axios.get(`${emulator.url}/api/private/project`, { params: { "organization-id": orgId, "include-deleted": "true" }, headers: { "Circle-Token": world.token } });
    const projectId = world.projects[0]!.id;
    for (const path of [`/org/${orgId}/oidc-custom-claims`, `/org/${orgId}/project/${projectId}/oidc-custom-claims`]) {
      await api.get(path);
      await api.patch(path, { ttl: "1h" });
      await api.delete(path, { params: { claims: "ttl" } });
    }
    for (const entry of emulator.log.entries) names.add(entry.route);
    expect([...names].sort()).toEqual([...circleCiRouteNames].sort());
  });
});
