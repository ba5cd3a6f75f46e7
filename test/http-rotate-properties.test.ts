import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HttpRequest, InvocationContext, type HttpResponseInit } from "@azure/functions";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rotateHandler } from "../functions/http-rotate.js";
import { startSandbox, type Sandbox } from "../sandbox/start.js";
import { demoPolicyYaml, demoWorld } from "../sandbox/world/demo.js";
import { createAzureStateStore } from "#shared/adapters/state/azure/index.js";
import { sharedAzurite } from "./support/azurite.js";
import { leakedSecrets, secretValuesOf, webhookUrlsOf } from "./support/canaries.js";
import { authOff, authOn, extraHeaders, principalCases, principalStatus, type PrincipalCase } from "./support/principals.js";

// Malformed names, query strings, bodies and principals thrown at POST /api/credentials/{name}/rotate: every
// answer is a 4xx JSON error with a message, and nothing changes in any emulator or in the state store.

const rotated = ["prod-deploy", "staging-deploy"];
const watched = ["data-pipeline", "legacy-reports"];

type Part<K extends string> = { kind: K; text?: string };
type NameCase = Part<"good" | "malformed" | "unknown" | "not-rotated">;
interface Case {
  name: NameCase;
  query: Part<"good" | "bad">;
  body: Part<"good" | "bad"> & { text?: string };
  authSetting?: string;
  principal: PrincipalCase;
  /** Headers a caller may add that must change nothing. */
  extraHeaders: Record<string, string>;
}

const validName = /^[a-z0-9-]{1,120}$/;

const names: fc.Arbitrary<NameCase> = fc.oneof(
  fc.constantFrom(...rotated).map((text) => ({ kind: "good" as const, text })),
  fc
    .oneof(fc.string({ maxLength: 30 }), fc.string({ unit: "grapheme", maxLength: 10 }), fc.stringMatching(/^[a-z0-9-]{121,140}$/), fc.constantFrom("Prod-Deploy", "prod_deploy", "prod-deploy/", " prod-deploy", "../prod-deploy", "prod-deploy%00"))
    .filter((text) => !validName.test(text))
    .map((text) => ({ kind: "malformed" as const, text })),
  fc
    .stringMatching(/^[a-z0-9-]{1,40}$/)
    .filter((text) => !rotated.includes(text) && !watched.includes(text))
    .map((text) => ({ kind: "unknown" as const, text })),
  fc.constantFrom(...watched).map((text) => ({ kind: "not-rotated" as const, text })),
);

const queryOf = (pairs: Array<[string, string]>) => (pairs.length === 0 ? "" : `?${new URLSearchParams(pairs).toString()}`);
const queries: fc.Arbitrary<Case["query"]> = fc.oneof(
  fc.constantFrom<Array<[string, string]>>([], [["dryRun", "true"]], [["dryRun", "false"]], [["code", "a-function-key"]], [["dryRun", "true"], ["code", "k"]]).map((pairs) => ({ kind: "good" as const, text: queryOf(pairs) })),
  fc
    .oneof(
      fc.string({ maxLength: 12 }).filter((v) => v !== "true" && v !== "false").map((v): Array<[string, string]> => [["dryRun", v]]),
      fc.tuple(fc.string({ maxLength: 12 }).filter((k) => k !== "dryRun" && k !== "code"), fc.string({ maxLength: 12 })).map(([k, v]): Array<[string, string]> => [[k, v]]),
      fc.constantFrom<Array<[string, string]>>([["dryRun", "true"], ["dryRun", "true"]], [["code", "a"], ["code", "b"]], [["DryRun", "true"]], [["dryrun", "true"]], [["dryRun", "TRUE"]]),
    )
    .map((pairs) => ({ kind: "bad" as const, text: queryOf(pairs) })),
);

/** The oracle of "the body is empty or {}" — independent of the handler's code. */
function emptyRequestBody(text: string | undefined): boolean {
  if (text === undefined || text.trim() === "") return true;
  try {
    const json: unknown = JSON.parse(text);
    return typeof json === "object" && json !== null && !Array.isArray(json) && Object.keys(json).length === 0;
  } catch {
    return false;
  }
}

const bodies: fc.Arbitrary<Case["body"]> = fc.oneof(
  fc.constantFrom(undefined, "", "{}", " { } ", "\n").map((text) => ({ kind: "good" as const, text })),
  fc
    .oneof(fc.json({ maxDepth: 2 }), fc.string({ minLength: 1, maxLength: 40 }), fc.constantFrom("[]", "null", "0", '""', '{"value":"x"}', '{"dryRun":true}', "{", "}{", "{}{}"))
    .filter((text) => !emptyRequestBody(text))
    .map((text) => ({ kind: "bad" as const, text })),
);

const principals = principalCases(["Watchdog.Rotate"], ["watchdog.rotate", "Watchdog.Read", "Watchdog.Rotate "]);

const cases: fc.Arbitrary<Case> = fc
  .record({ name: names, query: queries, body: bodies, principal: principals, on: fc.boolean(), extraHeaders })
  .chain(({ on, ...rest }) => (on || rest.principal.kind !== "good" ? authOn : authOff).map((authSetting) => ({ ...rest, authSetting })))
  .filter((c) => c.name.kind !== "good" || c.query.kind === "bad" || c.body.kind === "bad" || c.principal.kind !== "good");

/** What the caller must be told, first problem first: who is asking, then what they asked. */
function expectedStatus(c: Case): number {
  if (c.principal.kind !== "good") return principalStatus[c.principal.kind];
  if (c.name.kind === "malformed" || c.query.kind === "bad" || c.body.kind === "bad") return 400;
  return c.name.kind === "unknown" ? 404 : 409;
}

function requestOf(c: Case): HttpRequest {
  const name = c.name.text ?? "";
  const headers: Record<string, string> = { ...c.extraHeaders };
  if (c.principal.text !== undefined) headers["x-ms-client-principal"] = c.principal.text;
  return new HttpRequest({
    method: "POST",
    url: `https://watchdog.example/api/credentials/${encodeURIComponent(name)}/rotate${c.query.text ?? ""}`,
    params: { name },
    headers,
    ...(c.body.text !== undefined ? { body: { string: c.body.text } } : {}),
  });
}

let sandbox: Sandbox;
let storage: string;
let canaries: string[];

function worldState(): string {
  return JSON.stringify([sandbox.circleci.state.contexts, sandbox.circleci.state.projects, sandbox.directory.state.applications, sandbox.keyVault.state.liveSecrets()]);
}

beforeAll(async () => {
  const world = demoWorld(new Date());
  sandbox = await startSandbox(world);
  const dir = mkdtempSync(join(tmpdir(), "watchdog-http-props-"));
  // A Function App keeps its state in AzureWebJobsStorage (never a local file).
  storage = (await sharedAzurite()).connectionString;
  writeFileSync(join(dir, "policy.yaml"), demoPolicyYaml);
  Object.assign(process.env, sandbox.env, { WATCHDOG_POLICY: join(dir, "policy.yaml"), AzureWebJobsStorage: storage });
  canaries = secretValuesOf(world, [sandbox.signingSecret, ...webhookUrlsOf(sandbox.env)]);
});
afterAll(async () => {
  delete process.env.WEBSITE_AUTH_ENABLED;
  await sandbox?.close();
});

describe("POST /api/credentials/{name}/rotate with malformed input (property)", () => {
  it("answers every malformed request with a 4xx JSON error and changes nothing anywhere", async () => {
    const before = worldState();
    sandbox.log.clear();
    const answers: HttpResponseInit[] = [];
    const logs: string[] = [];
    const context = new InvocationContext({ invocationId: "prop", functionName: "rotate", logHandler: (level, ...args) => logs.push(`${level} ${args.map(String).join(" ")}`) });

    await fc.assert(
      fc.asyncProperty(cases, async (c) => {
        if (c.authSetting === undefined) delete process.env.WEBSITE_AUTH_ENABLED;
        else process.env.WEBSITE_AUTH_ENABLED = c.authSetting;
        const answer = await rotateHandler(requestOf(c), context);
        answers.push(answer);
        const error = (answer.jsonBody as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
        expect(answer.status).toBe(expectedStatus(c));
        expect(typeof error?.code).toBe("string");
        expect(typeof error?.message === "string" && error.message.length > 0).toBe(true);
      }),
      { numRuns: 300 },
    );

    // No request changed anything: no write reached an emulator, and the state store holds no audit entry, journal or lease.
    expect(sandbox.log.writes()).toEqual([]);
    expect(worldState()).toBe(before);
    const state = createAzureStateStore({ connectionString: storage });
    expect(await state.listAudit()).toEqual([]);
    expect([...(await state.list("journal")), ...(await state.list("leases"))]).toEqual([]);
    expect(leakedSecrets(JSON.stringify(answers) + logs.join("\n"), canaries)).toEqual([]);
    // Each answer was checked against its own expected status above; here only that no other status slipped in
    // (which statuses a random run happens to reach varies, so their full set is not required).
    const allowed = new Set([400, 401, 403, 404, 409]);
    expect(answers.map((a) => a.status).filter((s) => s === undefined || !allowed.has(s))).toEqual([]);
    expect(new Set(answers.map((a) => a.status)).size).toBeGreaterThanOrEqual(3);
  });
});
