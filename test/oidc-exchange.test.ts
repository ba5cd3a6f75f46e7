import { randomUUID } from "node:crypto";
import { decodeJwt, decodeProtectedHeader } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CircleCiOidcIssuer, circleciOidcIssuerUrl, startJob } from "../sandbox/circleci-oidc/index.js";
import type { DirectoryApp } from "../sandbox/graph/index.js";
import { startSandbox, type Sandbox } from "../sandbox/start.js";
import { demoWorld } from "../sandbox/world/demo.js";
import { loginWithToken } from "../sandbox/pipeline/oidc-login.js";

// The sandbox's two OIDC halves, each behaviour seen through what a client sees: CircleCI's issuer (discovery,
// keys, the claims of a job's tokens) and Entra's jwt-bearer exchange through the real ClientAssertionCredential.

let sandbox: Sandbox;
const orgId = () => demo.circleci.org.id;
const demo = demoWorld(new Date());
const project = randomUUID();
const user = randomUUID();
const contexts = [randomUUID(), randomUUID()];
const origin = "github.com/acme/api";
let app: DirectoryApp;

const subjectV1 = () => `org/${orgId()}/project/${project}/user/${user}`;
const login = (token: string, clientId = app.appId) =>
  loginWithToken({ authorityHost: sandbox.env.AZURE_AUTHORITY_HOST!, tenantId: demo.entra.tenantId, clientId, token });
const job = (extra: Partial<Parameters<Sandbox["job"]>[0]> = {}) =>
  sandbox.job({ projectId: project, userId: user, contextIds: contexts, vcsOrigin: origin, vcsRef: "refs/heads/main", ...extra });

beforeAll(async () => {
  sandbox = await startSandbox(demo);
  app = sandbox.directory.state.addApplication({
    displayName: "oidc-exchange",
    federatedIdentityCredentials: [
      { id: randomUUID(), name: "v1", issuer: circleciOidcIssuerUrl(demo.circleci.org.id), subject: subjectV1(), audiences: ["api://AzureADTokenExchange"], description: null },
      {
        id: randomUUID(),
        name: "v2-main",
        issuer: circleciOidcIssuerUrl(demo.circleci.org.id),
        subject: `${subjectV1()}/vcs-origin/${origin}/vcs-ref/refs/heads/main`,
        audiences: [demo.circleci.org.id],
        description: null,
      },
    ],
  });
});
afterAll(() => sandbox?.close());

describe("CircleCI's OIDC issuer", () => {
  it("publishes discovery and keys for CircleCI's own issuer URL, at <iss>/.well-known/jwks-pub.json", async () => {
    const issuer = circleciOidcIssuerUrl(orgId());
    expect(issuer).toBe(`https://oidc.circleci.com/org/${orgId()}`);
    const discovery = (await (await fetch(sandbox.circleciOidc.localUrl(`${issuer}/.well-known/openid-configuration`)!)).json()) as Record<string, unknown>;
    expect(discovery.issuer).toBe(issuer);
    expect(discovery.jwks_uri).toBe(`${issuer}/.well-known/jwks-pub.json`);
    expect(discovery.id_token_signing_alg_values_supported).toEqual(["RS256"]);
    const jwks = (await (await fetch(sandbox.circleciOidc.localUrl(discovery.jwks_uri as string)!)).json()) as { keys: Array<Record<string, unknown>> };
    expect(jwks.keys[0]).toMatchObject({ kty: "RSA", alg: "RS256", use: "sig" });
    expect(jwks.keys[0]).not.toHaveProperty("d");
  });

  it("gives a job the documented claims: v1 and v2 subjects, the org id as audience, one hour, project and context ids, vcs claims, ssh-rerun", async () => {
    const { env } = await job({ sshRerun: true });
    const v1 = decodeJwt(env.CIRCLE_OIDC_TOKEN);
    const v2 = decodeJwt(env.CIRCLE_OIDC_TOKEN_V2);
    expect(decodeProtectedHeader(env.CIRCLE_OIDC_TOKEN).alg).toBe("RS256");
    expect(v1).toMatchObject({
      iss: `https://oidc.circleci.com/org/${orgId()}`,
      sub: subjectV1(),
      aud: orgId(),
      "oidc.circleci.com/project-id": project,
      "oidc.circleci.com/context-ids": contexts,
      "oidc.circleci.com/vcs-origin": origin,
      "oidc.circleci.com/vcs-ref": "refs/heads/main",
      "oidc.circleci.com/ssh-rerun": true,
    });
    expect(v1.exp! - v1.iat!).toBe(3600);
    expect(v2.sub).toBe(`${subjectV1()}/vcs-origin/${origin}/vcs-ref/refs/heads/main`);
  });

  it("leaves out vcs-origin and vcs-ref for a pipeline triggered by a custom webhook", async () => {
    const { env } = await job({ customWebhook: true, contextIds: [contexts[0]!] });
    const claims = decodeJwt(env.CIRCLE_OIDC_TOKEN_V2);
    expect(claims).not.toHaveProperty("oidc.circleci.com/vcs-origin");
    expect(claims).not.toHaveProperty("oidc.circleci.com/vcs-ref");
    expect(claims["oidc.circleci.com/context-ids"]).toEqual([contexts[0]]);
  });

  it("circleci run oidc get changes only aud, and a job without a context gets no token", async () => {
    const { oidcGet } = await job();
    expect(decodeJwt(await oidcGet('{"aud":"api://AzureADTokenExchange"}')).aud).toBe("api://AzureADTokenExchange");
    await expect(oidcGet('{"sub":"org/x"}')).rejects.toThrow(/only the aud claim/);
    await expect(job({ contextIds: [] })).rejects.toThrow(/no context/);
  });
});

describe("Entra's jwt-bearer exchange (ClientAssertionCredential)", () => {
  it("accepts a token whose issuer, subject and audience match a federated credential exactly, and logs a federated sign-in", async () => {
    const { env, oidcGet } = await job();
    expect(await login(await oidcGet('{"aud":"api://AzureADTokenExchange"}'))).toEqual({ ok: true });
    expect(await login(env.CIRCLE_OIDC_TOKEN_V2)).toEqual({ ok: true });
    const logged = sandbox.directory.state.servicePrincipalSignIns.filter((s) => s.appId === app.appId);
    expect(logged.map((s) => [s.clientCredentialType, s.federatedCredentialId])).toEqual([
      ["federatedIdentityCredential", app.federatedIdentityCredentials[0]!.id],
      ["federatedIdentityCredential", app.federatedIdentityCredentials[1]!.id],
    ]);
  });

  it("refuses another issuer (700211), audience (700212), subject (700213) and a subject right only without case (7002138)", async () => {
    const otherOrg = await startJob(sandbox.circleciOidc.issuer, { orgId: randomUUID(), projectId: project, userId: user, contextIds: contexts });
    expect(await login(otherOrg.env.CIRCLE_OIDC_TOKEN)).toMatchObject({ ok: false, code: 700211 });
    expect(await login((await job()).env.CIRCLE_OIDC_TOKEN)).toMatchObject({ ok: false, code: 700212 });
    expect(await login(await (await job({ userId: randomUUID() })).oidcGet('{"aud":"api://AzureADTokenExchange"}'))).toMatchObject({ ok: false, code: 700213 });
    expect(await login((await job({ vcsRef: "refs/heads/feature" })).env.CIRCLE_OIDC_TOKEN_V2)).toMatchObject({ ok: false, code: 700213 });
    const upper = await job({ vcsOrigin: origin.toUpperCase() });
    expect(await login(upper.env.CIRCLE_OIDC_TOKEN_V2)).toMatchObject({ ok: false, code: 7002138 });
  });

  it("refuses an expired token (700024) and one signed by a key the issuer does not publish (700027)", async () => {
    const token = await (await job()).oidcGet('{"aud":"api://AzureADTokenExchange"}');
    const realNow = sandbox.directory.state.now;
    sandbox.directory.state.now = () => new Date(Date.now() + 3601_000);
    try {
      expect(await login(token)).toMatchObject({ ok: false, code: 700024 });
    } finally {
      sandbox.directory.state.now = realNow;
    }
    const forger = await startJob(new CircleCiOidcIssuer(), { orgId: orgId(), projectId: project, userId: user, contextIds: contexts });
    expect(await login(await forger.oidcGet('{"aud":"api://AzureADTokenExchange"}'))).toMatchObject({ ok: false, code: 700027 });
    const [header, payload] = token.split(".");
    const tampered = JSON.parse(Buffer.from(payload!, "base64url").toString("utf8")) as Record<string, unknown>;
    const resigned = `${header}.${Buffer.from(JSON.stringify({ ...tampered, "oidc.circleci.com/ssh-rerun": true })).toString("base64url")}.${token.split(".")[2]}`;
    expect(await login(resigned)).toMatchObject({ ok: false, code: 700027 });
  });

  it("answers 70021 while a new federated credential propagates, and for an app with none", async () => {
    const fresh = sandbox.directory.state.addApplication({ displayName: "oidc-propagating" });
    const token = await (await job()).oidcGet('{"aud":"api://AzureADTokenExchange"}');
    expect(await login(token, fresh.appId)).toMatchObject({ ok: false, code: 70021 });
    fresh.federatedIdentityCredentials.push({
      id: randomUUID(),
      name: "new",
      issuer: circleciOidcIssuerUrl(orgId()),
      subject: subjectV1(),
      audiences: ["api://AzureADTokenExchange"],
      description: null,
      addedAt: sandbox.directory.state.now().getTime(),
    });
    sandbox.directory.entra.federatedPropagationDelayMs = 120_000;
    try {
      expect(await login(token, fresh.appId)).toMatchObject({ ok: false, code: 70021 });
    } finally {
      sandbox.directory.entra.federatedPropagationDelayMs = 0;
    }
    expect(await login(token, fresh.appId)).toEqual({ ok: true });
  });
});
