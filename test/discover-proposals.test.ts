import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoIds, demoPolicyYaml as fullDemoPolicy } from "../sandbox/world/demo.js";

// The demo policy without its terraform oidc credential: that is the binding discovery should propose.
const demoPolicyYaml = fullDemoPolicy.split("  - name: terraform\n")[0]!;
import { parsePolicy, type Policy } from "#shared/domain/policy/index.js";
import { azureSecretVariables, discover, type DiscoveryReport } from "#shared/engine/discover/index.js";
import { startLocalStateStore, type StartedStateStore } from "./support/state-stores.js";
import { startMigrationSandbox, type MigrationSandbox } from "./support/migration-sandbox.js";

// `watchdog discover` over the demo world: the proposals a user would paste, checked by parsing them as a
// policy exactly as the watchdog will.

let sandbox: MigrationSandbox;
let started: StartedStateStore;
let demoPolicy: Policy;
const outputs: DiscoveryReport[] = [];

beforeAll(async () => {
  sandbox = await startMigrationSandbox();
  started = await startLocalStateStore();
  const parsed = parsePolicy(demoPolicyYaml, { env: sandbox.sandbox.env });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  demoPolicy = parsed.policy;
});
afterAll(async () => {
  await sandbox?.close();
  await started?.stop();
});

async function run(options: { policy?: Policy; projects?: string[]; oidc?: { projectIds: string[]; userIds: string[] } } = {}): Promise<DiscoveryReport> {
  const report = await discover(sandbox.ports(started.store), { orgId: sandbox.orgId, now: new Date(), ...options });
  outputs.push(report);
  return report;
}

function parsed(yaml: string): Policy {
  const result = parsePolicy(yaml, { env: {} });
  if (!result.ok) throw new Error(`the proposal does not parse: ${JSON.stringify(result.errors)}\n${yaml}`);
  return result.policy;
}

describe("names that look like an Entra client secret", () => {
  it("an Azure prefix or a tenant id beside it; other OAuth secrets are not Azure's", () => {
    const found = azureSecretVariables(["ARM_CLIENT_SECRET", "ARM_CLIENT_ID", "GOOGLE_CLIENT_SECRET", "GOOGLE_CLIENT_ID", "DEPLOY_CLIENT_SECRET", "DEPLOY_TENANT_ID", "PROD_AZURE_SP_PASSWORD", "AZURE_SUBSCRIPTION_ID"]);
    expect(found.map((f) => f.variable)).toEqual(["ARM_CLIENT_SECRET", "DEPLOY_CLIENT_SECRET", "PROD_AZURE_SP_PASSWORD"]);
    expect(found[0]).toMatchObject({ prefix: "ARM_", clientIdVariable: "ARM_CLIENT_ID" });
    expect(found[1]).toMatchObject({ tenantIdVariable: "DEPLOY_TENANT_ID" });
  });
});

describe("discover against the demo world", () => {
  it("with the demo policy: proposes the terraform context as an OIDC candidate bound to its tagged app, the api project's secret for rotation, and skips what the policy binds", async () => {
    const report = await run({ policy: demoPolicy });
    expect(report.sourceErrors).toEqual([]);
    expect(report.alreadyInPolicy.map((a) => a.credential).sort()).toEqual(["data-pipeline", "legacy-reports", "prod-deploy", "staging-deploy"]);
    expect(report.proposals.map((p) => [p.name, p.circleci, p.candidate, p.action])).toEqual([
      ["terraform", { context: "terraform", variable: "ARM_CLIENT_SECRET" }, "oidc", "watch"],
      ["api", { project: "gh/acme/api", variable: "AZURE_CLIENT_SECRET" }, "rotation", "watch"],
    ]);
    const terraform = report.proposals[0]!;
    expect(terraform.entra).toEqual({ appId: demoIds.apps.terraformCi, appName: "terraform-ci" });
    expect(terraform.clientIdVariable).toBe("ARM_CLIENT_ID");
    expect(terraform.notes.join(" ")).toContain("OIDC candidate");
    expect(terraform.notes.join(" ")).toContain(`https://oidc.circleci.com/org/${demoIds.orgId}`);
    expect(report.proposals[1]!.notes.join(" ")).toContain("No app registration is tagged circleci-project:gh/acme/api");

    // The snippet parses as a policy, and pasted into the demo policy it still parses (no clashing names or bindings).
    const proposed = parsed(report.yaml);
    expect(proposed.credentials.map((c) => [c.name, c.action, c.entra?.appId])).toEqual([
      ["terraform", "watch", demoIds.apps.terraformCi],
      ["api", "watch", undefined],
    ]);
    const entries = report.yaml.slice(report.yaml.indexOf("credentials:\n") + "credentials:\n".length);
    const merged = parsed(`${demoPolicyYaml.replace(/\$\{[A-Z_]+\}/g, "https://example.com/hook")}${entries}`.replace(/signingSecret: https:\/\/example.com\/hook/, `signingSecret: ${sandbox.sandbox.signingSecret}`));
    expect(merged.credentials.map((c) => c.name)).toEqual(["prod-deploy", "staging-deploy", "data-pipeline", "legacy-reports", "terraform", "api"]);
  });

  it("with CircleCI project and user ids, the OIDC candidate becomes a complete action: oidc entry that the migration can run", async () => {
    const ids = { projectIds: [demoIds.projectIds.api], userIds: [demoIds.userId] };
    const report = await run({ policy: demoPolicy, oidc: ids });
    const policy = parsed(report.yaml);
    const terraform = policy.credentials.find((c) => c.name === "terraform");
    expect(terraform).toMatchObject({
      action: "oidc",
      circleci: { context: "terraform", variable: "ARM_CLIENT_SECRET" },
      entra: { appId: demoIds.apps.terraformCi },
      oidc: { ...ids, audience: "api://AzureADTokenExchange", retireAfterQuietDays: 7 },
    });
  });

  it("without a policy: every Azure-looking context secret, none of them bound to an app (no tags), and a tagged project app is proposed for rotation", async () => {
    const app = sandbox.sandbox.directory.state.addApplication({ displayName: "web-deployer", tags: ["circleci-project:gh/acme/web"] });
    sandbox.sandbox.circleci.state.setProjectVariable("gh/acme/web", "AZURE_CLIENT_SECRET", "web~not-a-real-secret-value-0123");
    const report = await run({ projects: ["gh/acme/web"] });
    const byName = Object.fromEntries(report.proposals.map((p) => [p.name, p]));
    expect(Object.keys(byName).sort()).toEqual(["data-pipeline", "legacy-reports", "prod-deploy", "staging-deploy", "terraform", "web"]);
    expect(byName["prod-deploy"]).toMatchObject({ candidate: "oidc", action: "watch" });
    expect(byName["prod-deploy"]!.entra).toBeUndefined();
    // Key Vault is configured in the sandbox: a rotation candidate with its app is proposed as action: rotate.
    expect(byName.web).toMatchObject({ candidate: "rotation", action: "rotate", entra: { appId: app.appId } });
    const policy = parsed(report.yaml);
    expect(policy.credentials.find((c) => c.name === "web")).toMatchObject({ action: "rotate", rotation: { validityDays: 90 } });
  });

  it("holds no secret value", () => {
    const text = JSON.stringify(outputs) + outputs.map((o) => o.yaml).join("\n");
    expect(sandbox.canaries().filter((c) => text.includes(c))).toEqual([]);
    expect(text).not.toContain("web~not-a-real-secret-value-0123");
  });
});
