// The OIDC broker end to end: a sandbox CircleCI job asks for a token with the broker's audience, the broker
// (its three Functions, served by route as registered) checks it and every rule of the role and signs a token of its
// own in Key Vault; the sandbox's Entra reads the broker's discovery and keys under its public issuer URL and the
// real ClientAssertionCredential gets an Entra token for the role's app. Every other job, and every bad token, is
// refused with the rule named — to the caller and in the audit, never echoing the token.
import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { decodeJwt, decodeProtectedHeader } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HttpRequest, InvocationContext } from "@azure/functions";
import { brokerDiscoveryRegistration } from "../functions/http-broker-discovery.js";
import { brokerKeysRegistration } from "../functions/http-broker-keys.js";
import { brokerTokenRegistration } from "../functions/http-broker-token.js";
import { reportHandler } from "../functions/http-report.js";
import { CircleCiOidcIssuer, startJob } from "../sandbox/circleci-oidc/index.js";
import { loginWithToken } from "../sandbox/pipeline/oidc-login.js";
import { startSandbox, type Sandbox, type SandboxJobSpec } from "../sandbox/start.js";
import { demoWorld } from "../sandbox/world/demo.js";
import { createCircleCiStore } from "#shared/adapters/circleci/index.js";
import { createAzureStateStore } from "#shared/adapters/state/azure/index.js";
import { resolveRoles, sweepCounters, tokenCounterKey } from "#shared/engine/broker/index.js";
import { runCli } from "../cli/program.js";
import type { StateStore } from "#shared/ports/state-store.js";
import { startAzurite, type Azurite } from "./support/azurite.js";
import { routeMatches, startFunctionsHost, type FunctionsHost } from "./support/functions-host.js";

const world = demoWorld(new Date());
const orgId = world.circleci.org.id;
const publicHost = "https://watchdog-e2e-4f2a9c.azurewebsites.net";
const issuer = `${publicHost}/api/broker`;
const audience = "watchdog-broker-e2e";
const origin = "github.com/acme/api";

let sandbox: Sandbox;
let azurite: Azurite;
let host: FunctionsHost;
let state: StateStore;
let clockSkewMs = 0;
const saved = { ...process.env };
const ids = { project: "", otherProject: "", context: "", otherContext: "", appId: "", migrateAppId: "" };
/** The client secret of the app that migrates in oidc.mode: broker (held in context broker-migrate-deploy). */
const migrateSecret = { keyId: randomUUID(), value: `brokermig~${randomUUID()}` };

function job(spec: Partial<SandboxJobSpec> = {}) {
  return sandbox.job({ projectId: ids.project, userId: randomUUID(), contextIds: [ids.context], vcsOrigin: origin, vcsRef: "refs/heads/main", ...spec });
}

async function circleciToken(spec: Partial<SandboxJobSpec> = {}, claims = JSON.stringify({ aud: audience })): Promise<string> {
  return (await job(spec)).oidcGet(claims);
}

async function exchange(token: string, role = "prod-deployer"): Promise<{ status: number; body: Record<string, unknown>; text: string }> {
  const response = await fetch(`${host.url}/api/broker/token`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ token, role }).toString() });
  const text = await response.text();
  return { status: response.status, body: JSON.parse(text) as Record<string, unknown>, text };
}

/** `watchdog <args>` in process, with the Function App's settings. */
async function cli(...args: string[]): Promise<{ code: number; out: string }> {
  let out = "";
  const code = await runCli(args, { env: process.env, stdout: { write: (t: string) => (out += t) }, stderr: { write: (t: string) => (out += t) } });
  return { code, out };
}

const login = (token: string) => loginWithToken({ authorityHost: sandbox.env.AZURE_AUTHORITY_HOST!, tenantId: world.entra.tenantId, clientId: ids.appId, token });

beforeAll(async () => {
  sandbox = await startSandbox(world, { now: () => new Date(Date.now() + clockSkewMs) });
  azurite = await startAzurite();
  const circle = sandbox.circleci.state;
  ids.project = circle.addProject({ slug: "gh/acme/broker-api" }).id;
  ids.otherProject = circle.addProject({ slug: "gh/acme/broker-web" }).id;
  ids.context = circle.addContext({ name: "broker-prod-deploy" }).id;
  ids.otherContext = circle.addContext({ name: "broker-other" }).id;
  const app = sandbox.directory.state.addApplication({
    displayName: "app-broker-e2e",
    federatedIdentityCredentials: [{ id: randomUUID(), name: "broker-prod-deployer", issuer, subject: "role:prod-deployer", audiences: ["api://AzureADTokenExchange"], description: null }],
  });
  ids.appId = app.appId;
  // The app a credential migrates to the broker (no federated credential yet: the migration creates the role's).
  ids.migrateAppId = sandbox.directory.state.addApplication({
    displayName: "app-broker-migrate",
    passwordCredentials: [
      { keyId: migrateSecret.keyId, displayName: "CircleCI", startDateTime: new Date(Date.now() - 30 * 86_400_000).toISOString(), endDateTime: new Date(Date.now() + 300 * 86_400_000).toISOString(), secretText: migrateSecret.value },
    ],
  }).appId;
  circle.addContext({ name: "broker-migrate-deploy" });
  circle.setContextVariable("broker-migrate-deploy", "AZURE_CLIENT_SECRET", migrateSecret.value);
  const dir = mkdtempSync(join(tmpdir(), "watchdog-broker-"));
  writeFileSync(
    join(dir, "policy.yaml"),
    [
      "version: 1",
      "alerts:",
      "  webhooks:",
      "    - name: ops",
      "      kind: generic",
      "      url: ${OPS_WEBHOOK_URL}",
      "      signingSecret: ${OPS_WEBHOOK_SECRET}",
      "broker:",
      `  audience: ${audience}`,
      "  roles:",
      "    - name: prod-deployer",
      `      app: { appId: ${app.appId} }`,
      "      allow:",
      "        projects: [ gh/acme/broker-api ]",
      '        branches: [ main, "release/*" ]',
      "        contexts: [ broker-prod-deploy ]",
      `        vcsOrigin: ${origin}`,
      "    - name: migrate-deployer",
      `      app: { appId: ${ids.migrateAppId} }`,
      "      allow:",
      "        projects: [ gh/acme/broker-api ]",
      "        contexts: [ broker-migrate-deploy ]",
      "credentials:",
      "  - name: deploy-via-broker",
      "    circleci: { context: broker-migrate-deploy, variable: AZURE_CLIENT_SECRET }",
      `    entra: { appId: ${ids.migrateAppId} }`,
      "    action: oidc",
      "    oidc: { mode: broker, role: migrate-deployer }",
      "",
    ].join("\n"),
  );
  Object.assign(process.env, sandbox.env, {
    WATCHDOG_POLICY: join(dir, "policy.yaml"),
    AzureWebJobsStorage: azurite.connectionString,
    BROKER_ISSUER_URL: issuer,
    CIRCLECI_OIDC_URL: sandbox.circleciOidc.url,
    BROKER_KEY_ACTIVATION_SECONDS: "2",
    BROKER_KEY_OVERLAP_SECONDS: "3",
    // Far above what this file asks in a minute; one test lowers it.
    BROKER_RATE_LIMIT_PER_MINUTE: "100000",
  });
  state = createAzureStateStore({ connectionString: azurite.connectionString });
  host = await startFunctionsHost(sandbox.tls, [brokerDiscoveryRegistration, brokerKeysRegistration, brokerTokenRegistration]);
  sandbox.publishIssuer(publicHost, host.url);
  // The first key version (azd creates it with enableBroker; by hand: once at set-up).
  expect((await cli("broker", "rotate-key")).code).toBe(0);
});

afterAll(async () => {
  process.env = saved;
  await host?.close();
  await sandbox?.close();
  await azurite?.stop();
});

describe("OIDC broker: endpoints as registered", () => {
  it("registers anonymous routes under the issuer's path, the discovery route with its dot segment", () => {
    expect(brokerDiscoveryRegistration).toMatchObject({ route: "broker/.well-known/openid-configuration", methods: ["GET"], authLevel: "anonymous" });
    expect(brokerKeysRegistration).toMatchObject({ route: "broker/keys", methods: ["GET"], authLevel: "anonymous" });
    expect(brokerTokenRegistration).toMatchObject({ route: "broker/token", methods: ["POST"], authLevel: "anonymous" });
    expect(routeMatches(brokerDiscoveryRegistration.route!, `${new URL(issuer).pathname}/.well-known/openid-configuration`)).toBe(true);
  });

  it("serves discovery whose issuer is exactly BROKER_ISSUER_URL and whose jwks_uri lists the Key Vault key's public part", async () => {
    const discovery = (await (await fetch(`${host.url}/api/broker/.well-known/openid-configuration`)).json()) as Record<string, string>;
    expect(discovery.issuer).toBe(issuer);
    expect(discovery.jwks_uri).toBe(`${issuer}/keys`);
    const jwks = (await (await fetch(discovery.jwks_uri!.replace(publicHost, host.url))).json()) as { keys: Array<Record<string, string>> };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: "RSA", alg: "RS256", use: "sig" });
    expect(Object.keys(jwks.keys[0]!).sort()).toEqual(["alg", "e", "kid", "kty", "n", "use"]); // never a private part
  });
});

describe("OIDC broker: static fallback", () => {
  it("watchdog broker publish writes the same discovery document and key set the Functions serve", async () => {
    const dir = mkdtempSync(join(tmpdir(), "watchdog-broker-static-"));
    const published = await cli("broker", "publish", "--out", dir);
    expect(published.code).toBe(0);
    const served = async (path: string) => (await fetch(`${host.url}/api/broker${path}`)).json();
    expect(JSON.parse(readFileSync(join(dir, ".well-known", "openid-configuration"), "utf8"))).toEqual(await served("/.well-known/openid-configuration"));
    expect(JSON.parse(readFileSync(join(dir, "keys"), "utf8"))).toEqual(await served("/keys"));
  });

  it("without BROKER_ISSUER_URL the endpoints answer 404 and the command exits 2 naming the setting", async () => {
    const issuerSetting = process.env.BROKER_ISSUER_URL;
    delete process.env.BROKER_ISSUER_URL;
    try {
      expect((await fetch(`${host.url}/api/broker/keys`)).status).toBe(404);
      const off = await cli("broker", "rotate-key");
      expect(off.code).toBe(2);
      expect(off.out).toContain("BROKER_ISSUER_URL: not set");
    } finally {
      process.env.BROKER_ISSUER_URL = issuerSetting;
    }
  });
});

describe("OIDC broker: roles resolved at load", () => {
  it("turns project slugs and context names into ids; a name that resolves to nothing is an error naming its path", async () => {
    const ci = createCircleCiStore({ apiUrl: sandbox.env.CIRCLECI_API_URL!, token: sandbox.env.CIRCLECI_TOKEN!, orgId });
    const resolved = await resolveRoles(
      { audience, exchangesPerToken: 5, roles: [{ name: "r", app: { appId: ids.appId }, allow: { projects: ["gh/acme/broker-api"], contexts: ["broker-prod-deploy"], sshRerun: false } }] },
      ci,
    );
    expect(resolved).toEqual({ ok: true, roles: [{ name: "r", appId: ids.appId, allow: { projectIds: [ids.project], contextIds: [ids.context], sshRerun: false } }] });
    const missing = await resolveRoles(
      { audience, exchangesPerToken: 5, roles: [{ name: "r", app: { appId: ids.appId }, allow: { projects: ["gh/acme/broker-api", "gh/acme/nowhere"], contexts: ["no-such-context"], sshRerun: false } }] },
      ci,
    );
    expect(missing).toEqual({ ok: false, issues: ["broker.roles[0].allow.projects[1]: CircleCI has no project gh/acme/nowhere (or the token cannot see it)", "broker.roles[0].allow.contexts[0]: the organization has no context named no-such-context"] });
  });
});

describe("OIDC broker: an allowed job", () => {
  it("gets a broker token of its role and, through ClientAssertionCredential, an Entra token for the app", async () => {
    const circleci = await circleciToken({ vcsRef: "refs/heads/release/2026.12" });
    const answer = await exchange(circleci);
    expect(answer.status).toBe(200);
    const token = answer.body.token as string;
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({ iss: issuer, sub: "role:prod-deployer", aud: "api://AzureADTokenExchange" });
    expect(claims.exp! - claims.iat!).toBeLessThanOrEqual(3600);
    expect(claims.exp).toBeLessThanOrEqual(decodeJwt(circleci).exp!);
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: "RS256" });
    expect(await login(token)).toEqual({ ok: true });
    // Entra read the broker's keys by the public issuer URL, like any issuer's.
    const audit = await state.listAudit(5);
    expect(audit.find((e) => e.event === "broker.issued")).toMatchObject({ subject: "prod-deployer", details: { project: ids.project, role: "prod-deployer", branch: "refs/heads/release/2026.12", tokenId: claims.jti } });
  });

  it("a token lives only as long as the CircleCI token it came from", async () => {
    clockSkewMs = -50 * 60_000; // CircleCI minted it 50 minutes ago: 10 minutes left
    const circleci = await circleciToken();
    clockSkewMs = 0;
    const answer = await exchange(circleci);
    expect(answer.status).toBe(200);
    expect(decodeJwt(answer.body.token as string).exp).toBe(decodeJwt(circleci).exp);
  });
});

describe("OIDC broker: refusals name the rule, never the token", () => {
  const refusedCases: Array<[string, string, () => Promise<string>, string?]> = [
    ["a job of another project", "projectIds", () => circleciToken({ projectId: ids.otherProject })],
    ["a job of another branch", "branches", () => circleciToken({ vcsRef: "refs/heads/feature/x" })],
    ["a tag that only looks like a branch", "branches", () => circleciToken({ vcsRef: "refs/tags/main" })],
    ["a job of another repository", "vcsOrigin", () => circleciToken({ vcsOrigin: "github.com/evil/api" })],
    ["a custom-webhook pipeline (no vcs claims)", "vcsOrigin", () => circleciToken({ customWebhook: true })],
    ["a job without the required context", "contexts", () => circleciToken({ contextIds: [ids.otherContext] })],
    ["an SSH rerun", "sshRerun", () => circleciToken({ sshRerun: true })],
    ["the injected token (audience: the org id)", "audience", async () => (await job()).env.CIRCLE_OIDC_TOKEN],
    ["a token asked for another audience", "audience", () => circleciToken({}, JSON.stringify({ aud: "sts.amazonaws.com" }))],
    ["a token naming the broker and another audience", "audience", () => circleciToken({}, JSON.stringify({ aud: [audience, "sts.amazonaws.com"] }))],
    [
      "an expired token",
      "expired",
      async () => {
        clockSkewMs = -2 * 3600_000;
        try {
          return await circleciToken();
        } finally {
          clockSkewMs = 0;
        }
      },
    ],
    [
      "a token signed by someone else's key for this organization",
      "signature",
      async () => (await startJob(new CircleCiOidcIssuer(), { orgId, projectId: ids.project, userId: randomUUID(), contextIds: [ids.context], vcsOrigin: origin, vcsRef: "refs/heads/main" })).oidcGet(JSON.stringify({ aud: audience })),
    ],
    [
      "a token whose payload was altered after signing",
      "signature",
      async () => {
        const [h, p, s] = (await circleciToken({ projectId: ids.otherProject })).split(".");
        const payload = JSON.parse(Buffer.from(p!, "base64url").toString()) as Record<string, unknown>;
        payload["oidc.circleci.com/project-id"] = ids.project;
        return `${h}.${Buffer.from(JSON.stringify(payload)).toString("base64url")}.${s}`;
      },
    ],
    [
      "a token of another organization's issuer",
      "issuer",
      async () => sandbox.circleciOidc.issuer.issue({ orgId: randomUUID(), projectId: ids.project, userId: randomUUID(), contextIds: [ids.context], vcsOrigin: origin, vcsRef: "refs/heads/main" }, { version: "v1", audience }),
    ],
    ["a role the policy does not have", "role", () => circleciToken(), "admin"],
  ];

  it.each(refusedCases)("%s is refused by rule %s", async (_name, rule, token, role) => {
    const presented = await token();
    const answer = await exchange(presented, role);
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(answer.body).toMatchObject({ error: { code: "refused", rule } });
    expect(answer.body.token).toBeUndefined();
    for (const part of presented.split(".")) expect(answer.text).not.toContain(part);
    const refused = (await state.listAudit(3)).find((e) => e.event === "broker.refused");
    expect(refused?.details).toMatchObject({ rule });
    expect(JSON.stringify(refused)).not.toContain(presented.split(".")[2]);
  });

  it("a refused job's audit entry names its project, user and branch", async () => {
    const userId = randomUUID();
    await exchange(await circleciToken({ userId, vcsRef: "refs/heads/feature/y" }));
    const refused = (await state.listAudit(3)).find((e) => e.event === "broker.refused");
    expect(refused).toMatchObject({ subject: "prod-deployer", details: { project: ids.project, user: userId, branch: "refs/heads/feature/y", role: "prod-deployer", rule: "branches" } });
  });

  it("the status page (GET /api/report) shows the broker's exchanges with the rule a refusal failed", async () => {
    const userId = randomUUID();
    expect((await exchange(await circleciToken())).status).toBe(200);
    const presented = await circleciToken({ userId, sshRerun: true });
    await exchange(presented);
    const page = await reportHandler(new HttpRequest({ method: "GET", url: "https://watchdog.example/api/report" }), new InvocationContext({ functionName: "report" }));
    expect(page.status).toBe(200);
    const html = String(page.body);
    expect(html).toContain("broker.refused");
    expect(html).toContain(userId);
    expect(html).toMatch(/rule: <span class="id">sshRerun<\/span>/);
    expect(html).toContain("broker.issued");
    for (const part of presented.split(".")) expect(html).not.toContain(part);
  });

  it("a replayed CircleCI token gets at most exchangesPerToken (5) broker tokens", async () => {
    const circleci = await circleciToken();
    const statuses = [];
    for (let i = 0; i < 7; i++) statuses.push((await exchange(circleci)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 403, 403]);
    const answer = await exchange(circleci);
    expect(answer.body).toMatchObject({ error: { rule: "exchangesPerToken" } });
  });

  it("a request that is not an exchange is a 400 naming the field, without echoing it", async () => {
    const secretish = "not-a-jwt-canary-7f3a";
    const response = await fetch(`${host.url}/api/broker/token`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ token: secretish, role: "prod-deployer", extra: secretish }) });
    const text = await response.text();
    expect(response.status).toBe(400);
    expect(text).toContain("token: expected a JWT");
    expect(text).not.toContain(secretish);
  });
});

describe("OIDC broker: limits and alerts", () => {
  it("answers 429 with Retry-After past BROKER_RATE_LIMIT_PER_MINUTE", async () => {
    const generous = process.env.BROKER_RATE_LIMIT_PER_MINUTE;
    process.env.BROKER_RATE_LIMIT_PER_MINUTE = "1";
    try {
      const token = await circleciToken();
      const first = await fetch(`${host.url}/api/broker/token`, { method: "POST", body: new URLSearchParams({ token, role: "prod-deployer" }) });
      const second = await fetch(`${host.url}/api/broker/token`, { method: "POST", body: new URLSearchParams({ token, role: "prod-deployer" }) });
      expect([first.status, second.status]).toContain(429);
      const limited = first.status === 429 ? first : second;
      expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(await limited.json()).toMatchObject({ error: { rule: "rateLimit" } });
    } finally {
      process.env.BROKER_RATE_LIMIT_PER_MINUTE = generous;
    }
  });

  it("a burst of refusals raises one broker-refusals alert (kept in the outbox: the sink is on loopback)", async () => {
    const windowMs = 10 * 60_000;
    const windowStart = Math.floor(Date.now() / windowMs) * windowMs;
    const sofar = (await state.listAudit(500)).filter((e) => e.event === "broker.refused" && Date.parse(e.at) >= windowStart).length;
    process.env.BROKER_REFUSAL_ALERT_THRESHOLD = String(sofar + 2);
    try {
      for (let i = 0; i < 3; i++) await exchange(await circleciToken({ sshRerun: true }));
    } finally {
      delete process.env.BROKER_REFUSAL_ALERT_THRESHOLD;
    }
    const outbox = await state.list<{ alert?: { kind: string; title: string } }>("outbox");
    const alerts = outbox.filter((r) => r.value.alert?.kind === "broker-refusals");
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.value.alert!.title).toMatch(/^OIDC broker: \d+ refused exchanges within 10 minutes/);
  });
});

describe("OIDC broker: fuzzed requests", () => {
  const contexts = () => fc.subarray([ids.context, ids.otherContext, randomUUID()], { minLength: 1 });
  const jobSpec = () =>
    fc.record({
      projectId: fc.constantFrom(ids.project, ids.otherProject, randomUUID()),
      vcsRef: fc.constantFrom("refs/heads/main", "refs/heads/release/1", "refs/heads/release/1/x", "refs/heads/mainx", "refs/tags/main", "refs/heads/feature"),
      vcsOrigin: fc.constantFrom(origin, "github.com/acme/apix", "github.com/evil/api"),
      customWebhook: fc.boolean(),
      sshRerun: fc.boolean(),
      contextIds: contexts(),
      aud: fc.constantFrom<string | string[]>(audience, orgId, "api://AzureADTokenExchange", [audience, orgId], `${audience} `),
      role: fc.constantFrom("prod-deployer", "prod-deployer-2", "admin"),
    });
  /** The policy's rules, written out again independently of the broker's code. */
  const allowed = (job: { projectId: string; vcsRef: string; vcsOrigin: string; customWebhook: boolean; sshRerun: boolean; contextIds: string[]; aud: string | string[]; role: string }) =>
    job.role === "prod-deployer" &&
    job.aud === audience &&
    job.projectId === ids.project &&
    !job.sshRerun &&
    !job.customWebhook &&
    job.vcsOrigin === origin &&
    (job.vcsRef === "refs/heads/main" || job.vcsRef === "refs/heads/release/1") &&
    job.contextIds.includes(ids.context);

  it("property: a token only for a job that passes every rule, and no answer echoes the token", async () => {
    await fc.assert(
      fc.asyncProperty(jobSpec(), async (spec) => {
        const { aud, role, ...rest } = spec;
        const presented = await circleciToken(rest, JSON.stringify({ aud }));
        const answer = await exchange(presented, role);
        expect(answer.status === 200).toBe(allowed(spec));
        if (answer.status !== 200) {
          for (const part of presented.split(".")) expect(answer.text).not.toContain(part);
        }
      }),
      { numRuns: 25 },
    );
  });

  it("property: a mutated token is never exchanged, and the answer never echoes it", async () => {
    const mutation = fc.record({
      part: fc.constantFrom(0, 1, 2),
      at: fc.nat(),
      char: fc.constantFrom(..."ABCabc012-_"),
    });
    await fc.assert(
      fc.asyncProperty(mutation, fc.constantFrom("none", "HS256", "keep"), async ({ part, at, char }, alg) => {
        const valid = await circleciToken();
        const parts = valid.split(".");
        if (alg !== "keep") {
          const header = JSON.parse(Buffer.from(parts[0]!, "base64url").toString()) as Record<string, unknown>;
          parts[0] = Buffer.from(JSON.stringify({ ...header, alg })).toString("base64url");
        } else {
          const text = parts[part]!;
          const index = at % text.length;
          if (text[index] === char) return;
          parts[part] = `${text.slice(0, index)}${char}${text.slice(index + 1)}`;
        }
        const presented = parts.join(".");
        const answer = await exchange(presented);
        // A flip in the last base64url character's padding bits can leave the bytes unchanged: then it is the same token.
        const sameBytes = parts.every((p, i) => Buffer.from(p, "base64url").equals(Buffer.from(valid.split(".")[i]!, "base64url")));
        if (!sameBytes) {
          expect(answer.status).toBeGreaterThanOrEqual(400);
          expect(answer.body.token).toBeUndefined();
        }
        for (const piece of presented.split(".")) expect(answer.text).not.toContain(piece);
      }),
      { numRuns: 25 },
    );
  });
});

describe("OIDC broker: a credential migrates in oidc.mode: broker", () => {
  const ficsOf = () => sandbox.directory.state.appByAppId(ids.migrateAppId)!.federatedIdentityCredentials;
  let pipelineChange = "";

  it("without BROKER_ISSUER_URL the migration does not begin and names the setting", async () => {
    const issuerSetting = process.env.BROKER_ISSUER_URL;
    delete process.env.BROKER_ISSUER_URL;
    try {
      const run = await cli("migrate", "deploy-via-broker", "--json");
      expect(run.code).not.toBe(0);
      expect(run.out).toContain("oidc.mode: broker needs the setting BROKER_ISSUER_URL");
      const preview = await cli("migrate", "deploy-via-broker", "--dry-run", "--json");
      expect(preview.out).toContain("oidc.mode: broker needs the setting BROKER_ISSUER_URL");
    } finally {
      process.env.BROKER_ISSUER_URL = issuerSetting;
    }
    expect(ficsOf()).toEqual([]);
    const preview = await cli("migrate", "deploy-via-broker", "--dry-run", "--json");
    expect(preview.code, preview.out).toBe(0);
    expect(JSON.parse(preview.out)).toMatchObject({ federation: { create: [{ subject: "role:migrate-deployer" }], remove: [] } });
    expect(sandbox.circleci.state.contextVariable("broker-migrate-deploy", "AZURE_CLIENT_ID")).toBeUndefined();
  });

  it("watchdog migrate creates one federated credential for the role (none per user), pushes the ids and prints the broker's pipeline change", async () => {
    const run = await cli("migrate", "deploy-via-broker", "--json");
    expect(run.code, run.out).toBe(0);
    const outcome = JSON.parse(run.out) as { state: string; status: { pipelineChange: string; fics: Array<{ name: string; subject: string }> } };
    expect(outcome.state).toBe("waiting");
    expect(ficsOf()).toEqual([expect.objectContaining({ issuer, subject: "role:migrate-deployer", audiences: ["api://AzureADTokenExchange"], name: expect.stringMatching(/^watchdog-deploy-via-broker-[0-9a-f]{12}$/) })]);
    expect(outcome.status.fics).toEqual([{ name: ficsOf()[0]!.name, subject: "role:migrate-deployer" }]);
    const circle = sandbox.circleci.state;
    expect(circle.contextVariable("broker-migrate-deploy", "AZURE_CLIENT_ID")?.value).toBe(ids.migrateAppId);
    expect(circle.contextVariable("broker-migrate-deploy", "AZURE_TENANT_ID")?.value).toBe(world.entra.tenantId);
    // Retired only on evidence of quiet: the secret and its password stay for now.
    expect(circle.contextVariable("broker-migrate-deploy", "AZURE_CLIENT_SECRET")?.value).toBe(migrateSecret.value);
    expect(sandbox.directory.state.appByAppId(ids.migrateAppId)!.passwordCredentials.map((p) => p.keyId)).toEqual([migrateSecret.keyId]);
    pipelineChange = outcome.status.pipelineChange;
    expect(pipelineChange).toContain(`CCI=$(circleci run oidc get --claims '{"aud":"${audience}"}')`);
    expect(pipelineChange).toContain(`TOKEN=$(curl -sSf -X POST "${issuer}/token" --data-urlencode "token=$CCI" --data-urlencode "role=migrate-deployer" | jq -r .token)`);
    expect(pipelineChange).toContain('az login --service-principal -u $AZURE_CLIENT_ID -t $AZURE_TENANT_ID --federated-token "$TOKEN"');
    expect(pipelineChange).not.toContain(migrateSecret.value);
  });

  it("is idempotent: a second run keeps the one federated credential and creates nothing", async () => {
    const before = ficsOf().map((f) => f.id);
    const run = await cli("migrate", "deploy-via-broker", "--json");
    expect(run.code, run.out).toBe(0);
    expect(ficsOf().map((f) => f.id)).toEqual(before);
    const audit = await state.listAudit(50);
    expect(audit.filter((e) => e.event === "migration.federated" && e.subject === "deploy-via-broker")).toHaveLength(1);
  });

  it("a job of an allowed project, following the printed change, gets an Entra token for the app through the broker and the migration's federated credential", async () => {
    const claims = /--claims '([^']+)'/.exec(pipelineChange)![1]!;
    const role = /role=([a-z0-9-]+)/.exec(pipelineChange)![1]!;
    const circleci = await circleciToken({ contextIds: [sandbox.circleci.state.context("broker-migrate-deploy")!.id], vcsRef: "refs/heads/feature/any" }, claims);
    const answer = await exchange(circleci, role);
    expect(answer.status, answer.text).toBe(200);
    const clientId = sandbox.circleci.state.contextVariable("broker-migrate-deploy", "AZURE_CLIENT_ID")!.value;
    expect(await loginWithToken({ authorityHost: sandbox.env.AZURE_AUTHORITY_HOST!, tenantId: world.entra.tenantId, clientId, token: answer.body.token as string })).toEqual({ ok: true });
    // The same job's token is no good for the other role's app: the role's subject is trusted on its own app only.
    expect(await loginWithToken({ authorityHost: sandbox.env.AZURE_AUTHORITY_HOST!, tenantId: world.entra.tenantId, clientId: ids.appId, token: answer.body.token as string })).toMatchObject({ ok: false });
    // A job of another project is refused the role.
    const other = await exchange(await circleciToken({ projectId: ids.otherProject, contextIds: [sandbox.circleci.state.context("broker-migrate-deploy")!.id] }, claims), role);
    expect(other).toMatchObject({ status: 403, body: { error: { rule: "projectIds" } } });
  });

  it("watchdog oidc check-token holds a job's token against the role's rules and the role's federated credential, as the broker and Entra would", async () => {
    const claims = /--claims '([^']+)'/.exec(pipelineChange)![1]!;
    const contextIds = [sandbox.circleci.state.context("broker-migrate-deploy")!.id];
    const dir = mkdtempSync(join(tmpdir(), "watchdog-check-token-"));
    const check = async (token: string) => {
      writeFileSync(join(dir, "token"), token);
      const run = await cli("oidc", "check-token", "deploy-via-broker", "--token-file", join(dir, "token"));
      for (const part of token.split(".")) expect(run.out).not.toContain(part);
      return run;
    };

    const allowed = await check(await circleciToken({ contextIds }, claims));
    expect(allowed.code, allowed.out).toBe(0);
    expect(allowed.out).toContain("Against the broker's role migrate-deployer");
    expect(allowed.out).toMatch(/ok {3}role: the job passes every rule of role migrate-deployer/);
    expect(allowed.out).toContain(`ok   fic: the broker's token of role:migrate-deployer is federated by ${ficsOf()[0]!.name}`);
    expect(allowed.out).toContain("the broker would exchange this token for role migrate-deployer");

    const otherProject = await check(await circleciToken({ projectId: ids.otherProject, contextIds }, claims));
    expect(otherProject.code).toBe(1);
    expect(otherProject.out).toContain("FAIL role: role migrate-deployer refuses it by rule projectIds");

    // CircleCI's default audience (the organization id) is not the broker's.
    const defaultAudience = await check(await circleciToken({ contextIds }, "{}"));
    expect(defaultAudience.code).toBe(1);
    expect(defaultAudience.out).toContain(`FAIL aud: ${orgId}, but the broker takes exactly ${audience}`);
  });
});

describe("OIDC broker: key rotation", () => {
  // Activation 2 s, overlap 3 s; Key Vault dates a version to the second, so each check keeps a second of margin.
  it("publishes the new key before signing with it, and keeps the old one through the overlap", async () => {
    const keyIds = async () => ((await (await fetch(`${host.url}/api/broker/keys`)).json()) as { keys: Array<{ kid: string }> }).keys.map((k) => k.kid);
    const kidOf = (token: string) => decodeProtectedHeader(token).kid!;
    const before = (await exchange(await circleciToken())).body.token as string;
    const oldKid = kidOf(before);
    const rotated = await cli("broker", "rotate-key");
    expect(rotated.code).toBe(0);
    const created = { kid: /new key version (\w+)/.exec(rotated.out)![1]! };
    const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    await wait(600); // the instance's key cache (a quarter of the activation delay)

    // Published at once, not signing yet.
    expect(await keyIds()).toEqual(expect.arrayContaining([oldKid, created.kid]));
    const during = (await exchange(await circleciToken())).body.token as string;
    expect(kidOf(during)).toBe(oldKid);

    await wait(2_100); // the activation delay (Key Vault dates versions to the second): the new version signs, the old one stays published
    const after = (await exchange(await circleciToken())).body.token as string;
    expect(kidOf(after)).toBe(created.kid);
    expect(await keyIds()).toEqual(expect.arrayContaining([oldKid, created.kid]));
    expect(await login(before)).toEqual({ ok: true });
    expect(await login(after)).toEqual({ ok: true });

    await wait(2_600); // past the overlap: only the new version is published
    expect(await keyIds()).toEqual([created.kid]);
    expect(await login(before)).toMatchObject({ ok: false, code: 700027 });
    expect(await login(after)).toEqual({ ok: true });
  });
});

describe("OIDC broker: expired counters", () => {
  const sweepable = { count: 3, expiresAt: "2020-01-01T00:02:00.000Z" };

  it("a whole cycle deletes the counters no exchange can use, and keeps live and unreadable ones", async () => {
    await state.put("broker", "rate/2020-01-01T00:00:00.000Z", sweepable);
    await state.put("broker", "refusals/2020-01-01T00:00:00.000Z", sweepable);
    await state.put("broker", "exchanges/unreadable-record", { count: 1 });
    const live = await circleciToken();
    expect((await exchange(live)).status).toBe(200);
    const run = await cli("run", "--json");
    const report = JSON.parse(run.out) as { brokerCounters?: { deleted: number; unreadable: number } };
    expect(report.brokerCounters).toMatchObject({ unreadable: 1 });
    expect(report.brokerCounters!.deleted).toBeGreaterThanOrEqual(2);
    const keys = (await state.list("broker")).map((r) => r.key);
    expect(keys).not.toContain("rate/2020-01-01T00:00:00.000Z");
    expect(keys).not.toContain("refusals/2020-01-01T00:00:00.000Z");
    expect(keys).toContain("exchanges/unreadable-record");
    expect(keys).toContain(tokenCounterKey(live));
  });

  it("a replayed token just past its exp, still inside the verifier's clock tolerance, stays refused after a sweep", async () => {
    clockSkewMs = -(3600 - 4) * 1000; // CircleCI tokens live an hour: this one has 4 seconds left
    const replayed = await circleciToken();
    clockSkewMs = 0;
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await exchange(replayed)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    const expiredAtMs = decodeJwt(replayed).exp! * 1000;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, expiredAtMs + 1_500 - Date.now())));
    await sweepCounters(state, new Date());
    expect(await exchange(replayed)).toMatchObject({ status: 403, body: { error: { rule: "exchangesPerToken" } } });
  });
});
