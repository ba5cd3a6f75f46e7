// The azd template (azure.yaml, infra/) read as text: no Bicep compiler can be installed here, so this checks what a
// deployment needs of it — every setting the app reads, every storage service with its URI and role, the Key Vault
// roles, the Graph permissions — and that the modules and parameters fit together.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { settingNames } from "#shared/app/settings.js";
import { graphAppRoleIds } from "#shared/domain/doctor/checks.js";
import { keyVaultSecretEventTypes } from "#shared/app/key-vault-event.js";

const root = join(import.meta.dirname, "..");
const read = (path: string) => readFileSync(join(root, path), "utf8");
const functionApp = read("infra/modules/function-app.bicep");
const roles = read("infra/modules/role-assignments.bicep");
const main = read("infra/main.bicep");
const postprovision = read("infra/hooks/postprovision.sh");

/** `NAME: value` lines of the app settings block, and `// default: NAME` lines. */
function appSettings(): { set: Set<string>; defaulted: Set<string> } {
  const block = functionApp.slice(functionApp.indexOf("name: 'appsettings'"));
  const set = new Set([...block.matchAll(/^\s+([A-Za-z_][A-Za-z0-9_]*): /gm)].map((m) => m[1]!));
  const defaulted = new Set([...block.matchAll(/\/\/ default: ([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!));
  return { set, defaulted };
}

/** `param name type` declarations of a Bicep file, with whether they have a default. */
function params(bicep: string): Map<string, { hasDefault: boolean }> {
  const found = new Map<string, { hasDefault: boolean }>();
  for (const m of bicep.matchAll(/^param (\w+) \w+( = .*)?$/gm)) found.set(m[1]!, { hasDefault: m[2] !== undefined });
  return found;
}

/** `module x 'path' = { … params: { a: …, b: … } }` blocks of main.bicep. */
function modules(): { name: string; path: string; passed: Set<string> }[] {
  return [...main.matchAll(/^module (\w+) '([^']+)' = \{\n([\s\S]*?)\n\}/gm)].map((m) => {
    const body = m[3]!;
    const paramsBody = body.slice(body.indexOf("params:"));
    const inline = paramsBody.match(/params: \{ (.*) \}/);
    const names = inline
      ? [...inline[1]!.matchAll(/(\w+):/g)].map((p) => p[1]!)
      : [...paramsBody.matchAll(/^ {4}(\w+):/gm)].map((p) => p[1]!);
    return { name: m[1]!, path: m[2]!, passed: new Set(names) };
  });
}

describe("the azd template", () => {
  it("sets every setting the app reads, or names it as left at its default", () => {
    const { set, defaulted } = appSettings();
    const missing = settingNames.filter((name) => !set.has(name) && !defaulted.has(name));
    expect(missing, `add each to infra/modules/function-app.bicep, as a setting or a "// default: NAME" line`).toEqual([]);
    expect([...set].filter((name) => defaulted.has(name)), "a setting both set and defaulted").toEqual([]);
  });

  it("runs Node 22 on the Flex Consumption plan with the user-assigned identity", () => {
    expect(functionApp).toMatch(/runtime: \{ name: 'node', version: '22' \}/);
    expect(functionApp).toMatch(/sku: \{ name: 'FC1', tier: 'FlexConsumption' \}/);
    expect(functionApp).toMatch(/type: 'UserAssigned'/);
    expect(functionApp).toMatch(/keyVaultReferenceIdentity: identityId/);
    expect(functionApp).toMatch(/AZURE_CLIENT_ID: identityClientId/);
  });

  it("reaches every storage service the app uses by identity, each with its URI and its data role", () => {
    const { set } = appSettings();
    expect(set.has("AzureWebJobsStorage"), "no connection string: identity only").toBe(false);
    expect(functionApp).toMatch(/AzureWebJobsStorage__credential: 'managedidentity'/);
    expect(functionApp).toMatch(/AzureWebJobsStorage__clientId: identityClientId/);
    for (const service of ["blob", "queue", "table"]) {
      expect(functionApp).toContain(`AzureWebJobsStorage__${service}ServiceUri: account.properties.primaryEndpoints.${service}`);
    }
    const storageRoles: Record<string, string> = {
      storageBlobDataOwner: "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",
      storageQueueDataContributor: "974c5e8b-45b9-4653-ba55-5f855dd0fb88",
      storageTableDataContributor: "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3",
    };
    for (const [role, id] of Object.entries(storageRoles)) {
      expect(roles).toContain(`${role}: '${id}'`);
      expect(roles).toMatch(new RegExp(`scope: account\\n\\s+properties: \\{\\n\\s+roleDefinitionId: [^\\n]*roles\\.${role}\\)`));
    }
    const storage = read("infra/modules/storage.bicep");
    expect(storage).toMatch(/allowSharedKeyAccess: false/);
    for (const service of ["blobServices", "queueServices", "tableServices"]) expect(storage).toContain(`storageAccounts/${service}@`);
  });

  it("gives the identity Key Vault Secrets Officer on the vault, and the broker's sign role on its key alone", () => {
    expect(roles).toContain("keyVaultSecretsOfficer: 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'");
    expect(roles).toMatch(/scope: vault\n\s+properties: \{\n\s+roleDefinitionId: [^\n]*roles\.keyVaultSecretsOfficer\)/);
    expect(roles).toContain("keyVaultCryptoUser: '12338af0-0e69-4776-bea7-57ae8d297424'");
    expect(roles).toMatch(/scope: brokerKey\n\s+properties: \{\n\s+roleDefinitionId: [^\n]*roles\.keyVaultCryptoUser\)/);
    expect(read("infra/modules/key-vault.bicep")).toMatch(/enableRbacAuthorization: true/);
    expect(functionApp).toMatch(/CIRCLECI_TOKEN: '@Microsoft\.KeyVault\(SecretUri=/);
  });

  it("grants or prints every Microsoft Graph permission the README's permissions table names", () => {
    // Every Graph permission `watchdog doctor` can ask for is granted by the hook or documented.
    for (const permission of Object.keys(graphAppRoleIds).filter((p) => p !== "Application.ReadWrite.All" && p !== "Application.Read.All")) {
      expect(postprovision, permission).toContain(permission);
      expect(read("README.md"), permission).toContain(permission);
    }
    expect(postprovision).toContain("az ad app owner add");
  });

  it("passes every required parameter of each module, and only parameters the module declares", () => {
    const found = modules();
    expect(found.map((m) => m.name).sort()).toEqual(["app", "identity", "monitoring", "roles", "storage", "vault"]);
    for (const module of found) {
      const file = join(root, "infra", module.path);
      expect(existsSync(file), module.path).toBe(true);
      const declared = params(readFileSync(file, "utf8"));
      for (const name of module.passed) expect(declared.has(name), `${module.name} passes ${name}, which ${module.path} does not declare`).toBe(true);
      for (const [name, { hasDefault }] of declared) {
        if (!hasDefault) expect(module.passed.has(name), `${module.name} does not pass ${name}`).toBe(true);
      }
    }
  });

  it("maps every parameter of main.bicep without a default to the azd environment", () => {
    const parameters = JSON.parse(read("infra/main.parameters.json")) as { parameters: Record<string, { value: string }> };
    for (const [name, { hasDefault }] of params(main)) {
      if (!hasDefault) expect(Object.keys(parameters.parameters), name).toContain(name);
    }
    for (const name of Object.keys(parameters.parameters)) expect(params(main).has(name), name).toBe(true);
  });

  it("names the hooks azd runs, and they exist", () => {
    const azure = parse(read("azure.yaml")) as { services: Record<string, { host: string; language: string }>; hooks: Record<string, { posix: { run: string } }> };
    expect(azure.services["watchdog"]).toMatchObject({ host: "function", language: "js" });
    for (const hook of ["postprovision", "postdeploy"]) {
      const script = azure.hooks[hook]!.posix.run;
      expect(existsSync(join(root, script)), script).toBe(true);
    }
    expect(dirname(azure.hooks["postdeploy"]!.posix.run)).toBe("./infra/hooks");
  });

  it("puts an Event Grid system topic on the vault, and postdeploy subscribes keyVaultEvents to the three secret events", () => {
    const vault = read("infra/modules/key-vault.bicep");
    expect(vault).toMatch(/resource events 'Microsoft\.EventGrid\/systemTopics@[\d-]+' = \{[\s\S]*?source: vault\.id\n\s+topicType: 'Microsoft\.KeyVault\.vaults'/);
    expect(main).toContain("output KEY_VAULT_EVENTS_TOPIC string = vault.outputs.eventsTopicName");
    const hook = read("infra/hooks/postdeploy.sh");
    const command = hook.slice(hook.indexOf("az eventgrid system-topic event-subscription create"));
    expect(command).toMatch(/--system-topic-name "\$topic"/);
    expect(hook).toContain('topic="${KEY_VAULT_EVENTS_TOPIC:?');
    expect(command).toMatch(/--endpoint-type azurefunction/);
    expect(command).toContain('--endpoint "${WATCHDOG_FUNCTION_APP_ID:?missing: run azd provision first}/functions/keyVaultEvents"');
    // Exactly the event types the function acts on, as its parser names them.
    const types = /--included-event-types ([^\\\n]+)/.exec(command)?.[1]?.trim().split(/\s+/);
    expect(types?.sort()).toEqual([...keyVaultSecretEventTypes].sort());
    // The function named in the hook is the one the entry registers.
    expect(read("functions/keyvault-events.ts")).toContain('app.eventGrid("keyVaultEvents"');
    // Every output the hooks read is one main.bicep declares.
    for (const hookFile of ["infra/hooks/postdeploy.sh", "infra/hooks/postprovision.sh"]) {
      for (const [, name] of read(hookFile).matchAll(/\$\{([A-Z_]+):\?/g)) expect(main, `${hookFile} reads ${name}`).toContain(`output ${name} `);
    }
  });
});

describe("the example policy deployed with the app", () => {
  it("is a valid policy once its webhook URL setting is given", async () => {
    const { parsePolicy } = await import("#shared/domain/policy/index.js");
    const result = parsePolicy(read("watchdog.policy.example.yaml"), {
      filename: "watchdog.policy.example.yaml",
      env: { SLACK_WEBHOOK_URL: "https://hooks.slack.com/services/T000/B000/XXXX" },
    });
    expect(result.ok ? [] : result.errors).toEqual([]);
  });
});
