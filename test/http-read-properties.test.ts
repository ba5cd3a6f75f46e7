import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HttpRequest, InvocationContext, type HttpHandler, type HttpResponseInit } from "@azure/functions";
import fc from "fast-check";
import { sharedAzurite } from "./support/azurite.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inventoryHandler } from "../functions/http-inventory.js";
import { planHandler } from "../functions/http-plan.js";
import { reportHandler } from "../functions/http-report.js";
import { startSandbox, type Sandbox } from "../sandbox/start.js";
import { demoPolicyYaml, demoWorld } from "../sandbox/world/demo.js";
import { leakedSecrets, secretValuesOf } from "./support/canaries.js";
import { authOff, authOn, extraHeaders, principalCases, principalStatus, type PrincipalCase } from "./support/principals.js";

// Fuzzed principals and query strings thrown at GET /api/plan, /api/inventory and /api/report, as for rotate
// (test/http-rotate-properties.test.ts): the caller is checked first (401/400/403), then the query (400), and
// readers are answered from the stored read — with no request to any emulator, whatever they send.

const readers = { plan: planHandler, inventory: inventoryHandler, report: reportHandler } satisfies Record<string, HttpHandler>;
type Reader = keyof typeof readers;

interface Case {
  reader: Reader;
  query: { kind: "good" | "bad"; text: string };
  principal: PrincipalCase;
  authSetting?: string;
  extraHeaders: Record<string, string>;
}

const queryOf = (pairs: Array<[string, string]>) => (pairs.length === 0 ? "" : `?${new URLSearchParams(pairs).toString()}`);
const queries: fc.Arbitrary<Case["query"]> = fc.oneof(
  fc.constantFrom<Array<[string, string]>>([], [["refresh", "true"]], [["refresh", "false"]], [["code", "a-function-key"]], [["refresh", "true"], ["code", "k"]]).map((pairs) => ({ kind: "good" as const, text: queryOf(pairs) })),
  fc
    .oneof(
      fc.string({ maxLength: 12 }).filter((v) => v !== "true" && v !== "false").map((v): Array<[string, string]> => [["refresh", v]]),
      fc.tuple(fc.string({ maxLength: 12 }).filter((k) => k !== "refresh" && k !== "code"), fc.string({ maxLength: 12 })).map(([k, v]): Array<[string, string]> => [[k, v]]),
      fc.constantFrom<Array<[string, string]>>([["refresh", "true"], ["refresh", "true"]], [["code", "a"], ["code", "b"]], [["Refresh", "true"]], [["refresh", "TRUE"]], [["dryRun", "true"]]),
    )
    .map((pairs) => ({ kind: "bad" as const, text: queryOf(pairs) })),
);

const principals = principalCases(["Watchdog.Read", "Watchdog.Rotate"], ["watchdog.read", "Watchdog.Reader", "Watchdog.Read ", "Read", "watchdog.rotate"]);

const cases: fc.Arbitrary<Case> = fc
  .record({ reader: fc.constantFrom<Reader>("plan", "inventory", "report"), query: queries, principal: principals, on: fc.boolean(), extraHeaders })
  .chain(({ on, ...rest }) => (on ? authOn : authOff).map((authSetting) => ({ ...rest, authSetting })));

/** What the caller must be told: who is asking first (only while authentication is on), then what they asked. */
function expectedStatus(c: Case): number {
  const authenticationOn = c.authSetting !== undefined && ["true", "1"].includes(c.authSetting.toLowerCase());
  if (authenticationOn && c.principal.kind !== "good") return principalStatus[c.principal.kind];
  return c.query.kind === "bad" ? 400 : 200;
}

function requestOf(c: Case): HttpRequest {
  const headers: Record<string, string> = { ...c.extraHeaders };
  if (c.principal.text !== undefined) headers["x-ms-client-principal"] = c.principal.text;
  return new HttpRequest({ method: "GET", url: `https://watchdog.example/api/${c.reader}${c.query.text}`, headers });
}

let sandbox: Sandbox;
let canaries: string[];

beforeAll(async () => {
  const world = demoWorld(new Date());
  sandbox = await startSandbox(world);
  const dir = mkdtempSync(join(tmpdir(), "watchdog-read-props-"));
  writeFileSync(join(dir, "policy.yaml"), demoPolicyYaml);
  // A Function App keeps its state in AzureWebJobsStorage (never a local file).
  Object.assign(process.env, sandbox.env, { WATCHDOG_POLICY: join(dir, "policy.yaml"), AzureWebJobsStorage: (await sharedAzurite()).connectionString });
  delete process.env.WATCHDOG_REFRESH_MIN_INTERVAL_SECONDS;
  canaries = secretValuesOf(world, [sandbox.signingSecret]);
});
afterAll(async () => {
  delete process.env.WEBSITE_AUTH_ENABLED;
  await sandbox?.close();
});

describe("GET /api/plan, /api/inventory, /api/report with fuzzed callers and queries (property)", () => {
  it("checks the caller, then the query, and serves readers from the stored read without a request anywhere", async () => {
    delete process.env.WEBSITE_AUTH_ENABLED;
    const context = new InvocationContext({ invocationId: "prop", functionName: "read", logHandler: () => undefined });
    // The first read stores one (nothing was stored); every later one, refreshes included (within the minimum interval), is served from it.
    expect((await planHandler(new HttpRequest({ method: "GET", url: "https://watchdog.example/api/plan" }), context)).status).toBe(200);
    sandbox.log.clear();

    const answers: HttpResponseInit[] = [];
    const logs: string[] = [];
    const logging = new InvocationContext({ invocationId: "prop", functionName: "read", logHandler: (level, ...args) => logs.push(`${level} ${args.map(String).join(" ")}`) });
    await fc.assert(
      fc.asyncProperty(cases, async (c) => {
        if (c.authSetting === undefined) delete process.env.WEBSITE_AUTH_ENABLED;
        else process.env.WEBSITE_AUTH_ENABLED = c.authSetting;
        const answer = await readers[c.reader](requestOf(c), logging);
        answers.push(answer);
        expect(answer.status ?? 200).toBe(expectedStatus(c));
        if ((answer.status ?? 200) !== 200) {
          const error = (answer.jsonBody as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
          expect(typeof error?.code).toBe("string");
          expect(typeof error?.message === "string" && error.message.length > 0).toBe(true);
        }
      }),
      { numRuns: 200 },
    );

    expect(sandbox.log.entries).toEqual([]);
    expect(leakedSecrets(JSON.stringify(answers) + logs.join("\n"), canaries)).toEqual([]);
    expect(new Set(answers.map((a) => a.status ?? 200)).size).toBeGreaterThanOrEqual(3);
  });
});
