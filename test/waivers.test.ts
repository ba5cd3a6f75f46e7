import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { formatIssue, parsePolicy } from "#shared/domain/policy/index.js";
import { checkPolicyFile, openWatchdog } from "#shared/app/watchdog.js";
import { formatCheckPolicy, formatPlan } from "../cli/format.js";
import { startSandbox, type Sandbox } from "../sandbox/start.js";
import { demoIds, demoPasswordKeyId, demoPolicyYaml, demoWorld } from "../sandbox/world/demo.js";

const DAY = 86_400_000;
const day = (at: Date, days: number) => new Date(at.getTime() + days * DAY).toISOString().slice(0, 10);

describe("waivers in the policy file", () => {
  const now = new Date("2026-12-03T09:00:00.000Z");
  const parse = (waivers: unknown[], options: { endedWaivers?: "error" | "allow" } = {}) =>
    parsePolicy(stringify({ version: 1, waivers }), { env: {}, now, ...options });
  const errors = (waivers: unknown[], options: { endedWaivers?: "error" | "allow" } = {}) => {
    const result = parse(waivers, options);
    return result.ok ? [] : result.errors.map(formatIssue);
  };
  const waiver = (match: unknown, until = "2027-03-31") => ({ match, reason: "Docker Hub has no token rotation API; replaced by OIDC in Q1", until, by: "platform-team" });

  it("takes each match kind", () => {
    const result = parse([
      waiver({ context: "docker-hub", variable: "DOCKER_PASSWORD" }),
      waiver({ project: "gh/acme/api", variable: "DATABASE_URL" }),
      waiver({ appId: demoIds.apps.marketingSite, keyId: demoPasswordKeyId("marketingSite") }),
      waiver({ appId: demoIds.apps.backupRunner }),
      waiver({ credential: "legacy-reports" }),
      waiver({ credential: "circleci:context:docker-hub:DOCKER_PASSWORD" }),
    ]);
    expect(result.ok, JSON.stringify(result)).toBe(true);
  });

  it("refuses a waiver without a reason, an end or a clear match, one that ended, and one more than 365 days ahead, naming the path", () => {
    expect(errors([{ match: { context: "docker-hub", variable: "X" }, reason: "  ", until: "2027-01-01", by: "me" }])).toEqual(["waivers[0].reason: must say why the finding is accepted"]);
    expect(errors([{ match: { context: "docker-hub", variable: "X" }, reason: "why", by: "me" }])).toEqual(["waivers[0].until: required"]);
    expect(errors([waiver({ context: "docker-hub" })])).toEqual([
      "waivers[0].match: expected one of { context, variable }, { project, variable }, { appId, keyId }, { credential }",
    ]);
    expect(errors([waiver({ context: "a", variable: "B", credential: "c" })])).toHaveLength(1);
    expect(errors([waiver({ credential: "c" }, "31/03/2027")])).toEqual(["waivers[0].until: expected a date like 2027-03-31 (or an ISO date-time)"]);
    expect(errors([waiver({ credential: "c" }, day(now, -1))])).toEqual([
      `waivers[0].until: ended on ${day(now, -1)}: the finding alerts again; remove the waiver or renew it (at most 365 days ahead)`,
    ]);
    expect(errors([waiver({ credential: "c" }, day(now, 400))])).toEqual(["waivers[0].until: more than 365 days ahead: an accepted risk is revisited at least once a year"]);
    expect(errors([waiver({ credential: "c" }, day(now, 365))])).toEqual([]);
    // A running watchdog lets an ended waiver through: it stops silencing instead of stopping every cycle.
    expect(errors([waiver({ credential: "c" }, day(now, -1))], { endedWaivers: "allow" })).toEqual([]);
  });
});

// The demo world, watched as the timer does, with a clock the test moves.
describe("waivers in a cycle", () => {
  const start = new Date();
  let clock = start;
  let sandbox: Sandbox;
  let dir: string;
  let env: Record<string, string>;
  const marketingKey = `entra:${demoIds.apps.marketingSite}:${demoPasswordKeyId("marketingSite")}`;
  const waiversYaml = (endingIn: number) => `
waivers:
  - match: { context: docker-hub, variable: DOCKER_PASSWORD }
    reason: "Docker Hub has no token rotation API; replaced by OIDC in Q1"
    until: ${day(start, 90)}
    by: platform-team
  - match: { project: gh/acme/api, variable: DATABASE_URL }
    reason: "rotated by the DBA team's own job"
    until: ${day(start, 90)}
    by: dba-team
  - match: { appId: ${demoIds.apps.marketingSite}, keyId: ${demoPasswordKeyId("marketingSite")} }
    reason: "app being deleted with the old site"
    until: ${day(start, 90)}
    by: web-team
  - match: { credential: legacy-reports }
    reason: "legacy reports retire this month"
    until: ${day(start, endingIn)}
    by: reporting
  - match: { credential: prod-deploy }
    reason: "a waiver never stops a rotation"
    until: ${day(start, 90)}
    by: platform-team
  - match: { context: docker-hub, variable: DOCKER_PASWORD }
    reason: "a typo"
    until: ${day(start, 90)}
    by: someone
`;
  const usePolicy = (extra: string) => writeFileSync(join(dir, "policy.yaml"), demoPolicyYaml + extra);
  const watchdog = () => openWatchdog(env, { host: "cli", now: () => clock });
  const beforeWaiver = new Set<string>();

  beforeAll(async () => {
    sandbox = await startSandbox(demoWorld(start), { now: () => clock });
    dir = mkdtempSync(join(tmpdir(), "watchdog-waivers-"));
    env = { ...sandbox.env, WATCHDOG_POLICY: join(dir, "policy.yaml"), WATCHDOG_STATE_DIR: join(dir, "state") };
    Object.assign(process.env, env);
  });
  afterAll(() => sandbox.close());

  it("before any waiver, the findings alert", async () => {
    usePolicy("");
    const report = await (await watchdog()).run({ dryRun: false, actor: "timer" });
    expect(report.failures).toEqual([]);
    const credentials = report.alerts.raised.map((a) => a.credential);
    for (const a of report.alerts.raised) if (a.credential === "legacy-reports") beforeWaiver.add(a.id);
    expect(credentials).toEqual(expect.arrayContaining(["legacy-reports", marketingKey, "circleci:context:docker-hub:DOCKER_PASSWORD", "circleci:project:gh/acme/api:DATABASE_URL"]));
  });

  it("waived findings show as waived (reason, by, until) in the plan, raise no alert (nor a resolved notice), and change nothing the watchdog does", async () => {
    const bare = await (await watchdog()).plan();
    usePolicy(waiversYaml(20));
    const plan = await (await watchdog()).plan();
    // A waiver silences, it does not act: the same steps with or without waivers.
    expect(plan.steps).toEqual(bare.steps);
    const docker = plan.findings.find((f) => f.credential === "circleci:context:docker-hub:DOCKER_PASSWORD")!;
    expect(docker.waiver).toEqual({ state: "active", reason: "Docker Hub has no token rotation API; replaced by OIDC in Q1", by: "platform-team", until: day(start, 90), waiver: 0 });
    for (const credential of ["circleci:project:gh/acme/api:DATABASE_URL", marketingKey, "legacy-reports"]) {
      expect(plan.findings.filter((f) => f.credential === credential).map((f) => f.waiver?.state), credential).toContain("active");
    }
    expect(plan.credentials.find((c) => c.credential === "prod-deploy")?.waiver?.state).toBe("active");
    expect(plan.waivers?.map((w) => [w.state, w.matches])).toEqual([
      ["active", 1],
      ["active", 1],
      ["active", 1],
      ["ending", 1],
      ["active", 1],
      ["active", 0],
    ]);
    expect(plan.summary.waived).toBeGreaterThanOrEqual(4);
    expect(formatPlan(plan)).toContain(`waived (critical)`);
    expect(formatPlan(plan)).toContain("waivers[5] context docker-hub / DOCKER_PASWORD: until");
    expect(formatPlan(plan)).toContain("WARNING: matches nothing");

    const report = await (await watchdog()).run({ dryRun: false, actor: "timer" });
    expect(report.failures).toEqual([]);
    // Nothing about the waived credentials, no "resolved" either; one alert of its own for the waiver that ends within 30 days.
    expect(report.alerts.raised.map((a) => `${a.kind} ${a.credential}`)).toEqual([`waiver-ending waiver:legacy-reports`]);
    expect(report.alerts.raised[0]!.title).toBe(`The waiver for legacy-reports ends on ${day(start, 20)} ("legacy reports retire this month", accepted by reporting)`);

    const html = await (await watchdog()).report();
    expect(html).toContain("Waived until");
    expect(html).toContain("legacy reports retire this month (reporting)");

    const again = await (await watchdog()).run({ dryRun: false, actor: "timer" });
    expect(again.alerts.raised.map((a) => a.kind)).toEqual(["waiver-ending"]);
    expect(again.alerts.sent).toBe(0);
  });

  it("check-policy warns about a waiver that matches nothing in the inventory, and refuses an ended one", async () => {
    const checked = await checkPolicyFile(env, undefined, { now: () => clock });
    expect(formatCheckPolicy(checked)).toContain(
      "warning: waivers[5].match: matches nothing in the inventory (context docker-hub / DOCKER_PASWORD): a typo would silently waive nothing",
    );
    expect(formatCheckPolicy(checked)).not.toContain("waivers[0].match");
    await expect(checkPolicyFile(env, undefined, { now: () => new Date(start.getTime() + 25 * DAY) })).rejects.toThrow(/waivers\[3\]\.until: ended on/);
  });

  it("after `until` the finding alerts again, as new", async () => {
    clock = new Date(start.getTime() + 22 * DAY);
    const report = await (await watchdog()).run({ dryRun: false, actor: "timer" });
    const legacy = report.alerts.raised.filter((a) => a.credential === "legacy-reports");
    expect(legacy.map((a) => a.kind).sort()).toEqual(["expired", "long-lived"]);
    // New ids: an earlier delivery (a tombstone in the outbox) cannot swallow them.
    for (const a of legacy) expect(beforeWaiver.has(a.id)).toBe(false);
    expect(beforeWaiver.size).toBe(2);
    expect(report.alerts.deliveries.map((d) => d.alertId)).toContain(legacy[0]!.id);
    expect(report.plan.waivers?.[3]).toMatchObject({ state: "ended" });
    expect(report.alerts.raised.map((a) => a.credential)).not.toContain("circleci:context:docker-hub:DOCKER_PASSWORD");
  });
});
