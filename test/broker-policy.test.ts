// The broker's policy section, settings and key schedule: what a user writes and what the broker makes of it.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { readSettings } from "../shared/app/settings.js";
import { brokerTokenClaims } from "../shared/domain/broker/broker-token.js";
import { keySchedule } from "../shared/domain/broker/key-schedule.js";
import { refMatches } from "../shared/domain/broker/rules.js";
import { formatIssue, parsePolicy } from "../shared/domain/policy/index.js";

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
