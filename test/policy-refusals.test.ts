// Policies the watchdog refuses, checked as a user checks a policy: `watchdog check-policy` (exit 2, every path
// named, no value echoed).
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runBuiltCli } from "./support/cli.js";

const signingSecret = `whsec_${Buffer.alloc(32, 7).toString("base64")}`;
const canaries = {
  CIRCLECI_TOKEN: "CCIPAT_canary_circleci_token_0001",
  AzureWebJobsStorage: "DefaultEndpointsProtocol=https;AccountName=canary;AccountKey=canary-storage-key==",
  AzureWebJobsStorage__clientId: "canary-client-id-0002",
  IDENTITY_HEADER: "canary-identity-header-0003",
  AZURE_CLIENT_SECRET: "canary~client~secret~0004",
  DATADOG_API_KEY: "canary-datadog-key-0005",
  DB_PASSWORD: "canary-db-password-0006",
  SLACK_BOT_TOKEN: "xoxb-canary-0007",
  OPS_WEBHOOK_SECRET: signingSecret,
  OPS_WEBHOOK_URL: "https://hooks.example.com/ops/canary-path-0008",
};

async function checkPolicy(yaml: string) {
  const dir = mkdtempSync(join(tmpdir(), "watchdog-refusals-"));
  const file = join(dir, "policy.yaml");
  writeFileSync(file, yaml);
  return runBuiltCli(["check-policy", file], canaries);
}

const credential = (fields: string) => `  - name: deploy
    circleci: { context: deploy, variable: AZURE_CLIENT_SECRET }
    entra: { appId: 11111111-2222-3333-4444-555555555555 }
    action: watch
${fields}`;

describe("a secret setting expanded into a field that plans, reports and alerts show", () => {
  it("is refused at each path, naming the setting and never its value", async () => {
    const run = await checkPolicy(`version: 1
inventory:
  projects: ["\${DATADOG_API_KEY}"]
alerts:
  webhooks:
    - name: "\${AzureWebJobsStorage}"
      kind: generic
      url: https://hooks.example.com/\${IDENTITY_HEADER}
      signingSecret: \${OPS_WEBHOOK_SECRET}
credentials:
  - name: deploy
    circleci: { context: "\${CIRCLECI_TOKEN}", variable: "\${AZURE_CLIENT_SECRET}" }
    entra: { appId: 11111111-2222-3333-4444-555555555555 }
    action: watch
  - name: other
    circleci: { project: "gh/acme/\${DB_PASSWORD}", variable: "X\${AzureWebJobsStorage__clientId}" }
    action: watch
`);
    expect(run.code).toBe(2);
    const output = run.stdout + run.stderr;
    expect(output).toContain("inventory.projects[0]: ${DATADOG_API_KEY} is a secret setting");
    expect(output).toContain("alerts.webhooks[0].name: ${AzureWebJobsStorage} is a secret setting");
    expect(output).toContain("credentials[0].circleci.context: ${CIRCLECI_TOKEN} is a secret setting");
    expect(output).toContain("credentials[0].circleci.variable: ${AZURE_CLIENT_SECRET} is a secret setting");
    expect(output).toContain("credentials[1].circleci.project: ${DB_PASSWORD} is a secret setting");
    expect(output).toContain("credentials[1].circleci.variable: ${AzureWebJobsStorage__clientId} is a secret setting");
    // The webhook URL and the signing secret are secret fields: a secret setting may go there.
    expect(output).not.toContain("alerts.webhooks[0].url");
    expect(output).not.toContain("alerts.webhooks[0].signingSecret");
    for (const [name, value] of Object.entries(canaries)) expect(output, name).not.toContain(value);
  });

  it("is accepted in a webhook url and signingSecret", async () => {
    const run = await checkPolicy(`version: 1
alerts:
  webhooks:
    - name: ops
      kind: generic
      url: https://hooks.example.com/services/\${SLACK_BOT_TOKEN}
      signingSecret: \${OPS_WEBHOOK_SECRET}
credentials:
${credential("")}`);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
  });
});

describe("a webhook aimed inside the network", () => {
  it("is refused when its host is a private, link-local, unique-local, shared, unspecified or IPv4-mapped address", async () => {
    const hosts = ["169.254.169.254", "10.0.0.1", "192.168.1.10", "[::ffff:10.0.0.1]", "[fe80::1]", "[fd12:3456::1]", "100.64.0.1", "0.0.0.0", "[::ffff:127.0.0.1]"];
    const webhooks = hosts.map((host, i) => `    - name: w${i}\n      kind: slack\n      url: https://${host}/hooks/x\n`).join("");
    const run = await checkPolicy(`version: 1\nalerts:\n  webhooks:\n${webhooks}credentials:\n${credential("")}`);
    expect(run.code).toBe(2);
    const words = ["a link-local", "a private", "a private", "an IPv4-mapped", "a link-local", "a unique-local", "a shared (carrier-grade NAT)", "an unspecified", "an IPv4-mapped"];
    words.forEach((word, i) => expect(run.stderr).toContain(`alerts.webhooks[${i}].url: its host is ${word} address`));
  });

  it("loopback and public hosts stay allowed (local receivers; names are checked again when they resolve)", async () => {
    const run = await checkPolicy(`version: 1
alerts:
  webhooks:
    - name: local
      kind: slack
      url: http://127.0.0.1:8080/hooks/x
    - name: public
      kind: slack
      url: https://hooks.slack.com/services/T0/B0/x
credentials:
${credential("")}`);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
  });
});
