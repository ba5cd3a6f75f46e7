import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { formatIssue, parsePolicy, type Policy } from "#shared/domain/policy/index.js";

const appId = "11111111-2222-3333-4444-555555555555";
const projectId = "9a3c6f0e-4b7d-4e21-a8c5-6d2f1b3e7a90";
const userId = "5d1f0a3b-7c2e-4e91-b8a6-1f4d3c2b9e70";
const secret24 = `whsec_${Buffer.alloc(24, 7).toString("base64")}`;
const secret23 = `whsec_${Buffer.alloc(23, 7).toString("base64")}`;

type Doc = Record<string, unknown>;

const watch = (overrides: Doc = {}): Doc => ({ name: "ci-token", circleci: { context: "ci", variable: "TOKEN" }, action: "watch", ...overrides });
const rotate = (overrides: Doc = {}): Doc => ({
  name: "prod-deploy",
  circleci: { context: "prod-deploy", variable: "AZURE_CLIENT_SECRET" },
  entra: { appId },
  action: "rotate",
  rotation: {},
  ...overrides,
});
const oidc = (overrides: Doc = {}): Doc => ({
  name: "api-deploy",
  circleci: { project: "gh/acme/api", variable: "AZURE_CLIENT_SECRET" },
  entra: { appId },
  action: "oidc",
  oidc: { projectIds: [projectId], userIds: [userId] },
  ...overrides,
});
const generic = (overrides: Doc = {}): Doc => ({ name: "ops", kind: "generic", url: "https://hooks.example.com/w", signingSecret: secret24, ...overrides });

const policyWith = (parts: Doc = {}): Doc => ({ version: 1, ...parts });

/** Parses a document (written as YAML, the way users write it) and returns the formatted issues. */
function issues(document: Doc): string[] {
  const result = parsePolicy(stringify(document), { filename: "watchdog.policy.yaml", env: {} });
  return result.ok ? [] : result.errors.map(formatIssue);
}

function valid(document: Doc): Policy {
  const result = parsePolicy(stringify(document), { filename: "watchdog.policy.yaml", env: {} });
  if (!result.ok) throw new Error(`expected a valid policy, got:\n${result.errors.map(formatIssue).join("\n")}`);
  return result.policy;
}

describe("policy defaults", () => {
  it("fills every default of contract §2", () => {
    const policy = valid(policyWith({ credentials: [rotate(), oidc()] }));
    expect(policy.inventory).toEqual({ maxAgeDays: 90, projects: [], followedProjects: false, allProjects: false, exposure: "warn" });
    expect(policy.alerts).toEqual({ thresholdsDays: [30, 14, 7, 3, 1], webhooks: [] });
    const [rotating, migrating] = policy.credentials;
    expect(rotating).toMatchObject({ keyVault: { secretName: "cci-prod-deploy" }, rotation: { validityDays: 90, rotateBeforeDays: 30, overlapHours: 24 } });
    expect(migrating).toMatchObject({ oidc: { audience: "api://AzureADTokenExchange", retireAfterQuietDays: 7 } });
    expect(migrating).not.toHaveProperty("oidc.branches");
  });

  it("accepts a bare `version: 1` and keeps explicit values", () => {
    expect(valid(policyWith()).credentials).toEqual([]);
    const policy = valid(
      policyWith({
        inventory: { maxAgeDays: 30, projects: ["gh/acme/api"], followedProjects: true, exposure: "ignore" },
        credentials: [rotate({ rotation: { validityDays: 60, rotateBeforeDays: 10, overlapHours: 0 }, keyVault: { secretName: "custom-name" } })],
      }),
    );
    expect(policy.inventory).toEqual({ maxAgeDays: 30, projects: ["gh/acme/api"], followedProjects: true, allProjects: false, exposure: "ignore" });
    expect(policy.credentials[0]).toMatchObject({ rotation: { validityDays: 60, rotateBeforeDays: 10, overlapHours: 0 }, keyVault: { secretName: "custom-name" } });
  });

  it("types credentials by action and binds exactly one CircleCI scope", () => {
    const policy = valid(policyWith({ credentials: [watch(), rotate(), oidc({ entra: { appId: appId.toUpperCase() } })] }));
    const [watching, rotating, migrating] = policy.credentials;
    expect(watching).toEqual({ name: "ci-token", circleci: { context: "ci", variable: "TOKEN" }, action: "watch", keyVault: { secretName: "cci-ci-token" } });
    expect(rotating?.action === "rotate" && rotating.rotation.validityDays).toBe(90);
    expect(migrating?.circleci).toEqual({ project: "gh/acme/api", variable: "AZURE_CLIENT_SECRET" });
    // GUIDs are compared with what Graph reports, which is lower case.
    expect(migrating?.entra?.appId).toBe(appId);
  });

  it("stores thresholds unique and largest first", () => {
    expect(valid(policyWith({ alerts: { thresholdsDays: [1, 30, 7] } })).alerts.thresholdsDays).toEqual([30, 7, 1]);
  });
});

describe("policy rules: each is enforced with its path and a human message", () => {
  const cases: Array<[string, Doc, string[]]> = [
    ["version is required", { credentials: [] }, ["version: required (version: 1)"]],
    ["only version 1 exists", policyWith({ version: 2 }), ["version: expected 1, the only version of the policy format"]],
    ["unknown root key", policyWith({ credential: [] }), ['(root): unknown key "credential" (did you mean "credentials"?)']],
    ["unknown nested key", policyWith({ inventory: { maxAgeDays: 10, projets: [] } }), ['inventory: unknown key "projets" (did you mean "projects"?)']],
    ["unknown key without a near match", policyWith({ credentials: [watch({ colour: "red" })] }), ['credentials[0]: unknown key "colour"']],
    ["maxAgeDays is a number", policyWith({ inventory: { maxAgeDays: "ninety" } }), ["inventory.maxAgeDays: expected a number, got string"]],
    ["maxAgeDays is positive", policyWith({ inventory: { maxAgeDays: 0 } }), ["inventory.maxAgeDays: must be at least 1"]],
    ["followedProjects is a boolean", policyWith({ inventory: { followedProjects: "yes" } }), ["inventory.followedProjects: expected true or false, got string"]],
    ["project slugs", policyWith({ inventory: { projects: ["acme/api"] } }), ["inventory.projects[0]: expected a project slug like gh/acme/api"]],
    ["credentials is a list", policyWith({ credentials: { name: "x" } }), ["credentials: expected a list, got an object"]],
    ["a credential is an object", policyWith({ credentials: ["prod"] }), ["credentials[0]: expected an object (a mapping), got string"]],
    ["name is required", policyWith({ credentials: [watch({ name: undefined })] }), ["credentials[0].name: required"]],
    ["name charset", policyWith({ credentials: [watch({ name: "Prod_Deploy" })] }), ["credentials[0].name: use lower-case letters, digits and - only"]],
    [
      "names are unique",
      policyWith({ credentials: [watch(), watch({ circleci: { context: "other", variable: "TOKEN" } })] }),
      ["credentials[1].name: duplicate credential name (same as credentials[0])"],
    ],
    ["circleci is required", policyWith({ credentials: [watch({ circleci: undefined })] }), ["credentials[0].circleci: required"]],
    [
      "circleci: context or project, not both",
      policyWith({ credentials: [watch({ circleci: { context: "ci", project: "gh/acme/api", variable: "TOKEN" } })] }),
      ["credentials[0].circleci: give either context or project, not both"],
    ],
    [
      "circleci: one of context or project",
      policyWith({ credentials: [watch({ circleci: { variable: "TOKEN" } })] }),
      ["credentials[0].circleci: required: context (a context variable) or project (a project variable)"],
    ],
    ["circleci.variable is required", policyWith({ credentials: [watch({ circleci: { context: "ci" } })] }), ["credentials[0].circleci.variable: required"]],
    [
      "variable names follow CircleCI",
      policyWith({ credentials: [watch({ circleci: { context: "ci", variable: "1TOKEN" } })] }),
      ["credentials[0].circleci.variable: a CircleCI variable name is letters, digits and _, not starting with a digit"],
    ],
    [
      "two credentials cannot bind one context variable",
      policyWith({ credentials: [watch(), watch({ name: "other" })] }),
      ["credentials[1].circleci: binds the same CircleCI variable as credentials[0]"],
    ],
    [
      "two credentials cannot bind one project variable",
      policyWith({ credentials: [oidc(), watch({ name: "other", circleci: { project: "gh/acme/api", variable: "AZURE_CLIENT_SECRET" } })] }),
      ["credentials[1].circleci: binds the same CircleCI variable as credentials[0]"],
    ],
    [
      "two credentials cannot share one Key Vault secret (issue 10 item 3)",
      policyWith({
        credentials: [
          rotate({ keyVault: { secretName: "cci-shared" } }),
          rotate({ name: "staging-deploy", circleci: { context: "staging-deploy", variable: "AZURE_CLIENT_SECRET" }, keyVault: { secretName: "CCI-Shared" } }),
        ],
      }),
      [
        `credentials[1].keyVault.secretName: Key Vault secret "cci-shared" is also credentials[0].keyVault.secretName (names compare case-insensitively); two credentials cannot share one secret: rotating one would retire the other's live password. Give each its own keyVault.secretName`,
      ],
    ],
    [
      "an explicit Key Vault secret name cannot take another credential's default",
      policyWith({ credentials: [rotate(), watch({ keyVault: { secretName: "cci-prod-deploy" } })] }),
      [
        `credentials[1].keyVault.secretName: Key Vault secret "cci-prod-deploy" is also credentials[0].keyVault.secretName (its default) (names compare case-insensitively); two credentials cannot share one secret: rotating one would retire the other's live password. Give each its own keyVault.secretName`,
      ],
    ],
    ["action is required", policyWith({ credentials: [watch({ action: undefined })] }), ["credentials[0].action: required"]],
    ["action values", policyWith({ credentials: [watch({ action: "delete" })] }), ['credentials[0].action: expected "watch" | "rotate" | "oidc"']],
    ["appId is a GUID", policyWith({ credentials: [watch({ entra: { appId: "my-app" } })] }), ["credentials[0].entra.appId: expected a GUID like 11111111-2222-3333-4444-555555555555"]],
    ["entra is required for rotate", policyWith({ credentials: [rotate({ entra: undefined })] }), ["credentials[0].entra: required for action: rotate (the app registration whose secret it is)"]],
    ["entra is required for oidc", policyWith({ credentials: [oidc({ entra: undefined })] }), ["credentials[0].entra: required for action: oidc (the app registration whose secret it is)"]],
    ["rotation is required for rotate", policyWith({ credentials: [rotate({ rotation: undefined })] }), ["credentials[0].rotation: required for action: rotate (an empty {} takes the defaults)"]],
    ["rotation only with rotate", policyWith({ credentials: [watch({ rotation: {} })] }), ["credentials[0].rotation: only allowed with action: rotate"]],
    ["validityDays is a number", policyWith({ credentials: [rotate({ rotation: { validityDays: "90" } })] }), ["credentials[0].rotation.validityDays: expected a number, got string"]],
    ["validityDays at least 1", policyWith({ credentials: [rotate({ rotation: { validityDays: 0, rotateBeforeDays: 1 } })] }), ["credentials[0].rotation.validityDays: must be at least 1"]],
    ["validityDays at most 730", policyWith({ credentials: [rotate({ rotation: { validityDays: 731 } })] }), ["credentials[0].rotation.validityDays: must be at most 730"]],
    ["validityDays whole", policyWith({ credentials: [rotate({ rotation: { validityDays: 90.5 } })] }), ["credentials[0].rotation.validityDays: expected a whole number"]],
    ["rotateBeforeDays at least 1", policyWith({ credentials: [rotate({ rotation: { rotateBeforeDays: 0 } })] }), ["credentials[0].rotation.rotateBeforeDays: must be at least 1"]],
    [
      "rotateBeforeDays below validityDays",
      policyWith({ credentials: [rotate({ rotation: { validityDays: 20 } })] }),
      ["credentials[0].rotation.rotateBeforeDays: must be less than validityDays, or every new secret would be due at once (defaults: rotateBeforeDays 30, validityDays 90)"],
    ],
    ["overlapHours at least 0", policyWith({ credentials: [rotate({ rotation: { overlapHours: -1 } })] }), ["credentials[0].rotation.overlapHours: must be at least 0"]],
    ["overlapHours at most 720", policyWith({ credentials: [rotate({ rotation: { overlapHours: 721 } })] }), ["credentials[0].rotation.overlapHours: must be at most 720"]],
    ["unknown rotation key", policyWith({ credentials: [rotate({ rotation: { validityDay: 10 } })] }), ['credentials[0].rotation: unknown key "validityDay" (did you mean "validityDays"?)']],
    ["keyVault secret names", policyWith({ credentials: [rotate({ keyVault: { secretName: "cci_prod" } })] }), ["credentials[0].keyVault.secretName: a Key Vault secret name is letters, digits and - only"]],
    ["oidc is required for oidc", policyWith({ credentials: [oidc({ oidc: undefined })] }), ["credentials[0].oidc: required for action: oidc (projectIds and userIds)"]],
    ["oidc only with oidc", policyWith({ credentials: [rotate({ oidc: { projectIds: [projectId], userIds: [userId] } })] }), ["credentials[0].oidc: only allowed with action: oidc"]],
    ["projectIds non-empty", policyWith({ credentials: [oidc({ oidc: { projectIds: [], userIds: [userId] } })] }), ["credentials[0].oidc.projectIds: must not be empty"]],
    ["userIds required", policyWith({ credentials: [oidc({ oidc: { projectIds: [projectId] } })] }), ["credentials[0].oidc.userIds: required"]],
    [
      "userIds are GUIDs",
      policyWith({ credentials: [oidc({ oidc: { projectIds: [projectId], userIds: [userId, "alice"] } })] }),
      ["credentials[0].oidc.userIds[1]: expected a GUID like 11111111-2222-3333-4444-555555555555"],
    ],
    [
      "branches need refs",
      policyWith({ credentials: [oidc({ oidc: { projectIds: [projectId], userIds: [userId], branches: { vcsOrigin: "github.com/acme/api", refs: [] } } })] }),
      ["credentials[0].oidc.branches.refs: must not be empty"],
    ],
    [
      "vcsOrigin has no scheme",
      policyWith({ credentials: [oidc({ oidc: { projectIds: [projectId], userIds: [userId], branches: { vcsOrigin: "https://github.com/acme/api", refs: ["refs/heads/main"] } } })] }),
      ["credentials[0].oidc.branches.vcsOrigin: expected a VCS origin like github.com/acme/api (no scheme)"],
    ],
    [
      "at most 20 federated credentials per app",
      policyWith({
        credentials: [
          oidc({
            oidc: {
              projectIds: [projectId, appId],
              userIds: [userId, "aaaaaaaa-2222-3333-4444-555555555555", "bbbbbbbb-2222-3333-4444-555555555555"],
              branches: { vcsOrigin: "github.com/acme/api", refs: ["refs/heads/main", "refs/heads/a", "refs/heads/b", "refs/heads/c"] },
            },
          }),
        ],
      }),
      [
        'credentials[0].oidc: needs 24 federated credentials (projectIds × userIds × refs); Entra allows at most 20 per app. The OIDC broker needs one per role instead (oidc.mode: broker with a role of broker.roles, README "OIDC broker"), or let one bot user trigger the deploys',
      ],
    ],
    ["thresholds positive", policyWith({ alerts: { thresholdsDays: [30, 0] } }), ["alerts.thresholdsDays[1]: must be at least 1"]],
    ["thresholds whole", policyWith({ alerts: { thresholdsDays: [30, 2.5] } }), ["alerts.thresholdsDays[1]: expected a whole number"]],
    ["thresholds unique", policyWith({ alerts: { thresholdsDays: [30, 7, 30] } }), ["alerts.thresholdsDays[2]: duplicate threshold (same as thresholdsDays[0])"]],
    ["thresholds non-empty", policyWith({ alerts: { thresholdsDays: [] } }), ["alerts.thresholdsDays: must not be empty"]],
    ["webhook kinds", policyWith({ alerts: { webhooks: [generic({ kind: "discord" })] } }), ['alerts.webhooks[0].kind: expected "generic" | "slack" | "teams"']],
    [
      "webhook names unique",
      policyWith({ alerts: { webhooks: [generic(), generic({ kind: "slack", signingSecret: undefined })] } }),
      ["alerts.webhooks[1].name: duplicate webhook name (same as alerts.webhooks[0])"],
    ],
    [
      "webhook url is https",
      policyWith({ alerts: { webhooks: [generic({ url: "http://hooks.example.com/w" })] } }),
      ["alerts.webhooks[0].url: must be an https URL (http is allowed only for localhost, 127.0.0.1 and ::1)"],
    ],
    ["webhook url is a URL", policyWith({ alerts: { webhooks: [generic({ url: "hooks.example.com" })] } }), ["alerts.webhooks[0].url: expected an absolute URL (https://…)"]],
    [
      "generic webhooks need a signing secret",
      policyWith({ alerts: { webhooks: [generic({ signingSecret: undefined })] } }),
      ["alerts.webhooks[0].signingSecret: required for kind: generic (requests are signed per Standard Webhooks)"],
    ],
    [
      "slack webhooks are not signed",
      policyWith({ alerts: { webhooks: [generic({ kind: "slack" })] } }),
      ["alerts.webhooks[0].signingSecret: not allowed for kind: slack (only generic receivers verify signatures)"],
    ],
    [
      "teams webhooks are not signed",
      policyWith({ alerts: { webhooks: [generic({ kind: "teams" })] } }),
      ["alerts.webhooks[0].signingSecret: not allowed for kind: teams (only generic receivers verify signatures)"],
    ],
    [
      "signing secret prefix",
      policyWith({ alerts: { webhooks: [generic({ signingSecret: Buffer.alloc(32).toString("base64") })] } }),
      ["alerts.webhooks[0].signingSecret: expected whsec_<base64> (a Standard Webhooks signing secret)"],
    ],
    ["signing secret base64", policyWith({ alerts: { webhooks: [generic({ signingSecret: "whsec_not*base64!" })] } }), ["alerts.webhooks[0].signingSecret: the part after whsec_ is not valid base64"]],
    [
      "signing secret of at least 24 bytes",
      policyWith({ alerts: { webhooks: [generic({ signingSecret: secret23 })] } }),
      ["alerts.webhooks[0].signingSecret: must decode to at least 24 bytes (use 24–64 random bytes)"],
    ],
  ];

  it.each(cases)("%s", (_title, document, expected) => {
    expect(issues(document)).toEqual(expected);
  });

  it("reports every issue of a file, not only the first", () => {
    const found = issues({
      version: 3,
      inventory: { maxAgeDays: "x" },
      alerts: { thresholdsDays: [7, 7], webhooks: [generic({ signingSecret: undefined }), generic()] },
      credentials: [
        rotate({ rotation: { validityDays: "90", overlapHours: 1.5 }, extra: true }),
        watch({ name: "BAD" }),
        oidc({ name: "prod-deploy", circleci: { context: "prod-deploy", variable: "AZURE_CLIENT_SECRET" }, oidc: undefined }),
      ],
    });
    expect(found).toEqual(
      expect.arrayContaining([
        "version: expected 1, the only version of the policy format",
        "inventory.maxAgeDays: expected a number, got string",
        "alerts.thresholdsDays[1]: duplicate threshold (same as thresholdsDays[0])",
        "alerts.webhooks[0].signingSecret: required for kind: generic (requests are signed per Standard Webhooks)",
        "alerts.webhooks[1].name: duplicate webhook name (same as alerts.webhooks[0])",
        "credentials[0].rotation.validityDays: expected a number, got string",
        "credentials[0].rotation.overlapHours: expected a whole number",
        'credentials[0]: unknown key "extra" (did you mean "entra"?)',
        "credentials[1].name: use lower-case letters, digits and - only",
        "credentials[2].oidc: required for action: oidc (projectIds and userIds)",
        "credentials[2].name: duplicate credential name (same as credentials[0])",
        "credentials[2].circleci: binds the same CircleCI variable as credentials[0]",
      ]),
    );
    expect(found).toHaveLength(12);
  });

  it("accepts http only for loopback receivers", () => {
    for (const url of ["http://127.0.0.1:8080/hook", "http://localhost/hook", "http://[::1]:9/x", "https://hooks.slack.com/services/T/B/X"]) {
      expect(issues(policyWith({ alerts: { webhooks: [generic({ url })] } })), url).toEqual([]);
    }
    for (const url of ["http://10.0.0.1/hook", "http://localhost.example.com/x", "ftp://127.0.0.1/x"]) {
      expect(issues(policyWith({ alerts: { webhooks: [generic({ url })] } })), url).toHaveLength(1);
    }
  });

  it("accepts signing secrets with or without base64 padding", () => {
    const unpadded = `whsec_${Buffer.alloc(25, 1).toString("base64").replace(/=+$/, "")}`;
    expect(issues(policyWith({ alerts: { webhooks: [generic({ signingSecret: unpadded })] } }))).toEqual([]);
    expect(issues(policyWith({ alerts: { webhooks: [generic({ signingSecret: secret24 })] } }))).toEqual([]);
  });

  it("watch credentials may omit entra; rotation defaults apply field by field", () => {
    expect(issues(policyWith({ credentials: [watch(), watch({ name: "with-app", circleci: { context: "ci", variable: "OTHER" }, entra: { appId } })] }))).toEqual([]);
    const policy = valid(policyWith({ credentials: [rotate({ rotation: { validityDays: 365 } })] }));
    expect(policy.credentials[0]).toMatchObject({ rotation: { validityDays: 365, rotateBeforeDays: 30, overlapHours: 24 } });
  });
});

describe("webhook digests and batches", () => {
  it("takes digestAbove on chat sinks and batch on generic ones, and refuses them the other way round, naming the path", () => {
    const policy = valid(policyWith({ alerts: { webhooks: [{ name: "chat", kind: "slack", url: "https://hooks.slack.com/services/T/B/x", digestAbove: 5 }, generic({ batch: true })] } }));
    expect(policy.alerts.webhooks.map((w) => [w.digestAbove, w.batch])).toEqual([
      [5, undefined],
      [undefined, true],
    ]);
    expect(issues(policyWith({ alerts: { webhooks: [{ name: "chat", kind: "teams", url: "https://example.webhook.office.com/x", batch: true }, generic({ digestAbove: 2 })] } }))).toEqual([
      "alerts.webhooks[0].batch: not allowed for kind: teams (chat sinks get a digest instead: digestAbove)",
      "alerts.webhooks[1].digestAbove: not allowed for kind: generic (machines get one event per alert, or batch: true)",
    ]);
    expect(issues(policyWith({ alerts: { webhooks: [{ name: "chat", kind: "slack", url: "https://hooks.slack.com/services/T/B/x", digestAbove: -1 }] } }))).toEqual([
      "alerts.webhooks[0].digestAbove: must be at least 0",
    ]);
  });
});
