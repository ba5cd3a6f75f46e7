import { readFileSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { buildPlan } from "#shared/domain/plan/index.js";
import { formatIssue, parsePolicy, type Policy } from "#shared/domain/policy/index.js";
import type { AppPassword, CiVariable, EntraApp, Snapshot, SourceError, VaultSecretInfo } from "#shared/domain/snapshot.js";

const now = new Date("2026-06-01T12:00:00.000Z");
const DAY = 86_400_000;

// Small pools, so generated snapshots often hit what the policy binds (and collide with themselves).
const appIds = ["11111111-2222-3333-4444-555555555555", "22222222-3333-4444-5555-666666666666", "33333333-4444-5555-6666-777777777777"];
const contextNames = ["prod-deploy", "staging", "shared"];
const projectSlugs = ["gh/acme/api", "gh/acme/web"];
const variableNames = ["AZURE_CLIENT_SECRET", "AZURE_CLIENT_ID", "NPM_TOKEN"];
const keyIds = ["k1", "k2", "k3", "k4"];

const date = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: -800, max: 800 }).map((days) => new Date(now.getTime() + days * DAY + 3_600_000).toISOString()) },
  { weight: 2, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.constantFrom("", "not a date", "9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z", "2026-06-01T12:00:00.000Z") },
);
const optionalDate = date.map((value) => value ?? undefined);

const password: fc.Arbitrary<AppPassword> = fc.record({
  keyId: fc.constantFrom(...keyIds),
  displayName: fc.oneof(fc.constant(null), fc.constantFrom("CircleCI", "watchdog-rotation:r1", "watchdog-rotation:r2", "")),
  startDateTime: date,
  endDateTime: date,
});
const app: fc.Arbitrary<EntraApp> = fc.record({
  objectId: fc.constantFrom("o1", "o2"),
  appId: fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...appIds) }, { weight: 1, arbitrary: fc.constantFrom(appIds[0]?.toUpperCase() ?? "", "not-a-guid") }),
  displayName: fc.constantFrom("ci-deploy", "reports: legacy", ""),
  tags: fc.constant([]),
  passwords: fc.array(password, { maxLength: 4 }),
  certificates: fc.array(fc.record({ keyId: fc.constantFrom("c1", "c2"), displayName: fc.constant(null), startDateTime: date, endDateTime: date }), { maxLength: 2 }),
});
const variable: fc.Arbitrary<CiVariable> = fc.record(
  {
    scope: fc.oneof(
      fc.constantFrom(...contextNames).map((contextName) => ({ kind: "context" as const, contextId: `id-${contextName}`, contextName })),
      fc.constantFrom(...projectSlugs).map((projectSlug) => ({ kind: "project" as const, projectSlug })),
    ),
    name: fc.constantFrom(...variableNames),
    createdAt: optionalDate,
    updatedAt: optionalDate,
  },
  { requiredKeys: ["scope", "name"] },
);
const vaultSecret: fc.Arbitrary<VaultSecretInfo> = fc.record({
  name: fc.constantFrom("cci-prod-deploy", "cci-staging-deploy", "other"),
  enabled: fc.boolean(),
  tags: fc.oneof(fc.constant({}), fc.constantFrom(...keyIds, "k-gone").map((keyId) => ({ keyId }))),
});
const sourceError: fc.Arbitrary<SourceError> = fc.record({
  source: fc.constantFrom("circleci" as const, "entra" as const, "keyvault" as const),
  where: fc.constantFrom("contexts", "context prod-deploy", "context staging", "project gh/acme/api", "followed projects", "applications", "secrets", "somewhere"),
  message: fc.constant("failed"),
});

const snapshot: fc.Arbitrary<Snapshot> = fc.record({
  takenAt: fc.constant(now.toISOString()),
  circleci: fc.record({
    contexts: fc.subarray(contextNames).map((names) => names.map((name) => ({ id: `id-${name}`, name, createdAt: now.toISOString() }))),
    variables: fc.array(variable, { maxLength: 8 }),
    projects: fc.subarray(projectSlugs),
  }),
  entra: fc.record({ apps: fc.array(app, { maxLength: 4 }) }),
  keyVault: fc.oneof(fc.constant(null), fc.record({ secrets: fc.array(vaultSecret, { maxLength: 3 }) })),
  errors: fc.oneof({ weight: 3, arbitrary: fc.constant<SourceError[]>([]) }, { weight: 2, arbitrary: fc.array(sourceError, { maxLength: 3 }) }),
});

function policyOf(document: Record<string, unknown>): Policy {
  const result = parsePolicy(stringify(document), { env: {} });
  if (!result.ok) throw new Error(result.errors.map(formatIssue).join("\n"));
  return result.policy;
}

const policy = policyOf({
  version: 1,
  inventory: { maxAgeDays: 90 },
  alerts: { thresholdsDays: [30, 7, 1] },
  credentials: [
    { name: "prod-deploy", circleci: { context: "prod-deploy", variable: "AZURE_CLIENT_SECRET" }, entra: { appId: appIds[0] }, action: "rotate", rotation: {} },
    { name: "staging-deploy", circleci: { context: "staging", variable: "AZURE_CLIENT_SECRET" }, entra: { appId: appIds[1] }, action: "watch" },
    { name: "npm", circleci: { project: "gh/acme/web", variable: "NPM_TOKEN" }, action: "watch" },
    {
      name: "api",
      circleci: { project: "gh/acme/api", variable: "AZURE_CLIENT_SECRET" },
      entra: { appId: appIds[0] },
      action: "oidc",
      oidc: { projectIds: [appIds[2]], userIds: [appIds[2]] },
    },
  ],
});

const validatePlan = (() => {
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  addFormats.default(ajv);
  return ajv.compile(JSON.parse(readFileSync(new URL("../schemas/plan.schema.json", import.meta.url), "utf8")) as object);
})();

/** The same snapshot with every list reversed: the order sources list things in. */
function reordered(s: Snapshot): Snapshot {
  return {
    ...s,
    circleci: { contexts: [...s.circleci.contexts].reverse(), variables: [...s.circleci.variables].reverse(), projects: [...s.circleci.projects].reverse() },
    entra: { apps: [...s.entra.apps].reverse().map((a) => ({ ...a, passwords: [...a.passwords].reverse(), certificates: [...a.certificates].reverse() })) },
    keyVault: s.keyVault && { secrets: [...s.keyVault.secrets].reverse() },
    errors: [...s.errors].reverse(),
  };
}

describe("buildPlan properties", () => {
  it("never throws, and every finding's credential is listed", () => {
    fc.assert(
      fc.property(snapshot, fc.boolean(), (s, vaultConfigured) => {
        const plan = buildPlan(s, policy, now, { vaultConfigured });
        const listed = new Set(plan.credentials.map((c) => c.credential));
        for (const finding of plan.findings) expect(listed).toContain(finding.credential);
        for (const step of plan.steps) expect(listed).toContain(step.credential);
        expect(listed.size).toBe(plan.credentials.length);
        expect(new Set(plan.findings.map((f) => f.id)).size).toBe(plan.findings.length);
      }),
      { numRuns: 400 },
    );
  });

  it("summarises exactly what it lists, and every policy credential appears", () => {
    fc.assert(
      fc.property(snapshot, (s) => {
        const plan = buildPlan(s, policy, now, { vaultConfigured: true });
        const count = (kind: string) => plan.findings.filter((f) => f.kind === kind).length;
        expect(plan.summary).toEqual({
          credentials: plan.credentials.length,
          expired: count("expired"),
          expiring: count("expiring"),
          longLived: count("long-lived"),
          notFound: count("not-found"),
          exposed: count("exposed"),
          drifted: count("drifted"),
          steps: plan.steps.length,
        });
        expect(plan.credentials.filter((c) => c.bound).map((c) => c.credential)).toEqual(["api", "npm", "prod-deploy", "staging-deploy"]);
        expect(plan.complete).toBe(s.errors.length === 0);
      }),
      { numRuns: 200 },
    );
  });

  it("always matches the published JSON Schema", () => {
    fc.assert(
      fc.property(snapshot, fc.boolean(), (s, vaultConfigured) => {
        const plan = JSON.parse(JSON.stringify(buildPlan(s, policy, now, { vaultConfigured }))) as unknown;
        expect(validatePlan(plan) ? [] : validatePlan.errors).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });

  it("does not depend on the order the sources listed things in", () => {
    fc.assert(
      fc.property(snapshot, (s) => {
        expect(buildPlan(reordered(s), policy, now, { vaultConfigured: true })).toEqual(buildPlan(s, policy, now, { vaultConfigured: true }));
      }),
      { numRuns: 200 },
    );
  });

  it("reports nothing as not found when no source could be read", () => {
    const everythingFailed: SourceError[] = [
      { source: "circleci", where: "contexts", message: "down" },
      { source: "circleci", where: "project gh/acme/api", message: "down" },
      { source: "circleci", where: "project gh/acme/web", message: "down" },
      { source: "entra", where: "applications", message: "down" },
    ];
    fc.assert(
      fc.property(snapshot, (s) => {
        const plan = buildPlan({ ...s, errors: everythingFailed }, policy, now, { vaultConfigured: true });
        expect(plan.findings.filter((f) => f.kind === "not-found")).toEqual([]);
        expect(plan.steps.filter((step) => step.kind === "rotate")).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });
});

// Properties that check answers rather than re-derive them: facts any correct plan must show, stated from the
// snapshot alone. (A plant that dropped expired findings from buildPlan made the first two fail.)
const parsedEnd = (end: string | null | undefined): number | undefined => {
  const at = end ? Date.parse(end) : Number.NaN;
  return Number.isNaN(at) ? undefined : at;
};

/** prod-deploy's variable in its context and its app with exactly one password, ending at `end`: that password is the one bound. */
function withOnlyPassword(s: Snapshot, end: string): Snapshot {
  const bound: EntraApp = {
    objectId: "o-bound",
    appId: appIds[0]!,
    displayName: "ci-deploy-prod",
    tags: [],
    passwords: [{ keyId: "k-live", displayName: "CircleCI", startDateTime: new Date(Date.parse(end) - 400 * DAY).toISOString(), endDateTime: end }],
    certificates: [],
  };
  return {
    ...s,
    circleci: {
      ...s.circleci,
      contexts: [...s.circleci.contexts.filter((c) => c.name !== "prod-deploy"), { id: "id-prod-deploy", name: "prod-deploy", createdAt: now.toISOString() }],
      variables: [...s.circleci.variables, { scope: { kind: "context", contextId: "id-prod-deploy", contextName: "prod-deploy" }, name: "AZURE_CLIENT_SECRET" }],
    },
    entra: { apps: [...s.entra.apps.filter((a) => a.appId.toLowerCase() !== appIds[0]), bound] },
    errors: [],
  };
}

describe("buildPlan answers", () => {
  it("a bound password whose end is at or before now always yields an expired finding", () => {
    const endAtOrBefore = fc.integer({ min: 0, max: 800 * DAY }).map((ms) => new Date(now.getTime() - ms).toISOString());
    fc.assert(
      fc.property(snapshot, endAtOrBefore, (s, end) => {
        const plan = buildPlan(withOnlyPassword(s, end), policy, now, { vaultConfigured: true });
        const expired = plan.findings.find((f) => f.credential === "prod-deploy" && f.kind === "expired");
        expect(expired, `end ${end}`).toBeDefined();
        expect(expired!.daysLeft).toBeLessThanOrEqual(0);
      }),
      { numRuns: 300 },
    );
  });

  it("whatever password a bound credential names, an end at or before now is reported expired", () => {
    fc.assert(
      fc.property(snapshot, (s) => {
        const plan = buildPlan(s, policy, now, { vaultConfigured: true });
        for (const credential of plan.credentials) {
          const entra = credential.source.entra;
          if (!credential.bound || credential.retiring || !entra?.keyId || entra.credentialType === "certificate") continue;
          const ends = new Set(
            s.entra.apps
              .filter((a) => a.appId.toLowerCase() === entra.appId.toLowerCase())
              .flatMap((a) => a.passwords)
              .filter((p) => p.keyId === entra.keyId)
              .map((p) => parsedEnd(p.endDateTime)),
          );
          // One key id with two different ends (generated duplicates, impossible in Entra) names no one password.
          if (ends.size !== 1) continue;
          const [end] = ends;
          if (end === undefined || end > now.getTime()) continue;
          expect(plan.findings.filter((f) => f.credential === credential.credential).map((f) => f.kind)).toContain("expired");
        }
      }),
      { numRuns: 400 },
    );
  });

  it("days left never grow as now grows (for the same credential and password)", () => {
    const offset = fc.integer({ min: -400 * DAY, max: 400 * DAY });
    fc.assert(
      fc.property(snapshot, offset, offset, (s, a, b) => {
        const [earlier, later] = [new Date(now.getTime() + Math.min(a, b)), new Date(now.getTime() + Math.max(a, b))];
        const left = (at: Date) =>
          new Map(buildPlan(s, policy, at, { vaultConfigured: true }).credentials.flatMap((c) => (c.daysLeft === undefined ? [] : [[`${c.credential} ${c.source.entra?.keyId ?? ""}`, c.daysLeft] as const])));
        const before = left(earlier);
        for (const [key, days] of left(later)) {
          if (before.has(key)) expect(days, key).toBeLessThanOrEqual(before.get(key)!);
        }
      }),
      { numRuns: 300 },
    );
  });
});
