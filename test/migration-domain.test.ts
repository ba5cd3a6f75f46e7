import { describe, expect, it } from "vitest";
import {
  describeMigration,
  federationSubjects,
  ficName,
  isOwnedFic,
  judgeEvidence,
  migrationAlert,
  nextMigrationAction,
  pipelineChange,
  planFederation,
  startMigration,
  type MigrationJournal,
  type MigrationRunContext,
  type ObservedFic,
} from "#shared/domain/migration/index.js";

// The pure rules of the migration: subjects, FIC names and ownership, the federation plan against Entra's
// rules, the pipeline change, the evidence and the next action.

const org = "0c9f5e7a-3d21-4b8e-a6f4-92d1c7e3b805";
const issuer = `https://oidc.circleci.com/org/${org}`;
const p1 = "9a3c6f0e-4b7d-4e21-a8c5-6d2f1b3e7a90";
const p2 = "3b8e1d6f-2a4c-4f9e-b7d1-8c5a2e4f6b03";
const u1 = "5d1f0a3b-7c2e-4e91-b8a6-1f4d3c2b9e70";
const u2 = "6e2a1b4c-8d3f-4fa2-89b7-2a5e4d3c0f81";
const aud = "api://AzureADTokenExchange";
const DAY = 86_400_000;

const oidc = (extra: Partial<{ projectIds: string[]; userIds: string[]; audience: string; branches: { vcsOrigin: string; refs: string[] } }> = {}) => ({
  projectIds: [p1],
  userIds: [u1],
  audience: aud,
  ...extra,
});

const foreign = (n: number): ObservedFic[] =>
  Array.from({ length: n }, (_, i) => ({ id: `f${i}`, name: `other-${i}`, issuer: "https://token.actions.githubusercontent.com", subject: `repo:acme/r${i}`, audiences: [aud] }));

function ours(credential: string, subject: string, audience = aud, id = subject): ObservedFic {
  return { id, name: ficName(credential, { issuer, subject, audience }), issuer, subject, audiences: [audience] };
}

describe("subjects", () => {
  it("one per project × user, and with branches one per ref in CircleCI's V2 form; duplicates in the policy count once", () => {
    expect(federationSubjects(org, oidc({ projectIds: [p1, p2, p1], userIds: [u1] })).map((s) => s.subject)).toEqual([
      `org/${org}/project/${p1}/user/${u1}`,
      `org/${org}/project/${p2}/user/${u1}`,
    ]);
    expect(federationSubjects(org, oidc({ branches: { vcsOrigin: "github.com/acme/api", refs: ["refs/heads/main"] } })).map((s) => s.subject)).toEqual([
      `org/${org}/project/${p1}/user/${u1}/vcs-origin/github.com/acme/api/vcs-ref/refs/heads/main`,
    ]);
  });
});

describe("FIC names", () => {
  it("are deterministic, URL-friendly, at most 120 characters, and owned only by their credential", () => {
    const subject = `org/${org}/project/${p1}/user/${u1}`;
    const name = ficName("deploy", { issuer, subject, audience: aud });
    expect(name).toBe(ficName("deploy", { issuer, subject, audience: aud }));
    expect(name).toMatch(/^watchdog-deploy-[0-9a-f]{12}$/);
    expect(ficName("deploy", { issuer, subject, audience: org })).not.toBe(name);
    expect(isOwnedFic("deploy", name)).toBe(true);
    expect(isOwnedFic("deploy-prod", name)).toBe(false);
    expect(isOwnedFic("deploy", "watchdog-deploy-prod-0123456789ab")).toBe(false);
    expect(isOwnedFic("deploy", "my-own-fic")).toBe(false);

    const long = "a".repeat(120);
    const longName = ficName(long, { issuer, subject, audience: aud });
    expect(longName.length).toBeLessThanOrEqual(120);
    expect(longName).toMatch(/^[A-Za-z0-9._~-]+$/);
    expect(isOwnedFic(long, longName)).toBe(true);
    expect(isOwnedFic(`${"a".repeat(119)}b`, longName)).toBe(false);
  });
});

describe("planFederation", () => {
  const input = { credential: "deploy", orgId: org, appLabel: "Entra app x" };

  it("keeps identical FICs, creates missing ones, removes the watchdog's unwanted ones and never lists foreign ones for removal", () => {
    const s1 = `org/${org}/project/${p1}/user/${u1}`;
    const gone = `org/${org}/project/${p1}/user/${u2}`;
    const plan = planFederation({ ...input, oidc: oidc({ projectIds: [p1, p2] }), existing: [ours("deploy", s1), ours("deploy", gone), ...foreign(2)] });
    if (!plan.ok) throw new Error(plan.message);
    expect(plan.keep.map((f) => f.subject)).toEqual([s1]);
    expect(plan.create.map((f) => f.subject)).toEqual([`org/${org}/project/${p2}/user/${u1}`]);
    expect(plan.remove.map((f) => f.subject)).toEqual([gone]);
    expect(plan.total).toBe(4);
  });

  it("a changed audience or an edited FIC of the watchdog's is replaced (removed first: issuer+subject stay unique)", () => {
    const s1 = `org/${org}/project/${p1}/user/${u1}`;
    const audienceChanged = planFederation({ ...input, oidc: oidc({ audience: org }), existing: [ours("deploy", s1)] });
    if (!audienceChanged.ok) throw new Error(audienceChanged.message);
    expect(audienceChanged.remove).toHaveLength(1);
    expect(audienceChanged.create.map((f) => f.audience)).toEqual([org]);

    const edited = { ...ours("deploy", s1), audiences: ["something-else"] };
    const replaced = planFederation({ ...input, oidc: oidc(), existing: [edited] });
    if (!replaced.ok) throw new Error(replaced.message);
    expect(replaced.remove).toEqual([edited]);
    expect(replaced.create).toHaveLength(1);
  });

  it("allows exactly 20 FICs on the app and refuses 21, counting FICs the watchdog does not own", () => {
    const four = oidc({ projectIds: [p1, p2], userIds: [u1, u2] });
    expect(planFederation({ ...input, oidc: four, existing: foreign(16) }).ok).toBe(true);
    const refused = planFederation({ ...input, oidc: four, existing: foreign(17) });
    expect(refused.ok).toBe(false);
    if (refused.ok) return;
    expect(refused.kind).toBe("fic-limit");
    expect(refused.message).toContain("21 > 20");
    // The watchdog's own FICs that go away make room.
    const stale = [ours("deploy", "stale-1"), ours("deploy", "stale-2")];
    expect(planFederation({ ...input, oidc: four, existing: [...foreign(16), ...stale] }).ok).toBe(true);
  });
});

describe("pipeline change", () => {
  const base = { orgId: org, branches: false, target: { kind: "context" as const, context: "prod" }, variable: "AZURE_CLIENT_SECRET", retireAfterQuietDays: 7 };
  it("asks CircleCI for a token with the audience, or uses the default tokens when the audience is the org id", () => {
    expect(pipelineChange({ ...base, audience: aud })).toContain(`TOKEN=$(circleci run oidc get --claims '{"aud":"api://AzureADTokenExchange"}')`);
    expect(pipelineChange({ ...base, audience: org })).toContain(`TOKEN="$CIRCLE_OIDC_TOKEN"`);
    expect(pipelineChange({ ...base, audience: org, branches: true })).toContain(`TOKEN="$CIRCLE_OIDC_TOKEN_V2"`);
    expect(pipelineChange({ ...base, audience: aud, branches: true })).toContain("V2 subject");
    for (const audience of [aud, org]) {
      expect(pipelineChange({ ...base, audience })).toContain(`az login --service-principal -u $AZURE_CLIENT_ID -t $AZURE_TENANT_ID --federated-token "$TOKEN"`);
    }
    expect(pipelineChange({ ...base, audience: aud })).toContain("no sign-in for 7 days");
  });
});

describe("evidence", () => {
  const now = new Date("2026-03-20T00:00:00Z");
  const since = "2026-03-01T00:00:00Z";
  it("is quiet only after quietDays from the later of the last sign-in and the pipeline change", () => {
    const key = (last: string | null) => ({ keyId: "k", available: true as const, lastSignInDateTime: last });
    expect(judgeEvidence({ keys: [key("2026-03-10T00:00:00Z")], quietDays: 7, waitingSince: since, now, reportingLagMs: 0 }).kind).toBe("quiet");
    const recent = judgeEvidence({ keys: [key("2026-03-15T00:00:00Z")], quietDays: 7, waitingSince: since, now, reportingLagMs: 0 });
    expect(recent).toMatchObject({ kind: "waiting", retireEarliestAt: "2026-03-22T00:00:00.000Z" });
    // Never signed in, but the change was published only 2 days ago.
    expect(judgeEvidence({ keys: [key(null)], quietDays: 7, waitingSince: "2026-03-18T00:00:00Z", now, reportingLagMs: 0 }).kind).toBe("waiting");
    // The latest of several passwords counts.
    expect(judgeEvidence({ keys: [key("2026-03-01T00:00:00Z"), key("2026-03-19T00:00:00Z")], quietDays: 7, waitingSince: since, now, reportingLagMs: 0 }).kind).toBe("waiting");
    expect(judgeEvidence({ keys: [key(null), { keyId: "x", available: false, reason: "403" }], quietDays: 7, waitingSince: since, now, reportingLagMs: 0 }).kind).toBe("unavailable");
  });
});

describe("journal, next action, status and alerts", () => {
  const at = "2026-03-01T00:00:00.000Z";
  const journal = (patch: Partial<MigrationJournal> = {}): MigrationJournal => ({
    ...startMigration({
      credential: "deploy",
      migrationId: "m1",
      actor: "timer",
      at,
      app: { appId: "11111111-2222-3333-4444-555555555555", objectId: "o1", displayName: "ci-deploy" },
      ci: { kind: "context", context: "prod", contextId: "c1", variable: "AZURE_CLIENT_SECRET" },
      oidc: { orgId: org, tenantId: "t", issuer, audience: aud, branches: null, retireAfterQuietDays: 7 },
      secret: { keyIds: ["k1"] },
      previous: null,
    }),
    ...patch,
  });
  const ctx = (patch: Partial<MigrationRunContext> = {}): MigrationRunContext => ({ snapshotComplete: true, restart: false, federationChecked: false, checked: null, ...patch });

  it("walks planned -> federate -> configure -> switch, and never retires without approval and a complete inventory", () => {
    expect(nextMigrationAction(null, ctx()).kind).toBe("plan");
    expect(nextMigrationAction(journal(), ctx()).kind).toBe("federate");
    const synced = { federation: { fics: [], coveredByOthers: [], syncedAt: at } };
    expect(nextMigrationAction(journal(synced), ctx({ federationChecked: true })).kind).toBe("configure");
    expect(nextMigrationAction(journal({ ...synced, state: "federated", idsSetAt: at }), ctx()).kind).toBe("switch");
    const waiting = journal({ ...synced, state: "waiting", idsSetAt: at, waitingSince: at });
    expect(nextMigrationAction(waiting, ctx()).kind).toBe("federate");
    expect(nextMigrationAction(waiting, ctx({ federationChecked: true })).kind).toBe("check");
    expect(nextMigrationAction(waiting, ctx({ federationChecked: true, checked: { approve: false } })).kind).toBe("wait");
    const approved = { approve: true as const, basis: "evidence" as const, keyIds: ["k1"] };
    expect(nextMigrationAction(waiting, ctx({ federationChecked: true, checked: approved })).kind).toBe("retire");
    expect(nextMigrationAction(waiting, ctx({ federationChecked: true, checked: approved, snapshotComplete: false })).kind).toBe("wait");
    // A retirement cut short finishes on its recorded grounds — on a complete inventory only.
    const halfRetired = { ...waiting, pending: { step: "retire" as const, since: at } };
    expect(nextMigrationAction(halfRetired, ctx()).kind).toBe("retire");
    expect(nextMigrationAction(halfRetired, ctx({ snapshotComplete: false })).kind).toBe("wait");
    // Rolled back: idle until a restart; an unfinished rollback keeps migrate away.
    expect(nextMigrationAction(journal({ state: "rolled-back" }), ctx()).kind).toBe("idle");
    expect(nextMigrationAction(journal({ state: "rolled-back" }), ctx({ restart: true })).kind).toBe("plan");
    expect(nextMigrationAction(journal({ rollback: { requestedBy: "cli", at, rotationId: null, removedFics: [] } }), ctx()).kind).toBe("idle");
  });

  it("describes each status, and raises one alert per status change with a stable id", () => {
    const waiting = journal({ state: "waiting", idsSetAt: at, waitingSince: at });
    const status = describeMigration(waiting, "deploy");
    expect(status.status).toBe("waiting");
    expect(status.pipelineChange).toContain("--federated-token");
    const before = describeMigration(journal(), "deploy");
    const alert = migrationAlert(before, status, waiting, at);
    expect(alert).toMatchObject({ kind: "migration", severity: "info", credential: "deploy", source: { circleci: { context: "prod", variable: "AZURE_CLIENT_SECRET" } } });
    expect(migrationAlert(before, status, waiting, "2026-03-02T00:00:00.000Z")?.id).toBe(alert?.id);
    expect(migrationAlert(status, status, waiting, at)).toBeNull();

    const blocked = journal({ state: "waiting", blocked: { kind: "no-evidence", reason: "the tenant cannot show sign-in activity (403)", since: at } });
    const blockedStatus = describeMigration(blocked, "deploy");
    expect(blockedStatus).toMatchObject({ status: "blocked", blocked: { kind: "no-evidence" } });
    expect(blockedStatus.nextStep).toContain("watchdog retire deploy --confirm");
    expect(migrationAlert(status, blockedStatus, blocked, at)?.severity).toBe("warning");
    expect(describeMigration(null, "deploy").status).toBe("not-started");
  });

  it("reads every ISO 8601 form Graph sends, counts quiet days only up to now minus the report's lag, and never calls an unreadable time quiet", () => {
    const key = (last: string | null) => ({ keyId: "k", available: true as const, lastSignInDateTime: last });
    const since = "2026-03-01T00:00:00Z";
    const now = new Date("2026-03-20T00:00:00Z");
    // The same instant, 2026-03-19T08:00:00Z, as Graph may write it: each is a sign-in 16 hours ago.
    for (const written of ["2026-03-19T00:00:00-8:00", "2026-03-19T00:00:00-08:00", "2026-03-19T08:00:00Z", "2026-03-19T08:00:00.1234567Z", "2026-03-19T09:00:00+0100"]) {
      expect(judgeEvidence({ keys: [key(written)], quietDays: 1, waitingSince: since, now, reportingLagMs: 0 }), written).toMatchObject({ kind: "waiting", lastSignInDateTime: expect.stringMatching(/^2026-03-19T08:00:00\.\d{3}Z$/) });
    }
    for (const unreadable of ["2026-03-19T08:00:00", "2026-03-19", "19/03/2026 08:00", "2026-02-30T08:00:00Z", "2026-03-19T08:00:00.12345678Z", "2026-03-19T08:00:00+15:00"]) {
      expect(judgeEvidence({ keys: [key(unreadable)], quietDays: 1, waitingSince: since, now, reportingLagMs: 0 }).kind, unreadable).toBe("unavailable");
    }
    // Quiet for 2 days by the report; with a 48-hour lag only 0 of them count.
    expect(judgeEvidence({ keys: [key("2026-03-18T00:00:00Z")], quietDays: 1, waitingSince: since, now, reportingLagMs: 0 }).kind).toBe("quiet");
    expect(judgeEvidence({ keys: [key("2026-03-18T00:00:00Z")], quietDays: 1, waitingSince: since, now, reportingLagMs: 48 * 3_600_000 })).toMatchObject({ kind: "waiting", retireEarliestAt: "2026-03-21T00:00:00.000Z" });
  });

  it("without evidence (403) the verdict still says when the quiet period since the pipeline change ends", () => {
    const verdict = judgeEvidence({ keys: [{ keyId: "k", available: false, reason: "403" }], quietDays: 7, waitingSince: at, now: new Date(Date.parse(at) + DAY), reportingLagMs: 0 });
    expect(verdict).toMatchObject({ kind: "unavailable", periodEndsAt: "2026-03-08T00:00:00.000Z" });
  });
});
