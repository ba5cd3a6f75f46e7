// The broker's policy section, settings and key schedule: what a user writes and what the broker makes of it.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { readSettings } from "#shared/app/settings.js";
import { brokerTokenClaims } from "#shared/domain/broker/broker-token.js";
import { keySchedule } from "#shared/domain/broker/key-schedule.js";
import { refMatches } from "#shared/domain/broker/rules.js";
import { formatIssue, parsePolicy } from "#shared/domain/policy/index.js";

const appId = "11111111-2222-3333-4444-555555555555";
const projectId = "9a3c6f0e-4b7d-4e21-a8c5-6d2f1b3e7a90";

const role = (allow: Record<string, unknown> = { projectIds: [projectId] }, name = "prod-deployer") => ({ name, app: { appId }, allow });
function parse(broker: unknown) {
  return parsePolicy(stringify({ version: 1, broker }), { filename: "watchdog.policy.yaml", env: {} });
}
const issues = (broker: unknown) => {
  const result = parse(broker);
  return result.ok ? [] : result.errors.map(formatIssue);
};

describe("policy broker section", () => {
  it("fills in defaults: 5 exchanges per token, SSH reruns refused", () => {
    const result = parse({ audience: "watchdog-broker", roles: [role({ projects: ["gh/acme/api"], branches: ["main"], contexts: ["prod"] })] });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.policy.broker).toMatchObject({ exchangesPerToken: 5, roles: [{ name: "prod-deployer", app: { appId }, allow: { projects: ["gh/acme/api"], branches: ["main"], contexts: ["prod"], sshRerun: false } }] });
  });

  it("every error names its path", () => {
    expect(issues({ roles: [role()] })).toEqual([expect.stringMatching(/^broker\.audience: /)]);
    expect(issues({ audience: "api://AzureADTokenExchange", roles: [role()] })).toEqual([expect.stringMatching(/^broker\.audience: must be the broker's own audience/)]);
    expect(issues({ audience: "b", roles: [role({ branches: ["main"] })] })).toEqual([expect.stringMatching(/^broker\.roles\[0\]\.allow: name the projects allowed this role/)]);
    expect(issues({ audience: "b", roles: [role(), role()] })).toEqual(["broker.roles[1].name: duplicate role name (same as broker.roles[0])"]);
    expect(issues({ audience: "b", roles: [role({ projectIds: ["not-a-guid"] })] })).toEqual([expect.stringMatching(/^broker\.roles\[0\]\.allow\.projectIds\[0\]: /)]);
    expect(issues({ audience: "b", roles: [role({ projects: ["acme"] })] })).toEqual([expect.stringMatching(/^broker\.roles\[0\]\.allow\.projects\[0\]: expected a project slug/)]);
    expect(issues({ audience: "b", roles: [role(undefined, "Prod Deployer")] })).toEqual([expect.stringMatching(/^broker\.roles\[0\]\.name: /)]);
    expect(issues({ audience: "b", exchangesPerToken: 0, roles: [role()] })).toEqual([expect.stringMatching(/^broker\.exchangesPerToken: /)]);
    expect(issues({ audience: "b", roles: [role({ projectIds: [projectId], sshRerun: "no" })] })).toEqual([expect.stringMatching(/^broker\.roles\[0\]\.allow\.sshRerun: /)]);
    expect(issues({ audience: "b", roles: [role({ projectIds: [projectId], subjects: ["x"] })] })).toEqual([expect.stringMatching(/^broker\.roles\[0\]\.allow: /)]);
  });
});

describe("policy oidc.mode: broker (a credential migrates to the broker's role)", () => {
  const otherApp = "66666666-7777-4888-9999-000000000000";
  const credential = (oidc: Record<string, unknown>, entraAppId = appId) => ({
    name: "deploy",
    circleci: { context: "prod-deploy", variable: "AZURE_CLIENT_SECRET" },
    entra: { appId: entraAppId },
    action: "oidc",
    oidc,
  });
  function parseWith(credentials: unknown[], broker?: unknown) {
    return parsePolicy(stringify({ version: 1, credentials, ...(broker ? { broker } : {}) }), { filename: "watchdog.policy.yaml", env: {} });
  }
  const credentialIssues = (credentials: unknown[], broker?: unknown) => {
    const result = parseWith(credentials, broker);
    return result.ok ? [] : result.errors.map(formatIssue);
  };
  const broker = { audience: "watchdog-broker", roles: [role(), role(undefined, "staging-deployer")] };

  it("takes a role of broker.roles bound to the credential's app; without mode the per-subject behaviour is unchanged", () => {
    const result = parseWith([credential({ mode: "broker", role: "prod-deployer" })], broker);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.policy.credentials[0]).toMatchObject({ oidc: { mode: "broker", role: "prod-deployer", audience: "api://AzureADTokenExchange", projectIds: [], userIds: [] } });
    const direct = parseWith([credential({ projectIds: [projectId], userIds: [projectId] })]);
    expect(direct.ok && direct.policy.credentials[0]).toMatchObject({ oidc: { mode: "direct", projectIds: [projectId] } });
  });

  it("an unknown role, a role of another app, or no broker section is an error at load naming credentials[i].oidc.role", () => {
    expect(credentialIssues([credential({ mode: "broker", role: "admin" })], broker)).toEqual(["credentials[0].oidc.role: no broker role named admin in broker.roles (prod-deployer, staging-deployer)"]);
    expect(credentialIssues([credential({ mode: "broker", role: "prod-deployer" }, otherApp)], broker)).toEqual([
      `credentials[0].oidc.role: broker role prod-deployer binds app ${appId} (broker.roles[0].app.appId), not this credential's entra.appId ${otherApp}: its federated credential must be on the app whose secret migrates`,
    ]);
    expect(credentialIssues([credential({ mode: "broker", role: "prod-deployer" })])).toEqual([expect.stringMatching(/^credentials\[0\]\.oidc\.role: no broker role named prod-deployer: the policy has no broker\.roles/)]);
  });

  it("broker mode needs a role and refuses the per-subject keys; a role without broker mode is refused", () => {
    expect(credentialIssues([credential({ mode: "broker" })], broker)).toEqual(["credentials[0].oidc.role: required with mode: broker (a role name of broker.roles)"]);
    expect(credentialIssues([credential({ mode: "broker", role: "prod-deployer", projectIds: [projectId], audience: "custom" })], broker)).toEqual([
      expect.stringMatching(/^credentials\[0\]\.oidc\.projectIds: not with mode: broker/),
      expect.stringMatching(/^credentials\[0\]\.oidc\.audience: not with mode: broker/),
    ]);
    expect(credentialIssues([credential({ role: "prod-deployer", projectIds: [projectId], userIds: [projectId] })], broker)).toEqual(["credentials[0].oidc.role: only with mode: broker"]);
    expect(credentialIssues([credential({ projectIds: [projectId] })])).toEqual([expect.stringMatching(/^credentials\[0\]\.oidc\.userIds: required/)]);
    expect(credentialIssues([credential({ mode: "brokered", role: "prod-deployer" })], broker)).toEqual([expect.stringMatching(/^credentials\[0\]\.oidc\.mode: /)]);
  });
});

describe("broker settings", () => {
  const base = { BROKER_ISSUER_URL: "https://watchdog.example.com/api/broker/" };
  it("reads the issuer exactly (no trailing slash) and the defaults", () => {
    expect(readSettings(base).broker).toEqual({
      issuerUrl: "https://watchdog.example.com/api/broker",
      keyName: "watchdog-broker",
      circleciOidcUrl: "https://oidc.circleci.com",
      keyActivationMs: 86_400_000,
      keyOverlapMs: 86_400_000,
      ratePerMinute: 120,
      refusalAlertThreshold: 20,
    });
    expect(readSettings({}).broker).toBeUndefined();
  });
  it("refuses a non-https issuer or key name, naming the setting", () => {
    expect(() => readSettings({ BROKER_ISSUER_URL: "http://watchdog.example.com/api/broker" })).toThrow(/BROKER_ISSUER_URL: expected an https:\/\/ URL/);
    expect(() => readSettings({ ...base, BROKER_KEY_NAME: "no spaces please" })).toThrow(/BROKER_KEY_NAME: a Key Vault key name/);
    expect(() => readSettings({ ...base, CIRCLECI_OIDC_URL: "nope" })).toThrow(/CIRCLECI_OIDC_URL: /);
  });
});

describe("broker token lifetime", () => {
  it("until the CircleCI token's expiry, at most an hour; subject role:<name>, Entra's audience", () => {
    const now = new Date("2026-12-03T12:00:00Z");
    const iat = now.getTime() / 1000;
    expect(brokerTokenClaims({ issuer: "https://b/api/broker", role: "r", circleciExp: iat + 600, now, jti: "j" })).toEqual({ iss: "https://b/api/broker", sub: "role:r", aud: "api://AzureADTokenExchange", iat, nbf: iat, exp: iat + 600, jti: "j" });
    expect(brokerTokenClaims({ issuer: "x", role: "r", circleciExp: iat + 7200, now, jti: "j" }).exp).toBe(iat + 3600);
  });
});

describe("broker key schedule", () => {
  const t = (hours: number) => new Date(Date.UTC(2026, 0, 1) + hours * 3600_000).toISOString();
  const timings = { activationMs: 24 * 3600_000, overlapMs: 24 * 3600_000 };
  const v1 = { kid: "v1", createdAt: t(0) };
  const v2 = { kid: "v2", createdAt: t(100) };

  it("the first version signs at once; a new one is published a day before it signs; the old stays a day more", () => {
    expect(keySchedule([], new Date(t(0)), timings)).toEqual({ signing: null, published: [] });
    expect(keySchedule([v1], new Date(t(0)), timings)).toEqual({ signing: v1, published: [v1] });
    expect(keySchedule([v1, v2], new Date(t(101)), timings)).toEqual({ signing: v1, published: [v2, v1] });
    expect(keySchedule([v1, v2], new Date(t(124)), timings)).toEqual({ signing: v2, published: [v2, v1] });
    expect(keySchedule([v1, v2], new Date(t(147.9)), timings)).toEqual({ signing: v2, published: [v2, v1] });
    expect(keySchedule([v1, v2], new Date(t(148)), timings)).toEqual({ signing: v2, published: [v2] });
  });

  it("property: the signing version is always published, and was published activationMs before (unless it is the first)", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: 6 }), fc.integer({ min: 0, max: 1200 }), (hours, nowHours) => {
        const versions = hours.map((h, i) => ({ kid: `k${i}`, createdAt: t(h) }));
        const now = new Date(t(Math.max(nowHours, Math.min(...hours))));
        const { signing, published } = keySchedule(versions, now, timings);
        expect(signing).not.toBeNull();
        expect(published).toContainEqual(signing);
        const first = Math.min(...hours);
        if (Date.parse(signing!.createdAt) !== Date.parse(t(first))) expect(now.getTime() - Date.parse(signing!.createdAt)).toBeGreaterThanOrEqual(timings.activationMs);
        // Every version newer than the signing one is already published (waiting to sign).
        for (const v of versions) if (Date.parse(v.createdAt) > Date.parse(signing!.createdAt)) expect(published).toContainEqual(v);
      }),
    );
  });
});

describe("broker branch globs (property)", () => {
  const segment = fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,8}$/);
  it("a literal branch name matches exactly refs/heads/<name>, never a tag, a prefix or a longer name", () => {
    fc.assert(
      fc.property(segment, segment, (name, other) => {
        expect(refMatches(`refs/heads/${name}`, [name])).toBe(true);
        expect(refMatches(`refs/tags/${name}`, [name])).toBe(false);
        expect(refMatches(`refs/heads/${name}/${other}`, [name])).toBe(false);
        expect(refMatches(`refs/heads/${name}${other}`, [name])).toBe(false);
        expect(refMatches(`refs/heads/${other}`, [name])).toBe(other === name);
      }),
    );
  });
  it("release/* matches one segment below release/ only; ** crosses segments", () => {
    fc.assert(
      fc.property(segment, segment, (a, b) => {
        expect(refMatches(`refs/heads/release/${a}`, ["release/*"])).toBe(true);
        expect(refMatches(`refs/heads/release/${a}/${b}`, ["release/*"])).toBe(false);
        expect(refMatches(`refs/heads/release/${a}/${b}`, ["release/**"])).toBe(true);
        expect(refMatches(`refs/heads/x${a}`, ["release/*"])).toBe(false);
      }),
    );
  });
});
