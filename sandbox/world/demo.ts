import { createHash } from "node:crypto";
import type { CircleWorld, EntraWorld, VaultWorld, WorldSpec } from "./spec.js";

const DAY = 86_400_000;

/** Fixed identifiers of the demo world, so docs and tests can name them. */
export const demoIds = {
  tenantId: "7f3c9a52-1b4e-4d2a-9c61-3e8f0b2d4a17",
  orgId: "0c9f5e7a-3d21-4b8e-a6f4-92d1c7e3b805",
  userId: "5d1f0a3b-7c2e-4e91-b8a6-1f4d3c2b9e70",
  managedIdentityClientId: "a3e5c7d9-1b2f-4a6c-8e0d-2f4b6d8a0c1e",
  projectIds: { api: "9a3c6f0e-4b7d-4e21-a8c5-6d2f1b3e7a90", web: "3b8e1d6f-2a4c-4f9e-b7d1-8c5a2e4f6b03" },
  apps: {
    deployProd: "11111111-2222-3333-4444-555555555555",
    deployStaging: "22222222-3333-4444-5555-666666666666",
    dataEtl: "33333333-4444-5555-6666-777777777777",
    reportsLegacy: "44444444-5555-6666-7777-888888888888",
    terraformCi: "55555555-6666-7777-8888-999999999999",
    marketingSite: "66666666-7777-8888-9999-aaaaaaaaaaaa",
    monitoringExporter: "77777777-8888-9999-aaaa-bbbbbbbbbbbb",
    backupRunner: "88888888-9999-aaaa-bbbb-cccccccccccc",
  },
} as const;

/** Deterministic stand-ins for ids and secret values: the same world every run. */
function derive(label: string, length = 40): string {
  return createHash("sha256").update(`secret-watchdog demo ${label}`).digest("base64url").slice(0, length);
}

function guid(label: string): string {
  const h = createHash("sha256").update(`guid ${label}`).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const iso = (now: Date, days: number, extraMs = 0) => new Date(now.getTime() + days * DAY + extraMs).toISOString();

interface DemoApp {
  key: keyof typeof demoIds.apps;
  name: string;
  /** Days until the live password expires (negative: already expired). */
  expiresInDays: number;
  ageDays: number;
  certificateExpiresInDays?: number;
}

const demoApps: DemoApp[] = [
  { key: "deployProd", name: "ci-deploy-prod", expiresInDays: 10, ageDays: 355 },
  { key: "deployStaging", name: "ci-deploy-staging", expiresInDays: 3, ageDays: 177 },
  { key: "dataEtl", name: "data-etl-pipeline", expiresInDays: 25, ageDays: 340 },
  { key: "reportsLegacy", name: "reports-legacy", expiresInDays: -6, ageDays: 371 },
  { key: "terraformCi", name: "terraform-ci", expiresInDays: 200, ageDays: 165 },
  { key: "marketingSite", name: "marketing-site-deployer", expiresInDays: -32, ageDays: 397 },
  { key: "monitoringExporter", name: "monitoring-exporter", expiresInDays: 10, ageDays: 170 },
  { key: "backupRunner", name: "backup-runner", expiresInDays: 200, ageDays: 165, certificateExpiresInDays: 25 },
];

export function demoPasswordValue(appKey: string): string {
  return `${derive(`pw-prefix ${appKey}`, 3)}8Q~${derive(`password ${appKey}`, 37)}`;
}

export function demoPasswordKeyId(appKey: string): string {
  return guid(`key ${appKey}`);
}

/**
 * The demo organisation: ~10 contexts with ~40 variables (some untouched for over a year), two projects,
 * eight app registrations whose secrets expire in 3, 10, 25 and 200 days or already have, and the matching
 * Key Vault secrets. Expiries sit 12 hours short of whole days, so that days left (rounded up) reads as seeded.
 */
export function demoWorld(now: Date): WorldSpec {
  const half = DAY / 2;
  const password = (app: DemoApp) => ({
    keyId: demoPasswordKeyId(app.key),
    displayName: `${app.name} CircleCI`,
    startDateTime: iso(now, -app.ageDays),
    endDateTime: iso(now, app.expiresInDays, -half),
    secretText: demoPasswordValue(app.key),
  });

  const entra: EntraWorld = {
    tenantId: demoIds.tenantId,
    managedIdentity: { clientId: demoIds.managedIdentityClientId, principalId: guid("mi principal"), identityHeader: derive("identity header", 32) },
    applications: demoApps.map((app) => ({
      id: guid(`object ${app.key}`),
      appId: demoIds.apps[app.key],
      displayName: app.name,
      tags: app.key === "terraformCi" ? ["circleci-context:terraform"] : [],
      passwordCredentials: [password(app)],
      keyCredentials:
        app.certificateExpiresInDays === undefined
          ? []
          : [
              {
                keyId: guid(`cert ${app.key}`),
                displayName: `CN=${app.name}`,
                startDateTime: iso(now, -340),
                endDateTime: iso(now, app.certificateExpiresInDays, -half),
                type: "AsymmetricX509Cert",
                usage: "Verify",
              },
            ],
      federatedIdentityCredentials: [],
    })),
    signIns: demoApps.map((app) => ({ keyId: demoPasswordKeyId(app.key), appId: demoIds.apps[app.key], lastSignInDateTime: iso(now, -1) })),
    signInReportsAvailable: true,
  };

  const variable = (name: string, ageDays: number, value = derive(`var ${name} ${ageDays}`, 32)) => ({
    name,
    value,
    createdAt: iso(now, -ageDays - 30),
    updatedAt: iso(now, -ageDays),
  });
  const azure = (prefix: "AZURE" | "ARM", app: DemoApp, ageDays: number) => [
    variable(`${prefix}_CLIENT_ID`, ageDays, demoIds.apps[app.key]),
    variable(`${prefix}_TENANT_ID`, ageDays, demoIds.tenantId),
    variable(`${prefix}_CLIENT_SECRET`, ageDays, demoPasswordValue(app.key)),
  ];
  const app = (key: DemoApp["key"]) => demoApps.find((a) => a.key === key)!;
  type Restriction = NonNullable<CircleWorld["contexts"][number]["restrictions"]>[number];
  const toApi = (label: string): Restriction => ({ id: guid(`restriction ${label} api`), type: "project", value: demoIds.projectIds.api, name: "api" });
  const toWeb = (label: string): Restriction => ({ id: guid(`restriction ${label} web`), type: "project", value: demoIds.projectIds.web, name: "web" });
  const mainOnly = (label: string): Restriction => ({
    id: guid(`restriction ${label} main`),
    type: "expression",
    value: 'pipeline.git.branch == "main" and not job.ssh.enabled',
    name: "",
  });
  const platformTeam = (label: string): Restriction => ({ id: guid(`restriction ${label} group`), type: "group", value: guid("group platform"), name: "platform" });
  // Every context is restricted but aws-prod, which holds long-lived AWS keys any project can use: the demo's exposed context.
  const context = (name: string, ageDays: number, variables: CircleWorld["contexts"][number]["variables"], restrictions: Restriction[]) => ({
    id: guid(`context ${name}`),
    name,
    createdAt: iso(now, -ageDays - 60),
    variables,
    restrictions,
  });

  const circleci: CircleWorld = {
    token: `CCIPAT_${derive("circle token", 40)}`,
    org: { id: demoIds.orgId, slug: "gh/acme", name: "acme", vcsType: "github" },
    user: { id: demoIds.userId, login: "acme-deployer", name: "Acme Deployer" },
    contexts: [
      context("prod-deploy", 355, [...azure("AZURE", app("deployProd"), 355), variable("AZURE_SUBSCRIPTION_ID", 355, guid("sub prod"))], [toApi("prod"), mainOnly("prod")]),
      context("staging-deploy", 177, [...azure("AZURE", app("deployStaging"), 177), variable("AZURE_SUBSCRIPTION_ID", 177, guid("sub staging"))], [toApi("staging")]),
      context("data-pipeline", 340, [...azure("ARM", app("dataEtl"), 340), variable("WAREHOUSE_DSN", 45)], [toApi("data")]),
      context("legacy-reports", 371, [...azure("AZURE", app("reportsLegacy"), 371), variable("REPORTS_SMTP_PASSWORD", 610)], [toWeb("legacy")]),
      context("terraform", 165, [...azure("ARM", app("terraformCi"), 165), variable("ARM_SUBSCRIPTION_ID", 165, guid("sub tf")), variable("TF_API_TOKEN", 120)], [toApi("terraform")]),
      context("docker-hub", 500, [variable("DOCKER_LOGIN", 500, "acme-bot"), variable("DOCKER_PASSWORD", 500)], [platformTeam("docker")]),
      context("npm-publish", 200, [variable("NPM_TOKEN", 200), variable("NPM_REGISTRY", 200, "https://registry.npmjs.org/")], [toWeb("npm"), mainOnly("npm")]),
      context("aws-prod", 420, [variable("AWS_ACCESS_KEY_ID", 420), variable("AWS_SECRET_ACCESS_KEY", 420), variable("AWS_REGION", 420, "eu-west-1")], []),
      context("notifications", 30, [variable("SLACK_WEBHOOK_URL", 30), variable("PAGERDUTY_ROUTING_KEY", 95)], [platformTeam("notifications")]),
      context("quality", 60, [
        variable("SONAR_TOKEN", 60),
        variable("CODECOV_TOKEN", 12),
        variable("SENTRY_AUTH_TOKEN", 150),
        variable("SNYK_TOKEN", 75),
        variable("PERCY_TOKEN", 20),
        variable("CYPRESS_RECORD_KEY", 5),
        variable("LHCI_GITHUB_APP_TOKEN", 400),
        variable("DATADOG_API_KEY", 88),
        variable("DATADOG_APP_KEY", 88),
        variable("GITHUB_TOKEN", 33),
        variable("BROWSERSTACK_ACCESS_KEY", 230),
        variable("BROWSERSTACK_USERNAME", 230, "acme"),
      ], [toApi("quality"), toWeb("quality")]),
    ],
    projects: [
      {
        slug: "gh/acme/api",
        id: demoIds.projectIds.api,
        name: "api",
        followed: true,
        variables: [
          { name: "DATABASE_URL", value: derive("database url", 40), createdAt: iso(now, -400) },
          { name: "AZURE_CLIENT_SECRET", value: demoPasswordValue("monitoringExporter"), createdAt: iso(now, -170) },
          { name: "FEATURE_FLAGS_KEY", value: derive("flags", 24), createdAt: iso(now, -20) },
        ],
      },
      {
        slug: "gh/acme/web",
        id: demoIds.projectIds.web,
        name: "web",
        followed: true,
        variables: [
          { name: "CDN_PURGE_TOKEN", value: derive("cdn", 30), createdAt: iso(now, -95) },
          { name: "ANALYTICS_WRITE_KEY", value: derive("analytics", 30), createdAt: iso(now, -8) },
        ],
      },
    ],
  };

  const vaultSecret = (name: string, appKey: DemoApp["key"]) => {
    const a = app(appKey);
    return {
      name,
      versions: [
        {
          value: demoPasswordValue(appKey),
          contentType: "text/plain",
          tags: { appId: demoIds.apps[appKey], keyId: demoPasswordKeyId(appKey), managedBy: "secret-watchdog" },
          expiresOn: iso(now, a.expiresInDays, -half),
          createdOn: iso(now, -a.ageDays),
          enabled: true,
        },
      ],
    };
  };
  const keyVault: VaultWorld = {
    name: "acme-ci-secrets",
    secrets: [
      vaultSecret("cci-prod-deploy", "deployProd"),
      vaultSecret("cci-staging-deploy", "deployStaging"),
      {
        name: "docker-hub-password",
        versions: [{ value: derive("var DOCKER_PASSWORD 500", 32), createdOn: iso(now, -500), expiresOn: iso(now, 40, -half), tags: { owner: "platform" } }],
      },
    ],
  };

  return { circleci, entra, keyVault };
}

/** The demo policy `npm start` runs with (YAML), referencing settings through ${ENV}. */
export const demoPolicyYaml = `# secret-watchdog policy for the sandbox demo world
version: 1
inventory:
  maxAgeDays: 90
  projects: [gh/acme/api, gh/acme/web]
alerts:
  thresholdsDays: [30, 14, 7, 3, 1]
  webhooks:
    - name: ops
      kind: generic
      url: \${OPS_WEBHOOK_URL}
      signingSecret: \${OPS_WEBHOOK_SECRET}
    - name: platform-slack
      kind: slack
      url: \${SLACK_WEBHOOK_URL}
    - name: platform-teams
      kind: teams
      url: \${TEAMS_WEBHOOK_URL}
credentials:
  - name: prod-deploy
    circleci: { context: prod-deploy, variable: AZURE_CLIENT_SECRET }
    entra: { appId: ${demoIds.apps.deployProd} }
    action: rotate
    rotation: { validityDays: 90, rotateBeforeDays: 14, overlapHours: 24 }
    keyVault: { secretName: cci-prod-deploy }
  - name: staging-deploy
    circleci: { context: staging-deploy, variable: AZURE_CLIENT_SECRET }
    entra: { appId: ${demoIds.apps.deployStaging} }
    action: rotate
    rotation: { validityDays: 90, rotateBeforeDays: 14, overlapHours: 24 }
  - name: data-pipeline
    circleci: { context: data-pipeline, variable: ARM_CLIENT_SECRET }
    entra: { appId: ${demoIds.apps.dataEtl} }
    action: watch
  - name: legacy-reports
    circleci: { context: legacy-reports, variable: AZURE_CLIENT_SECRET }
    entra: { appId: ${demoIds.apps.reportsLegacy} }
    action: watch
  - name: terraform
    circleci: { context: terraform, variable: ARM_CLIENT_SECRET }
    entra: { appId: ${demoIds.apps.terraformCi} }
    action: oidc
    oidc:
      projectIds: [${demoIds.projectIds.api}]
      userIds: [${demoIds.userId}]
      audience: api://AzureADTokenExchange
      retireAfterQuietDays: 7
`;
