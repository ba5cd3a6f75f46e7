/**
 * Plans for the status-page tests, made the way production makes them: a Snapshot (what the adapters
 * would read) through the real buildPlan with a parsed policy, at a fixed clock.
 *
 *   seededReport()  small estate with hostile names, every status, days left on and around the chart's edges
 *   largePlan(n)    ~n credentials (default 3,000) for page-size and rendering checks
 *   estatePlan()    19,000 credentials shaped like the benchmark's large world, nearly all fine, a few in the policy
 */
import type { Plan, WatchedCredential } from "#shared/domain/finding.js";
import { buildPlan } from "#shared/domain/plan/index.js";
import { parsePolicy, type Policy } from "#shared/domain/policy/index.js";
import type { CiVariable, EntraApp, Snapshot } from "#shared/domain/snapshot.js";
import type { AuditEntry } from "#shared/ports/state-store.js";

export const reportNow = new Date("2026-03-01T12:00:00.000Z");
const DAY = 86_400_000;

/** Names that would run script if any of them reached the page unescaped (each opens a dialog or sets __xss). */
export const hostile = {
  img: `<img src=x onerror=alert(1)>`,
  script: `"><script>alert(2);window.__xss=1</script>`,
  attribute: `' onmouseover='alert(3)' x='`,
  svgTitle: `</title><script>window.__xss=1</script>`,
  svg: `<svg onload=alert(4)>`,
  style: `<style>body{display:none}</style>`,
} as const;

/** Expiry `days` from now, an hour short of the whole day, so that the plan's ceil() gives exactly `days`. */
const expiresIn = (days: number) => new Date(reportNow.getTime() + days * DAY - 3_600_000).toISOString();
const ago = (days: number) => new Date(reportNow.getTime() - days * DAY).toISOString();

function policyOf(yaml: string): Policy {
  const result = parsePolicy(yaml, { env: {} });
  if (!result.ok) throw new Error(`test policy is invalid: ${JSON.stringify(result.errors)}`);
  return result.policy;
}

let guidCounter = 0;
function guid(): string {
  guidCounter += 1;
  return `00000000-0000-4000-8000-${guidCounter.toString(16).padStart(12, "0")}`;
}

function app(displayName: string, passwords: Array<{ days: number; displayName?: string }>, appId = guid()): EntraApp {
  return {
    objectId: guid(),
    appId,
    displayName,
    tags: [],
    passwords: passwords.map((p) => ({ keyId: guid(), displayName: p.displayName ?? `${displayName} CircleCI`, startDateTime: ago(300), endDateTime: expiresIn(p.days) })),
    certificates: [],
  };
}

function contextVariable(contextName: string, name: string, ageDays: number): CiVariable {
  return { scope: { kind: "context", contextId: `ctx-${contextName}`, contextName }, name, createdAt: ago(ageDays + 10), updatedAt: ago(ageDays) };
}

export interface ExpectedMark {
  /** What the page calls the credential (its policy name, or "<app name> secret"). */
  label: string;
  daysLeft: number;
}

export interface SeededReport {
  plan: Plan;
  audit: AuditEntry[];
  /** Every credential with an expiry that the timeline must show (days left <= 90), expired ones included. */
  onChart: ExpectedMark[];
  /** Credentials with an expiry that the timeline must not show. */
  offChart: string[];
}

const prodDeployAppId = "11111111-2222-3333-4444-555555555555";
const legacyAppId = "44444444-5555-6666-7777-888888888888";

/**
 * A small estate: two policy credentials (one rotating, one expired), unbound Entra secrets at 1, 3, 7, 20
 * (twice: marks must stack), 45, 89 and 90 days (on the chart), 91 and 200 days (off it), expired today and
 * two days ago, a retiring password, long-lived CircleCI variables, and hostile names in every outside field.
 */
export function seededReport(): SeededReport {
  guidCounter = 0;
  const policy = policyOf(`version: 1
inventory: { maxAgeDays: 90, projects: [gh/acme/api] }
alerts: { thresholdsDays: [30, 14, 7, 3, 1] }
credentials:
  - name: prod-deploy
    circleci: { context: prod-deploy, variable: AZURE_CLIENT_SECRET }
    entra: { appId: ${prodDeployAppId} }
    action: rotate
    rotation: { validityDays: 90, rotateBeforeDays: 14, overlapHours: 24 }
    keyVault: { secretName: cci-prod-deploy }
  - name: legacy-reports
    circleci: { context: legacy-reports, variable: AZURE_CLIENT_SECRET }
    entra: { appId: ${legacyAppId} }
    action: watch
`);
  const unbound: Array<[string, number]> = [
    ["one-day-app", 1],
    ["three-day-app", 3],
    ["seven-day-app", 7],
    ["twenty-day-app", 20],
    ["twenty-day-twin", 20],
    ["forty-five-app", 45],
    ["eighty-nine-app", 89],
    ["ninety-day-app", 90],
    ["ninety-one-app", 91],
    ["two-hundred-app", 200],
    ["expired-today-app", 0],
    ["expired-two-days-app", -2],
    [hostile.img, 12],
    [hostile.script, 33],
    [hostile.svgTitle, 60],
  ];
  const snapshot: Snapshot = {
    takenAt: reportNow.toISOString(),
    circleci: {
      contexts: [
        { id: "ctx-prod-deploy", name: "prod-deploy", createdAt: ago(400) },
        { id: "ctx-legacy-reports", name: "legacy-reports", createdAt: ago(400) },
        { id: `ctx-${hostile.attribute}`, name: hostile.attribute, createdAt: ago(400) },
      ],
      variables: [
        contextVariable("prod-deploy", "AZURE_CLIENT_SECRET", 80),
        contextVariable("legacy-reports", "AZURE_CLIENT_SECRET", 370),
        contextVariable(hostile.attribute, hostile.svg, 500),
        contextVariable(hostile.attribute, "NPM_TOKEN", 20),
        { scope: { kind: "project", projectSlug: "gh/acme/api" }, name: hostile.style, createdAt: ago(120) },
      ],
      projects: ["gh/acme/api"],
    },
    entra: {
      apps: [
        app("ci-deploy-prod", [{ days: 10 }, { days: 5, displayName: "watchdog-rotation:prod-deploy:r1" }], prodDeployAppId),
        app("reports-legacy", [{ days: -6 }], legacyAppId),
        ...unbound.map(([name, days]) => app(name, [{ days }])),
      ],
    },
    keyVault: { secrets: [{ name: "cci-prod-deploy", enabled: true, tags: {}, expiresOn: expiresIn(10) }] },
    errors: [{ source: "circleci", where: `project ${hostile.img}`, message: `read failed: ${hostile.script}` }],
  };
  const plan = buildPlan(snapshot, policy, reportNow, { vaultConfigured: true });
  // Key Vault names reach the plan only through the (validated) policy; an outside one is seeded by hand.
  const vaultOnly: WatchedCredential = {
    credential: `entra:${guid()}:${guid()}`,
    bound: false,
    source: { entra: { appId: guid(), appName: hostile.style, keyId: guid(), credentialType: "password" }, keyVault: { secretName: hostile.img } },
    status: "ok",
    expiresAt: expiresIn(150),
    daysLeft: 150,
  };
  plan.credentials.push(vaultOnly);

  const audit = Array.from({ length: 25 }, (_, i): AuditEntry => ({
    at: new Date(reportNow.getTime() - (i + 1) * 3_600_000).toISOString(),
    event: i === 0 ? "rotation.pushed" : "alert.sent",
    actor: i === 0 ? "cli:alice" : "timer",
    subject: i === 1 ? hostile.script : `credential-${i}`,
    details: i === 1 ? { webhook: hostile.img, threshold: 7, retried: false, note: null } : { webhook: "ops" },
  }));

  const onChart: ExpectedMark[] = [
    { label: "prod-deploy", daysLeft: 10 },
    { label: "legacy-reports", daysLeft: -6 },
    ...unbound.filter(([, days]) => days <= 90).map(([name, days]) => ({ label: `${name} secret`, daysLeft: days })),
  ];
  const offChart = [...unbound.filter(([, days]) => days > 90).map(([name]) => `${name} secret`), `${hostile.style} secret`];
  return { plan, audit, onChart, offChart };
}

/**
 * A large estate: `count` credentials, four fifths CircleCI variables over 100 contexts, the rest Entra
 * client secrets over many apps, with days left from 60 days expired to a year ahead.
 */
export function largePlan(count = 3_000): Plan {
  guidCounter = 0;
  const secrets = Math.floor(count / 5);
  const variables = count - secrets;
  const apps: EntraApp[] = [];
  for (let i = 0; i < secrets; i += 4) {
    const passwords = Array.from({ length: Math.min(4, secrets - i) }, (_, k) => ({ days: ((i + k) * 37) % 425 - 60 }));
    apps.push(app(`service-${String(i / 4).padStart(4, "0")}-deployer`, passwords));
  }
  const contexts = Array.from({ length: 100 }, (_, i) => ({ id: `ctx-${i}`, name: `team-${String(i).padStart(3, "0")}-deploy`, createdAt: ago(800) }));
  const snapshot: Snapshot = {
    takenAt: reportNow.toISOString(),
    circleci: {
      contexts,
      variables: Array.from({ length: variables }, (_, i) => contextVariable(contexts[i % 100]!.name, `SERVICE_${String(i).padStart(4, "0")}_TOKEN`, (i * 13) % 700)),
      projects: [],
    },
    entra: { apps },
    keyVault: { secrets: [] },
    errors: [],
  };
  return buildPlan(snapshot, policyOf("version: 1\n"), reportNow, { vaultConfigured: true });
}

/** Variables the estate's policy binds (the first together with an Entra app); both fine. */
export const estateBoundVariables = ["SERVICE_06500_TOKEN", "SERVICE_06501_TOKEN"] as const;
const estateBoundAppId = "99999999-8888-4777-a666-555555555555";

/**
 * An estate like the benchmark's large world, 19,000 credentials: 13,001 CircleCI variables over 500 contexts
 * and 6,000 Entra client secrets (one per app, so every label is unique); the policy binds one variable and
 * one app together, so they count as one. Nearly all are fine: a few percent of the secrets have expired or
 * expire within 30 days, a quarter of the variables are older than maxAgeDays. The two policy credentials
 * are fine and deep in the middle of the order, so only being in the policy keeps them in the table.
 */
export function estatePlan(): Plan {
  guidCounter = 0;
  const policy = policyOf(`version: 1
inventory: { maxAgeDays: 90 }
credentials:
  - name: estate-app
    circleci: { context: team-000-deploy, variable: ${estateBoundVariables[0]} }
    entra: { appId: ${estateBoundAppId} }
    action: watch
  - name: estate-variable
    circleci: { context: team-001-deploy, variable: ${estateBoundVariables[1]} }
    action: watch
`);
  const contexts = Array.from({ length: 500 }, (_, i) => ({ id: `ctx-${i}`, name: `team-${String(i).padStart(3, "0")}-deploy`, createdAt: ago(800) }));
  // Ages 0..119 days: a quarter (91..119) are long-lived. The bound variables are 40 days old, fine.
  const variables = Array.from({ length: 13_001 }, (_, i) =>
    contextVariable(contexts[i % 500]!.name, `SERVICE_${String(i).padStart(5, "0")}_TOKEN`, i === 6_500 || i === 6_501 ? 40 : (i * 7) % 120),
  );
  // Days left -30..729: 4% expired, 4% within 30 days, the rest later. The bound app's secret has 300 days left.
  const apps = Array.from({ length: 6_000 }, (_, i) =>
    i === 3_000 ? app("estate-app", [{ days: 300 }], estateBoundAppId) : app(`service-${String(i).padStart(4, "0")}-deployer`, [{ days: ((i * 37) % 760) - 30 }]),
  );
  const snapshot: Snapshot = {
    takenAt: reportNow.toISOString(),
    circleci: { contexts, variables, projects: [] },
    entra: { apps },
    keyVault: { secrets: [] },
    errors: [],
  };
  return buildPlan(snapshot, policy, reportNow, { vaultConfigured: true });
}
