import { readFileSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { describe, expect, it } from "vitest";
import type { Plan } from "#shared/domain/finding.js";
import { buildPlan, planSchema } from "#shared/domain/plan/index.js";
import { parsePolicy } from "#shared/domain/policy/index.js";
import type { Snapshot } from "#shared/domain/snapshot.js";
import { publishedSchemas, renderSchema } from "../scripts/write-schemas.js";

const onDisk = readFileSync(new URL("../schemas/plan.schema.json", import.meta.url), "utf8");

function planValidator() {
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  addFormats.default(ajv);
  return ajv.compile<Plan>(JSON.parse(onDisk) as object);
}

const now = new Date("2026-06-01T12:00:00.000Z");
const at = (days: number) => new Date(now.getTime() + days * 86_400_000).toISOString();

const apps = {
  prod: "11111111-2222-3333-4444-555555555555",
  staging: "22222222-3333-4444-5555-666666666666",
  marketing: "66666666-7777-8888-9999-aaaaaaaaaaaa",
};

function samplePolicy() {
  const result = parsePolicy(
    `version: 1
alerts:
  webhooks:
    - { name: ops, kind: generic, url: "\${OPS_WEBHOOK_URL}", signingSecret: "\${OPS_WEBHOOK_SECRET}" }
credentials:
  - name: prod-deploy
    circleci: { context: prod-deploy, variable: AZURE_CLIENT_SECRET }
    entra: { appId: ${apps.prod} }
    action: rotate
    rotation: { validityDays: 90, rotateBeforeDays: 14 }
  - name: staging-deploy
    circleci: { context: staging-deploy, variable: AZURE_CLIENT_SECRET }
    entra: { appId: ${apps.staging} }
    action: rotate
    rotation: {}
  - name: data-pipeline
    circleci: { context: data-pipeline, variable: ARM_CLIENT_SECRET }
    action: watch
  - name: api
    circleci: { project: gh/acme/api, variable: ARM_CLIENT_SECRET }
    entra: { appId: ${apps.marketing} }
    action: oidc
    oidc: { projectIds: [9a3c6f0e-4b7d-4e21-a8c5-6d2f1b3e7a90], userIds: [5d1f0a3b-7c2e-4e91-b8a6-1f4d3c2b9e70] }
`,
    { env: { OPS_WEBHOOK_URL: "https://127.0.0.1:9000/hook", OPS_WEBHOOK_SECRET: `whsec_${Buffer.alloc(32, 1).toString("base64")}` } },
  );
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.policy;
}

/** A world with every kind of finding and step, plus a failed read. */
const snapshot: Snapshot = {
  takenAt: now.toISOString(),
  circleci: {
    contexts: [
      { id: "c1", name: "prod-deploy", createdAt: at(-400) },
      { id: "c2", name: "staging-deploy", createdAt: at(-400) },
    ],
    variables: [
      { scope: { kind: "context", contextId: "c1", contextName: "prod-deploy" }, name: "AZURE_CLIENT_SECRET", createdAt: at(-400), updatedAt: at(-355) },
      { scope: { kind: "context", contextId: "c1", contextName: "prod-deploy" }, name: "AZURE_CLIENT_ID", createdAt: at(-400), updatedAt: at(-355) },
      { scope: { kind: "project", projectSlug: "gh/acme/api" }, name: "DOCKER_PASSWORD", createdAt: at(-500) },
    ],
    projects: ["gh/acme/api", "gh/acme/web"],
  },
  entra: {
    apps: [
      {
        objectId: "o1",
        appId: apps.prod,
        displayName: "ci-deploy-prod",
        tags: [],
        passwords: [
          { keyId: "k1", displayName: "ci-deploy-prod CircleCI", startDateTime: at(-355), endDateTime: at(10), hint: "abc" },
          { keyId: "k0", displayName: "watchdog-rotation:r0", startDateTime: at(-500), endDateTime: at(-1) },
        ],
        certificates: [{ keyId: "c1", displayName: "cert", startDateTime: null, endDateTime: at(25) }],
      },
      { objectId: "o2", appId: apps.staging, displayName: "ci-deploy-staging", tags: [], passwords: [], certificates: [] },
      { objectId: "o3", appId: apps.marketing, displayName: "marketing", tags: [], passwords: [{ keyId: "m1", displayName: null, startDateTime: null, endDateTime: at(-32) }], certificates: [] },
    ],
  },
  keyVault: { secrets: [{ name: "cci-prod-deploy", enabled: true, tags: { keyId: "k1" } }] },
  errors: [{ source: "circleci", where: "context data-pipeline", message: "HTTP 500" }],
};

describe("schemas/plan.schema.json", () => {
  it("is exactly what scripts/write-schemas.ts generates from the zod schema (run it after changing the Plan)", () => {
    expect(onDisk).toBe(renderSchema(planSchema));
    expect(publishedSchemas.map((s) => s.file)).toContain("schemas/plan.schema.json");
  });

  it("accepts real buildPlan outputs", () => {
    const validate = planValidator();
    const policy = samplePolicy();
    for (const vaultConfigured of [true, false]) {
      const plan = buildPlan(snapshot, policy, now, { vaultConfigured });
      // The sample really exercises the schema: findings of every kind, both steps, unbound and retiring items.
      expect(new Set(plan.findings.map((f) => f.kind))).toEqual(new Set(["expired", "expiring", "long-lived", "not-found"]));
      expect(plan.credentials.some((c) => c.retiring)).toBe(true);
      expect(plan.credentials.some((c) => c.unchecked)).toBe(true);
      const valid = validate(JSON.parse(JSON.stringify(plan)));
      expect(validate.errors ?? []).toEqual([]);
      expect(valid).toBe(true);
      expect(planSchema.parse(plan)).toEqual(plan);
    }
  });

  it("refuses what is not a plan (so the check above can fail)", () => {
    const validate = planValidator();
    const plan = JSON.parse(JSON.stringify(buildPlan(snapshot, samplePolicy(), now, { vaultConfigured: true }))) as Plan & Record<string, unknown>;
    expect(validate({ ...plan, extra: 1 })).toBe(false);
    expect(validate({ ...plan, generatedAt: "yesterday" })).toBe(false);
    expect(validate({ ...plan, findings: [{ ...plan.findings[0], severity: "fatal" }] })).toBe(false);
    expect(validate({ ...plan, steps: [{ kind: "delete", credential: "x", reason: "y" }] })).toBe(false);
    expect(validate({ ...plan, credentials: [{ ...plan.credentials[0], daysLeft: 1.5 }] })).toBe(false);
  });
});
