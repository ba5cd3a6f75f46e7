import { describe, expect, it } from "vitest";
import { parse as parseYaml, stringify } from "yaml";
import type { Finding, Plan, WatchedCredential } from "#shared/domain/finding.js";
import { buildPlan } from "#shared/domain/plan/index.js";
import { formatIssue, parsePolicy, type Policy } from "#shared/domain/policy/index.js";
import type { AppCertificate, AppPassword, CiVariable, EntraApp, Snapshot, SourceError, VaultSecretInfo } from "#shared/domain/snapshot.js";

const DAY = 86_400_000;
const now = new Date("2026-06-01T12:00:00.000Z");
/** An instant `days` (plus `ms`) from now; negative is the past. */
const at = (days: number, ms = 0) => new Date(now.getTime() + days * DAY + ms).toISOString();

const prodApp = "11111111-2222-3333-4444-555555555555";
const stagingApp = "22222222-3333-4444-5555-666666666666";
const otherApp = "99999999-8888-7777-6666-555555555555";

// ---- snapshot builders ------------------------------------------------------------------------------------

const contextVar = (contextName: string, name: string, changedDaysAgo: number | null): CiVariable => ({
  scope: { kind: "context", contextId: `id-${contextName}`, contextName },
  name,
  ...(changedDaysAgo === null ? {} : { createdAt: at(-changedDaysAgo - 10), updatedAt: at(-changedDaysAgo) }),
});
const projectVar = (projectSlug: string, name: string, createdDaysAgo: number): CiVariable => ({
  scope: { kind: "project", projectSlug },
  name,
  createdAt: at(-createdDaysAgo),
});
const password = (keyId: string, expiresInDays: number | null, options: { startedDaysAgo?: number; displayName?: string } = {}): AppPassword => ({
  keyId,
  displayName: options.displayName ?? `${keyId} CircleCI`,
  startDateTime: options.startedDaysAgo === undefined ? at(-100) : at(-options.startedDaysAgo),
  endDateTime: expiresInDays === null ? null : at(expiresInDays),
  hint: "abc",
});
const certificate = (keyId: string, expiresInDays: number): AppCertificate => ({ keyId, displayName: "signing", startDateTime: at(-300), endDateTime: at(expiresInDays), type: "AsymmetricX509Cert" });
const app = (appId: string, displayName: string, passwords: AppPassword[], certificates: AppCertificate[] = []): EntraApp => ({
  objectId: `obj-${appId.slice(0, 8)}`,
  appId,
  displayName,
  tags: [],
  passwords,
  certificates,
});
const vaultSecret = (name: string, keyId: string): VaultSecretInfo => ({ name, enabled: true, tags: { appId: prodApp, keyId, managedBy: "secret-watchdog" } });

interface World {
  contexts?: string[];
  variables?: CiVariable[];
  projects?: string[];
  apps?: EntraApp[];
  vault?: VaultSecretInfo[] | null;
  errors?: SourceError[];
}

function snapshotOf(world: World): Snapshot {
  return {
    takenAt: now.toISOString(),
    circleci: {
      contexts: (world.contexts ?? []).map((name) => ({ id: `id-${name}`, name, createdAt: at(-400) })),
      variables: world.variables ?? [],
      projects: world.projects ?? [],
    },
    entra: { apps: world.apps ?? [] },
    keyVault: world.vault === null ? null : { secrets: world.vault ?? [] },
    errors: world.errors ?? [],
  };
}

// ---- policy builders (through the real parser, the way the app gets a Policy) ---------------------------------

function policyOf(credentials: Array<Record<string, unknown>>, extra: Record<string, unknown> = {}): Policy {
  const result = parsePolicy(stringify({ version: 1, credentials, ...extra }), { env: {} });
  if (!result.ok) throw new Error(result.errors.map(formatIssue).join("\n"));
  return result.policy;
}
const rotateProd = (rotation: Record<string, number> = { validityDays: 90, rotateBeforeDays: 14 }) => ({
  name: "prod-deploy",
  circleci: { context: "prod-deploy", variable: "AZURE_CLIENT_SECRET" },
  entra: { appId: prodApp },
  action: "rotate",
  rotation,
});
const watchStaging = { name: "staging-deploy", circleci: { context: "staging", variable: "AZURE_CLIENT_SECRET" }, entra: { appId: stagingApp }, action: "watch" };
const watchNpm = { name: "npm-token", circleci: { project: "gh/acme/web", variable: "NPM_TOKEN" }, action: "watch" };
const oidcApi = {
  name: "api-deploy",
  circleci: { project: "gh/acme/api", variable: "ARM_CLIENT_SECRET" },
  entra: { appId: otherApp },
  action: "oidc",
  oidc: { projectIds: ["9a3c6f0e-4b7d-4e21-a8c5-6d2f1b3e7a90"], userIds: ["5d1f0a3b-7c2e-4e91-b8a6-1f4d3c2b9e70"] },
};

/** A world where prod-deploy is fully present and healthy (secret 60 days left, variable changed 10 days ago). */
const prodWorld = (passwords: AppPassword[] = [password("k-live", 60)], extra: World = {}): World => ({
  contexts: ["prod-deploy"],
  variables: [contextVar("prod-deploy", "AZURE_CLIENT_SECRET", 10)],
  apps: [app(prodApp, "ci-deploy-prod", passwords)],
  ...extra,
});

const plan = (world: World, policy: Policy, vaultConfigured = true): Plan => buildPlan(snapshotOf(world), policy, now, { vaultConfigured });
const credential = (p: Plan, key: string): WatchedCredential | undefined => p.credentials.find((c) => c.credential === key);
const findingsOf = (p: Plan, key: string): Finding[] => p.findings.filter((f) => f.credential === key);
const kinds = (p: Plan, key: string) => findingsOf(p, key).map((f) => `${f.kind}/${f.severity}`);

// ---- tests ----------------------------------------------------------------------------------------------------

describe("expiry findings against the thresholds [30, 14, 7, 3, 1]", () => {
  const policy = policyOf([rotateProd()]);
  const cases: Array<[string, number, string[], number]> = [
    ["60 days left: fine", 60 * DAY, [], 60],
    ["30 days + 1 ms: not yet within 30 days", 30 * DAY + 1, [], 31],
    ["exactly 30 days: expiring (warning)", 30 * DAY, ["expiring/warning"], 30],
    ["2 days left: still a warning", 2 * DAY, ["expiring/warning"], 2],
    ["1 day + 1 ms left: 2 days, a warning", DAY + 1, ["expiring/warning"], 2],
    ["exactly 1 day left: critical", DAY, ["expiring/critical"], 1],
    ["1 ms left: critical", 1, ["expiring/critical"], 1],
    ["expiring right now: expired", 0, ["expired/critical"], 0],
    ["expired 3 days ago", -3 * DAY, ["expired/critical"], -3],
  ];
  it.each(cases)("%s", (_what, msLeft, expected, expectedDaysLeft) => {
    const p = plan(prodWorld([{ ...password("k-live", 0), endDateTime: new Date(now.getTime() + msLeft).toISOString() }]), policy);
    expect(kinds(p, "prod-deploy")).toEqual(expected);
    expect(credential(p, "prod-deploy")?.daysLeft).toBe(expectedDaysLeft);
    expect(credential(p, "prod-deploy")?.status).toBe(expected[0]?.split("/")[0] ?? "ok");
  });

  it("uses the policy's own thresholds", () => {
    const custom = policyOf([rotateProd()], { alerts: { thresholdsDays: [10, 5] } });
    expect(kinds(plan(prodWorld([password("k-live", 11)]), custom), "prod-deploy")).toEqual([]);
    expect(kinds(plan(prodWorld([password("k-live", 10)]), custom), "prod-deploy")).toEqual(["expiring/warning"]);
    expect(kinds(plan(prodWorld([password("k-live", 5)]), custom), "prod-deploy")).toEqual(["expiring/critical"]);
  });

  it("a finding names where the secret lives and what to do", () => {
    const p = plan(prodWorld([password("k-live", 10)]), policy);
    const [finding] = findingsOf(p, "prod-deploy");
    expect(finding).toMatchObject({
      id: "expiring:prod-deploy",
      bound: true,
      daysLeft: 10,
      expiresAt: at(10),
      nextStep: "watchdog rotate prod-deploy",
      source: {
        circleci: { context: "prod-deploy", variable: "AZURE_CLIENT_SECRET" },
        entra: { appId: prodApp, appName: "ci-deploy-prod", keyId: "k-live", credentialType: "password" },
        keyVault: { secretName: "cci-prod-deploy" },
      },
    });
    for (const part of ["prod-deploy", "AZURE_CLIENT_SECRET", "ci-deploy-prod", prodApp, "k-live", "10 days"]) expect(finding?.message).toContain(part);
  });

  it("watch credentials get concrete advice instead of a command, and no Key Vault in their source", () => {
    const p = plan(
      { contexts: ["staging"], variables: [contextVar("staging", "AZURE_CLIENT_SECRET", 5)], apps: [app(stagingApp, "ci-deploy-staging", [password("k-s", -2)])] },
      policyOf([watchStaging]),
    );
    const [finding] = findingsOf(p, "staging-deploy");
    expect(finding?.kind).toBe("expired");
    expect(finding?.source).not.toHaveProperty("keyVault");
    expect(finding?.nextStep).not.toMatch(/^watchdog rotate/);
    for (const part of ["new client secret", "ci-deploy-staging", "context staging", "AZURE_CLIENT_SECRET", "k-s", "action: rotate"]) expect(finding?.nextStep).toContain(part);
    expect(finding?.message).toContain("expired 2 days ago");
  });
});

describe("long-lived CircleCI variables (age > inventory.maxAgeDays)", () => {
  const policy = policyOf([watchNpm, rotateProd()], { inventory: { maxAgeDays: 90 } });
  it.each([
    [89, false],
    [90, false],
    [91, true],
  ])("changed %i days ago: long-lived %s", (days, longLived) => {
    const p = plan({ projects: ["gh/acme/web"], variables: [projectVar("gh/acme/web", "NPM_TOKEN", days)] }, policy);
    expect(kinds(p, "npm-token")).toEqual(longLived ? ["long-lived/warning"] : []);
    expect(credential(p, "npm-token")).toMatchObject({ ageDays: days, lastChangedAt: at(-days), status: longLived ? "long-lived" : "ok" });
  });

  it("uses updatedAt over createdAt, and knows no age without either", () => {
    const p = plan(prodWorld(undefined, { variables: [contextVar("prod-deploy", "AZURE_CLIENT_SECRET", 100)] }), policy);
    expect(credential(p, "prod-deploy")?.ageDays).toBe(100);
    const [finding] = findingsOf(p, "prod-deploy");
    expect(finding).toMatchObject({ kind: "long-lived", ageDays: 100, nextStep: "watchdog rotate prod-deploy" });
    expect(finding?.message).toContain("100 days");
    const unknown = plan(prodWorld(undefined, { variables: [contextVar("prod-deploy", "AZURE_CLIENT_SECRET", null)] }), policy);
    expect(credential(unknown, "prod-deploy")).not.toHaveProperty("ageDays");
    expect(findingsOf(unknown, "prod-deploy")).toEqual([]);
  });

  it("age-only watch credentials advise a new value at its issuer", () => {
    const p = plan({ projects: ["gh/acme/web"], variables: [projectVar("gh/acme/web", "NPM_TOKEN", 200)] }, policy);
    const [finding] = findingsOf(p, "npm-token");
    expect(finding?.source).toEqual({ circleci: { project: "gh/acme/web", variable: "NPM_TOKEN" } });
    expect(finding?.nextStep).toContain("project gh/acme/web, variable NPM_TOKEN");
  });
});

describe("not-found, only on what was really read", () => {
  const policy = policyOf([rotateProd(), watchNpm]);

  it.each<[string, World, string[]]>([
    ["the variable is missing from an existing context", prodWorld(undefined, { variables: [] }), ["CircleCI context prod-deploy, variable AZURE_CLIENT_SECRET does not exist"]],
    ["the context is missing", prodWorld(undefined, { contexts: [], variables: [] }), ["CircleCI context prod-deploy does not exist"]],
    ["the app is missing", prodWorld(undefined, { apps: [] }), [`no Entra app registration has client id ${prodApp}`]],
    ["the app has no password", prodWorld([]), [`Entra app "ci-deploy-prod" (${prodApp}) has no client secret`]],
  ])("%s", (_what, world, parts) => {
    const p = plan(world, policy);
    const [finding] = findingsOf(p, "prod-deploy");
    expect(finding).toMatchObject({ id: "not-found:prod-deploy", kind: "not-found", severity: "critical", bound: true });
    for (const part of parts) expect(finding?.message).toContain(part);
    expect(credential(p, "prod-deploy")?.status).toBe("not-found");
  });

  it("a missing project variable is not-found when the project was read", () => {
    const p = plan({ projects: ["gh/acme/web"], variables: [projectVar("gh/acme/web", "OTHER", 1)] }, policy);
    expect(kinds(p, "npm-token")).toEqual(["not-found/critical"]);
  });

  it.each<[string, World, string]>([
    ["its context failed to read", prodWorld(undefined, { variables: [], errors: [{ source: "circleci", where: "context prod-deploy", message: "HTTP 500" }] }), "CircleCI context prod-deploy could not be read"],
    ["the context list failed to read", prodWorld(undefined, { contexts: [], variables: [], errors: [{ source: "circleci", where: "contexts", message: "HTTP 500" }] }), "CircleCI context prod-deploy could not be read"],
    ["CircleCI failed somewhere unnamed", prodWorld(undefined, { variables: [], errors: [{ source: "circleci", where: "rate limit", message: "429" }] }), "CircleCI context prod-deploy could not be read"],
    ["Entra failed to read", prodWorld(undefined, { apps: [], errors: [{ source: "entra", where: "applications", message: "HTTP 503" }] }), `Entra app ${prodApp} could not be read`],
  ])("no false not-found when %s", (_what, world, note) => {
    const p = plan(world, policy);
    expect(findingsOf(p, "prod-deploy").filter((f) => f.kind === "not-found")).toEqual([]);
    expect(credential(p, "prod-deploy")?.unchecked).toEqual([note]);
    expect(p.complete).toBe(false);
    expect(p.sourceErrors).toEqual(world.errors);
  });

  it("no false not-found for a project the inventory did not read", () => {
    expect(findingsOf(plan({ projects: [] }, policy), "npm-token")).toEqual([]);
    const failed = plan({ projects: ["gh/acme/web"], errors: [{ source: "circleci", where: "project gh/acme/web", message: "HTTP 404" }] }, policy);
    expect(findingsOf(failed, "npm-token")).toEqual([]);
    expect(credential(failed, "npm-token")?.unchecked).toEqual(["CircleCI project gh/acme/web could not be read"]);
  });

  it("a failure elsewhere does not hide what is really missing", () => {
    const p = plan(prodWorld(undefined, { variables: [], errors: [{ source: "circleci", where: "context unrelated", message: "HTTP 500" }, { source: "circleci", where: "followed projects", message: "x" }] }), policy);
    expect(kinds(p, "prod-deploy")).toEqual(["not-found/critical"]);
  });

  it("not-found advice fits what is missing", () => {
    const missingApp = findingsOf(plan(prodWorld(undefined, { apps: [] }), policy), "prod-deploy")[0];
    expect(missingApp?.nextStep).toContain("entra.appId of credential prod-deploy");
    const missingVariable = findingsOf(plan(prodWorld(undefined, { variables: [] }), policy), "prod-deploy")[0];
    expect(missingVariable?.nextStep).toBe("watchdog rotate prod-deploy");
  });
});

describe("the live password", () => {
  const policy = policyOf([rotateProd()]);
  const passwords = [password("k-old", 5, { startedDaysAgo: 300 }), password("k-new", 80, { startedDaysAgo: 10 }), password("k-mid", 40, { startedDaysAgo: 100 })];
  const liveKey = (world: World) => credential(plan(world, policy), "prod-deploy")?.source.entra?.keyId;

  it("is the one the Key Vault secret's keyId tag names", () => {
    expect(liveKey(prodWorld(passwords, { vault: [vaultSecret("cci-prod-deploy", "k-old")] }))).toBe("k-old");
  });
  it("ignores a tag that names no password of the app, then takes the most recently started", () => {
    expect(liveKey(prodWorld(passwords, { vault: [vaultSecret("cci-prod-deploy", "k-gone")] }))).toBe("k-new");
  });
  it("ignores other secrets' tags", () => {
    expect(liveKey(prodWorld(passwords, { vault: [vaultSecret("cci-other", "k-old")] }))).toBe("k-new");
  });
  it("is the only password when there is one", () => {
    expect(liveKey(prodWorld([password("k-only", 5, { startedDaysAgo: 1 })]))).toBe("k-only");
  });
  it("falls back to start dates when Key Vault failed to read, and says so", () => {
    const p = plan(prodWorld(passwords, { vault: [vaultSecret("cci-prod-deploy", "k-old")], errors: [{ source: "keyvault", where: "secrets", message: "403" }] }), policy);
    expect(credential(p, "prod-deploy")?.source.entra?.keyId).toBe("k-new");
    expect(credential(p, "prod-deploy")?.unchecked).toEqual(["Key Vault could not be read: the live client secret was taken to be the most recently started one"]);
  });
  it("prefers a known start date over an unknown one", () => {
    expect(liveKey(prodWorld([{ ...password("k-undated", 10), startDateTime: null }, password("k-dated", 20, { startedDaysAgo: 400 })]))).toBe("k-dated");
  });
});

describe("unbound credentials", () => {
  const policy = policyOf([rotateProd()]);

  it("lists every password and certificate no credential accounts for, with findings", () => {
    const p = plan(
      prodWorld([password("k-live", 60, { startedDaysAgo: 1 }), password("k-manual", 3, { startedDaysAgo: 200 })], {
        apps: [
          app(prodApp, "ci-deploy-prod", [password("k-live", 60, { startedDaysAgo: 1 }), password("k-manual", 3, { startedDaysAgo: 200 })], [certificate("c-1", 20)]),
          app(otherApp, "reports", [password("k-r", -1)]),
        ],
      }),
      policy,
    );
    expect(p.credentials.filter((c) => !c.bound).map((c) => c.credential)).toEqual([
      `entra:${prodApp}:c-1`,
      `entra:${prodApp}:k-manual`,
      `entra:${otherApp}:k-r`,
    ]);
    expect(kinds(p, `entra:${prodApp}:k-manual`)).toEqual(["expiring/warning"]);
    expect(kinds(p, `entra:${otherApp}:k-r`)).toEqual(["expired/critical"]);
    expect(kinds(p, `entra:${prodApp}:c-1`)).toEqual(["expiring/warning"]);
    expect(credential(p, `entra:${prodApp}:c-1`)?.source.entra).toEqual({ appId: prodApp, appName: "ci-deploy-prod", keyId: "c-1", credentialType: "certificate" });
  });

  it("offers the policy snippet for an unbound client secret", () => {
    const p = plan({ apps: [app(otherApp, "Reports: Legacy", [password("k-r", 2)])] }, policy);
    const [finding] = findingsOf(p, `entra:${otherApp}:k-r`);
    expect(finding?.bound).toBe(false);
    const snippet = parseYaml(finding?.nextStep ?? "") as { credentials: Array<Record<string, unknown>> };
    expect(snippet.credentials[0]).toMatchObject({ name: "reports-legacy", entra: { appId: otherApp }, action: "watch" });
  });

  it("lists the other watchdog-rotation passwords of a bound app without findings", () => {
    const passwords = [password("k-live", 60, { startedDaysAgo: 1, displayName: "watchdog-rotation:r2" }), password("k-retiring", -1, { startedDaysAgo: 90, displayName: "watchdog-rotation:r1" })];
    const p = plan(prodWorld(passwords, { vault: [vaultSecret("cci-prod-deploy", "k-live")] }), policy);
    expect(credential(p, `entra:${prodApp}:k-retiring`)).toMatchObject({ bound: false, retiring: true, status: "expired" });
    expect(findingsOf(p, `entra:${prodApp}:k-retiring`)).toEqual([]);
    // Only on bound apps: the same name on an app no credential binds is an ordinary unbound password.
    const unboundApp = plan({ apps: [app(otherApp, "x", [password("k-x", -1, { displayName: "watchdog-rotation:zz" })])] }, policy);
    expect(kinds(unboundApp, `entra:${otherApp}:k-x`)).toEqual(["expired/critical"]);
  });

  it("treats the password a rotation superseded (older than the live one on a rotated app) as retiring, not as news", () => {
    const passwords = [password("k-new", 90, { startedDaysAgo: 0, displayName: "watchdog-rotation:prod-deploy:r1" }), password("k-old", 10, { startedDaysAgo: 300, displayName: "CircleCI" })];
    const p = plan(prodWorld(passwords, { vault: [vaultSecret("cci-prod-deploy", "k-new")] }), policy);
    expect(credential(p, "prod-deploy")?.source.entra?.keyId).toBe("k-new");
    expect(credential(p, `entra:${prodApp}:k-old`)).toMatchObject({ bound: false, retiring: true, status: "expiring" });
    expect(findingsOf(p, `entra:${prodApp}:k-old`)).toEqual([]);
    // A password newer than the live one is someone else's: it stays news.
    const newer = [password("k-live", 90, { startedDaysAgo: 30 }), password("k-other", 10, { startedDaysAgo: 1, displayName: "manual" })];
    const q = plan(prodWorld(newer, { vault: [vaultSecret("cci-prod-deploy", "k-live")] }), policy);
    expect(kinds(q, `entra:${prodApp}:k-other`)).toEqual(["expiring/warning"]);
  });

  it("lists every CircleCI variable no credential binds, with a pasteable snippet when long-lived", () => {
    const p = plan(
      prodWorld(undefined, {
        variables: [
          contextVar("prod-deploy", "AZURE_CLIENT_SECRET", 10),
          contextVar("prod-deploy", "NPM_TOKEN", 120),
          contextVar("prod-deploy", "AZURE_CLIENT_ID", 400),
          projectVar("gh/acme/api", "DOCKER_PASSWORD", 5),
        ],
        projects: ["gh/acme/api"],
      }),
      policy,
    );
    expect(p.credentials.filter((c) => c.credential.startsWith("circleci:")).map((c) => c.credential)).toEqual([
      "circleci:context:prod-deploy:AZURE_CLIENT_ID",
      "circleci:context:prod-deploy:NPM_TOKEN",
      "circleci:project:gh/acme/api:DOCKER_PASSWORD",
    ]);
    expect(kinds(p, "circleci:project:gh/acme/api:DOCKER_PASSWORD")).toEqual([]);
    // An identifier beside a secret is listed, but 400 days unchanged is no finding: it is configuration, not a secret.
    expect(kinds(p, "circleci:context:prod-deploy:AZURE_CLIENT_ID")).toEqual([]);
    expect(p.credentials.find((c) => c.credential === "circleci:context:prod-deploy:AZURE_CLIENT_ID")).toMatchObject({ status: "ok", ageDays: 400 });
    const [finding] = findingsOf(p, "circleci:context:prod-deploy:NPM_TOKEN");
    expect(finding).toMatchObject({ kind: "long-lived", severity: "warning", bound: false, ageDays: 120, source: { circleci: { context: "prod-deploy", variable: "NPM_TOKEN" } } });
    // The snippet, pasted under credentials:, is a valid policy that binds exactly this variable.
    const pasted = parsePolicy(`version: 1\n${finding?.nextStep ?? ""}`, { env: {} });
    expect(pasted.ok && pasted.policy.credentials).toEqual([
      { name: "prod-deploy-npm-token", circleci: { context: "prod-deploy", variable: "NPM_TOKEN" }, action: "watch", keyVault: { secretName: "cci-prod-deploy-npm-token" } },
    ]);
  });

  it("quotes odd names in snippets so they stay valid YAML", () => {
    const p = plan({ contexts: ["team: a, b #1"], variables: [contextVar("team: a, b #1", "TOKEN", 400)] }, policy);
    const [finding] = findingsOf(p, "circleci:context:team: a, b #1:TOKEN");
    const pasted = parsePolicy(`version: 1\n${finding?.nextStep ?? ""}`, { env: {} });
    expect(pasted.ok && pasted.policy.credentials[0]?.circleci).toEqual({ context: "team: a, b #1", variable: "TOKEN" });
  });
});

describe("steps", () => {
  it.each<[string, AppPassword[], string | undefined]>([
    ["15 days left, rotateBeforeDays 14: nothing yet", [password("k", 15)], undefined],
    ["14 days left: not fewer than 14", [password("k", 14)], undefined],
    ["13 days + 1 ms left (14 days): not fewer than 14", [{ ...password("k", 0), endDateTime: at(13, 1) }], undefined],
    ["exactly 13 days left: rotate", [password("k", 13)], "the live client secret has 13 days left, fewer than rotateBeforeDays (14)"],
    ["expired: rotate", [password("k", -4)], "the live client secret expired (rotateBeforeDays: 14)"],
    ["no password at all: rotate (mint one)", [], 'Entra app "ci-deploy-prod" has no client secret'],
    ["a secret that never expires: nothing", [password("k", null)], undefined],
  ])("rotate: %s", (_what, passwords, reason) => {
    const p = plan(prodWorld(passwords), policyOf([rotateProd()]));
    expect(p.steps).toEqual(reason === undefined ? [] : [{ kind: "rotate", credential: "prod-deploy", reason }]);
  });

  it("no rotation for watch credentials, for a missing app, or when Entra was not read", () => {
    expect(plan({ contexts: ["staging"], apps: [app(stagingApp, "s", [password("k", -1)])] }, policyOf([watchStaging])).steps).toEqual([]);
    expect(plan(prodWorld(undefined, { apps: [] }), policyOf([rotateProd()])).steps).toEqual([]);
    expect(plan(prodWorld(undefined, { apps: [], errors: [{ source: "entra", where: "applications", message: "x" }] }), policyOf([rotateProd()])).steps).toEqual([]);
  });

  it("marks a rotation blocked without a Key Vault", () => {
    const p = plan(prodWorld([password("k", 1)]), policyOf([rotateProd()]), false);
    expect(p.steps).toEqual([expect.objectContaining({ kind: "rotate", credential: "prod-deploy", blocked: expect.stringContaining("KEY_VAULT_URL") })]);
  });

  it("plans a migration for every oidc credential", () => {
    const p = plan({ projects: ["gh/acme/api"], variables: [projectVar("gh/acme/api", "ARM_CLIENT_SECRET", 1)], apps: [app(otherApp, "api", [password("k", 300)])] }, policyOf([oidcApi, rotateProd()]));
    expect(p.steps.filter((s) => s.kind === "migrate")).toEqual([
      { kind: "migrate", credential: "api-deploy", reason: `action: oidc — federate 1 CircleCI subject with Entra app ${otherApp}, then retire the client secret after 7 quiet days` },
    ]);
  });
});

describe("the whole plan", () => {
  const policy = policyOf([rotateProd(), watchStaging, watchNpm, oidcApi]);
  const world: World = {
    contexts: ["prod-deploy", "staging"],
    projects: ["gh/acme/api", "gh/acme/web"],
    variables: [
      contextVar("prod-deploy", "AZURE_CLIENT_SECRET", 200),
      contextVar("staging", "AZURE_CLIENT_SECRET", 10),
      contextVar("staging", "SENTRY_AUTH_TOKEN", 365),
      projectVar("gh/acme/web", "NPM_TOKEN", 30),
      projectVar("gh/acme/api", "ARM_CLIENT_SECRET", 30),
    ],
    apps: [
      app(prodApp, "ci-deploy-prod", [password("k-prod", 10)]),
      app(stagingApp, "ci-deploy-staging", [password("k-staging", 3)]),
      app(otherApp, "api", [password("k-api", -1)], [certificate("c-api", 25)]),
    ],
    vault: [vaultSecret("cci-prod-deploy", "k-prod")],
  };

  it("sorts findings by severity, then days left, then credential", () => {
    const p = plan(world, policy);
    expect(p.findings.map((f) => `${f.severity} ${f.daysLeft ?? "-"} ${f.id}`)).toEqual([
      "critical -1 expired:api-deploy",
      "warning 3 expiring:staging-deploy",
      "warning 10 expiring:prod-deploy",
      `warning 25 expiring:entra:${otherApp}:c-api`,
      "warning - long-lived:circleci:context:staging:SENTRY_AUTH_TOKEN",
      "warning - long-lived:prod-deploy",
    ]);
    expect(p.summary).toEqual({ credentials: 6, expired: 1, expiring: 3, longLived: 2, notFound: 0, exposed: 0, drifted: 0, steps: 2 });
    // Policy credentials first, then what no policy binds, each by name.
    expect(p.credentials.map((c) => c.credential)).toEqual([
      "api-deploy",
      "npm-token",
      "prod-deploy",
      "staging-deploy",
      "circleci:context:staging:SENTRY_AUTH_TOKEN",
      `entra:${otherApp}:c-api`,
    ]);
    expect(p.steps.map((s) => `${s.kind}:${s.credential}`)).toEqual(["migrate:api-deploy", "rotate:prod-deploy"]);
    expect(p).toMatchObject({ generatedAt: now.toISOString(), complete: true, sourceErrors: [] });
  });

  it("is deterministic: the same world listed in another order gives the same plan", () => {
    const reversed: World = {
      ...world,
      contexts: [...(world.contexts ?? [])].reverse(),
      projects: [...(world.projects ?? [])].reverse(),
      variables: [...(world.variables ?? [])].reverse(),
      apps: [...(world.apps ?? [])].reverse().map((a) => ({ ...a, passwords: [...a.passwords].reverse() })),
    };
    expect(plan(reversed, policy)).toEqual(plan(world, policy));
    expect(JSON.stringify(plan(world, policy))).toBe(JSON.stringify(plan(world, policy)));
  });

  it("is total on odd snapshots: null and garbage dates, duplicates, missing lists", () => {
    const odd: World = {
      contexts: ["prod-deploy", "prod-deploy"],
      variables: [{ scope: { kind: "context", contextId: "x", contextName: "prod-deploy" }, name: "AZURE_CLIENT_SECRET", updatedAt: "yesterday" }, contextVar("prod-deploy", "AZURE_CLIENT_SECRET", 5)],
      apps: [
        app(prodApp, "ci-deploy-prod", [{ keyId: "k", displayName: null, startDateTime: null, endDateTime: null }, { keyId: "k2", displayName: null, startDateTime: "garbage", endDateTime: "9999-12-31T23:59:59Z" }]),
        app(prodApp, "duplicate", []),
      ],
    };
    const p = plan(odd, policyOf([rotateProd()]));
    expect(new Set(p.credentials.map((c) => c.credential)).size).toBe(p.credentials.length);
    expect(new Set(p.findings.map((f) => f.id)).size).toBe(p.findings.length);
    const partial = { takenAt: now.toISOString(), circleci: {}, entra: {}, keyVault: null, errors: [] } as unknown as Snapshot;
    expect(() => buildPlan(partial, policyOf([rotateProd(), watchNpm]), now, { vaultConfigured: false })).not.toThrow();
  });
});

describe("configuration-looking CircleCI variables", () => {
  it("tells identifiers, regions and user names from names that may hold a secret", async () => {
    const { looksLikeConfiguration } = await import("#shared/domain/plan/configuration-names.js");
    expect(["AZURE_CLIENT_ID", "ARM_TENANT_ID", "AWS_REGION", "DOCKER_LOGIN", "NPM_REGISTRY", "BROWSERSTACK_USERNAME"].filter((n) => !looksLikeConfiguration(n))).toEqual([]);
    expect(["AZURE_CLIENT_SECRET", "NPM_TOKEN", "DATABASE_URL", "SLACK_WEBHOOK_URL", "AWS_SECRET_ACCESS_KEY", "WAREHOUSE_DSN"].filter(looksLikeConfiguration)).toEqual([]);
  });
});
