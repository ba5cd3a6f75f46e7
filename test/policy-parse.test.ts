import { describe, expect, it } from "vitest";
import { formatIssue, formatPath, parsePolicy, type PolicyIssue, type PolicyResult } from "#shared/domain/policy/index.js";

const secret = `whsec_${Buffer.alloc(32, 9).toString("base64")}`;

function errorsOf(result: PolicyResult): PolicyIssue[] {
  if (result.ok) throw new Error("expected the policy to be refused");
  return result.errors;
}

const webhookPolicy = (url: string, signingSecret = "${OPS_WEBHOOK_SECRET}") => `version: 1
alerts:
  webhooks:
    - name: ops
      kind: generic
      url: ${url}
      signingSecret: ${signingSecret}
`;

describe("formatPath and formatIssue", () => {
  it.each([
    [[], "(root)"],
    [["version"], "version"],
    [["credentials", 2, "rotation", "validityDays"], "credentials[2].rotation.validityDays"],
    [["alerts", "webhooks", 0, "url"], "alerts.webhooks[0].url"],
    [["inventory", "odd key"], 'inventory["odd key"]'],
  ])("%j -> %s", (path, text) => {
    expect(formatPath(path)).toBe(text);
  });

  it("renders path: message, and line:column for syntax errors", () => {
    expect(formatIssue({ path: "credentials[2].rotation.validityDays", message: "expected a number, got string" })).toBe(
      "credentials[2].rotation.validityDays: expected a number, got string",
    );
    expect(formatIssue({ path: "(root)", message: "YAML syntax error: bad indentation", line: 3, column: 5 })).toBe("3:5: YAML syntax error: bad indentation");
  });
});

describe("${NAME} expansion", () => {
  const env = { OPS_WEBHOOK_URL: "https://hooks.example.com/ops", OPS_WEBHOOK_SECRET: secret, HOST: "hooks.example.com" };

  it("replaces references in string values from the env parameter", () => {
    const result = parsePolicy(webhookPolicy("${OPS_WEBHOOK_URL}"), { env });
    expect(result.ok && result.policy.alerts.webhooks[0]).toEqual({ name: "ops", kind: "generic", url: env.OPS_WEBHOOK_URL, signingSecret: secret });
  });

  it("replaces references inside longer strings and several per string", () => {
    const result = parsePolicy(webhookPolicy("https://${HOST}/${HOST}/x"), { env });
    expect(result.ok && result.policy.alerts.webhooks[0]?.url).toBe("https://hooks.example.com/hooks.example.com/x");
  });

  it("names the variable and the path when a variable is unset, without a second schema complaint", () => {
    const errors = errorsOf(parsePolicy(webhookPolicy("${OPS_WEBHOOK_URL}"), { env: { OPS_WEBHOOK_SECRET: secret } }));
    expect(errors.map(formatIssue)).toEqual(["alerts.webhooks[0].url: environment variable OPS_WEBHOOK_URL is not set"]);
  });

  it("reports every unset variable", () => {
    const errors = errorsOf(parsePolicy(webhookPolicy("https://${A}/${B}"), { env: {} }));
    expect(errors.map(formatIssue)).toEqual([
      "alerts.webhooks[0].url: environment variable A is not set",
      "alerts.webhooks[0].url: environment variable B is not set",
      "alerts.webhooks[0].signingSecret: environment variable OPS_WEBHOOK_SECRET is not set",
    ]);
  });

  it("does not expand a value a second time, nor keys", () => {
    const result = parsePolicy(`version: 1\ncredentials:\n  - name: x\n    circleci: { context: "\${CTX}", variable: V }\n    action: watch\n`, { env: { CTX: "${OTHER}" } });
    expect(result.ok && result.policy.credentials[0]?.circleci).toEqual({ context: "${OTHER}", variable: "V" });
    const keyed = errorsOf(parsePolicy("version: 1\n${KEY}: 1\n", { env: { KEY: "inventory" } }));
    expect(keyed.map(formatIssue)).toEqual(['(root): unknown key "${KEY}"']);
  });

  it("keeps $${ as a literal ${ and refuses malformed references", () => {
    const literal = parsePolicy(`version: 1\ncredentials:\n  - name: x\n    circleci: { context: "a$\${b}", variable: V }\n    action: watch\n`, { env: {} });
    expect(literal.ok && literal.policy.credentials[0]?.circleci).toEqual({ context: "a${b}", variable: "V" });
    const malformed = errorsOf(parsePolicy(webhookPolicy("https://${OPS-URL}/x"), { env }));
    expect(malformed.map(formatIssue)).toEqual([
      "alerts.webhooks[0].url: malformed environment reference: write ${NAME} (letters, digits, _), or $${ for a literal ${",
    ]);
  });

  it("leaves numbers and booleans alone (only strings are expanded)", () => {
    const errors = errorsOf(parsePolicy('version: 1\ninventory: { maxAgeDays: "${AGE}" }\n', { env: { AGE: "30" } }));
    expect(errors.map(formatIssue)).toEqual(["inventory.maxAgeDays: expected a number, got string"]);
  });
});

describe("YAML and JSON", () => {
  const json = JSON.stringify({ version: 1, inventory: { maxAgeDays: 45 } });

  it("reads .json files as JSON and everything else as YAML", () => {
    for (const filename of ["policy.json", "POLICY.JSON"]) {
      const result = parsePolicy(json, { filename, env: {} });
      expect(result.ok && result.policy.inventory.maxAgeDays, filename).toBe(45);
    }
    // JSON is YAML too, so a .yaml file may hold JSON...
    expect(parsePolicy(json, { filename: "policy.yaml", env: {} }).ok).toBe(true);
    expect(parsePolicy("version: 1\n", { filename: "policy.yml", env: {} }).ok).toBe(true);
    expect(parsePolicy("version: 1\n", { env: {} }).ok).toBe(true);
    // ...but a .json file must be JSON.
    const errors = errorsOf(parsePolicy("version: 1\n", { filename: "policy.json", env: {} }));
    expect(errors[0]?.message).toBe("JSON syntax error: invalid JSON");
  });

  it("ignores a byte-order mark", () => {
    expect(parsePolicy(`\uFEFF${json}`, { filename: "policy.json", env: {} }).ok).toBe(true);
    expect(parsePolicy("\uFEFFversion: 1\n", { env: {} }).ok).toBe(true);
  });

  it.each([
    ["a tab used as indentation", "version: 1\ncredentials:\n\t- name: x\n", 3, 1, "YAML syntax error: tabs cannot indent YAML (use spaces)"],
    ["a duplicate key", "version: 1\nversion: 1\n", 2, 1, "YAML syntax error: duplicate key in a mapping"],
    ["an unclosed flow list", "version: 1\ncredentials: [\n", 3, 1, "YAML syntax error: bad indentation"],
    ["two documents", "version: 1\n---\nversion: 1\n", 2, 1, "YAML syntax error: the file holds more than one YAML document"],
  ])("YAML syntax errors carry line:column (%s)", (_what, text, line, column, message) => {
    const [first] = errorsOf(parsePolicy(text, { filename: "watchdog.policy.yaml", env: {} }));
    expect(first).toEqual({ path: "(root)", message, line, column });
  });

  it("JSON syntax errors carry line:column where the engine reports a position", () => {
    const [first] = errorsOf(parsePolicy('{"version": 1,\n "x": 1,\n}', { filename: "p.json", env: {} }));
    expect(first?.message).toBe("JSON syntax error: invalid JSON");
    expect(first?.line).toBe(3);
  });

  it("refuses an empty file and a non-object document", () => {
    expect(errorsOf(parsePolicy("", { env: {} })).map(formatIssue)).toEqual(["(root): the policy file is empty (it needs at least version: 1)"]);
    expect(errorsOf(parsePolicy("# only a comment\n", { env: {} })).map(formatIssue)).toEqual(["(root): the policy file is empty (it needs at least version: 1)"]);
    expect(errorsOf(parsePolicy("- version: 1\n", { env: {} })).map(formatIssue)).toEqual(["(root): expected an object (a mapping), got a list"]);
    expect(errorsOf(parsePolicy("", { filename: "p.json", env: {} })).map(formatIssue)).toEqual(["(root): JSON syntax error: the file is empty"]);
  });

  it("refuses unresolvable aliases and alias bombs", () => {
    const bomb = ["a: &a [x, x, x, x, x, x, x, x, x, x]", ...Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(", ")}]`)].join("\n");
    for (const text of ["version: 1\nx: *nowhere\n", bomb]) {
      const errors = errorsOf(parsePolicy(text, { env: {} }));
      expect(errors.map((e) => e.message).join("\n")).toMatch(/YAML syntax error/);
    }
  });

  it("treats a __proto__ key as an unknown key, not as a prototype", () => {
    const errors = errorsOf(parsePolicy('{"version": 1, "__proto__": {"polluted": true}}', { filename: "p.json", env: {} }));
    expect(errors.map(formatIssue)).toEqual(['(root): unknown key "__proto__"']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe("no error ever echoes a value", () => {
  const canary = "CANARY7f3c9a52";
  const canaryBase64 = Buffer.from(canary).toString("base64");
  const documents: Array<[string, string, string | undefined, Record<string, string>]> = [
    ["a mistyped signing secret", webhookPolicy("https://hooks.example.com/x", `whsec_${canary}!`), undefined, {}],
    ["a signing secret without its prefix", webhookPolicy("https://hooks.example.com/x", `${canary}${canaryBase64}`), undefined, {}],
    ["a too-short signing secret", webhookPolicy("https://hooks.example.com/x", `whsec_${canaryBase64}`), undefined, {}],
    ["a signing secret from the env", webhookPolicy("https://hooks.example.com/x"), undefined, { OPS_WEBHOOK_SECRET: `whsec_${canary}` }],
    ["a signing secret on a slack webhook", webhookPolicy("https://hooks.example.com/x").replace("generic", "slack"), undefined, { OPS_WEBHOOK_SECRET: secret.replace("A", canary) }],
    ["a URL with a token", webhookPolicy(`http://hooks.example.com/services/${canary}`), undefined, { OPS_WEBHOOK_SECRET: secret }],
    ["an unparsable URL", webhookPolicy(`${canary}:/\\x`), undefined, { OPS_WEBHOOK_SECRET: secret }],
    ["a string where a number goes", `version: 1\ninventory: { maxAgeDays: ${canary} }\n`, undefined, {}],
    ["a value in the wrong enum", `version: 1\ncredentials:\n  - { name: x, circleci: { context: c, variable: V }, action: ${canary} }\n`, undefined, {}],
    ["a broken YAML string", `version: 1\nalerts:\n  webhooks:\n    - { name: ops, kind: generic, url: "https://x", signingSecret: "whsec_${canary}\n`, undefined, {}],
    ["an unexpected YAML token", `version: 1\nx: }${canary}\n`, undefined, {}],
    ["broken JSON", `{"version": 1, "alerts": {"webhooks": [{"signingSecret": "whsec_${canary}" ]}}`, "policy.json", {}],
    ["broken JSON after the value", `{"signingSecret": "whsec_${canary}" x}`, "policy.json", {}],
  ];

  it.each(documents)("%s", (_what, text, filename, env) => {
    const errors = errorsOf(parsePolicy(text, { filename, env }));
    expect(errors.length).toBeGreaterThan(0);
    const printed = JSON.stringify(errors) + errors.map(formatIssue).join("\n");
    expect(printed).not.toContain(canary);
    expect(printed).not.toContain(canaryBase64);
  });
});
