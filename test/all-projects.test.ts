// inventory.allProjects through the CLI as a user runs it: every project of the organization comes from CircleCI's
// undocumented organization project list (as CircleCI-Env-Inspector reads it), deleted ones are skipped, and a list
// that fails or pages in a loop leaves the coverage INCOMPLETE (nothing is removed on it), never "no projects".
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../sandbox/start.js";
import { demoWorld } from "../sandbox/world/demo.js";
import type { WorldSpec } from "../sandbox/world/spec.js";
import { leakedSecrets, secretValuesOf } from "./support/canaries.js";
import { runBuiltCli } from "./support/cli.js";

interface PlanJson {
  complete: boolean;
  sourceErrors: Array<{ where: string; message: string }>;
  findings: Array<{ kind: string; source: { circleci?: { project?: string; variable?: string } } }>;
  projectCoverage?: { read: number; bySource: Record<string, number>; organizationList: string; deletedSkipped: number; notFound: string[]; unreadable: string[]; complete: boolean };
}

const day = 86_400_000;

describe("inventory.allProjects: every project of the organization", () => {
  const now = new Date();
  let world: WorldSpec;
  let sandbox: Sandbox;
  let env: Record<string, string>;
  let secrets: string[];

  const plan = async (policy: string) => {
    const dir = mkdtempSync(join(tmpdir(), "watchdog-all-projects-"));
    writeFileSync(join(dir, "policy.yaml"), policy);
    const run = await runBuiltCli(["plan", "--json"], { ...env, WATCHDOG_POLICY: join(dir, "policy.yaml"), WATCHDOG_STATE_DIR: join(dir, "state") });
    expect(run.code, run.stderr).toBe(0);
    expect(leakedSecrets(run.stdout + run.stderr, secrets)).toEqual([]);
    return { json: JSON.parse(run.stdout) as PlanJson, stdout: run.stdout };
  };
  const policy = (allProjects: boolean) => `version: 1
inventory:
  projects: [gh/acme/api]
  allProjects: ${allProjects}
`;
  const longLivedProjects = (p: PlanJson) =>
    [...new Set(p.findings.filter((f) => f.kind === "long-lived" && f.source.circleci?.project).map((f) => f.source.circleci!.project!))].sort();

  beforeAll(async () => {
    world = demoWorld(now);
    // Projects nobody listed or follows, one of them deleted.
    world.circleci.projects.push(
      { slug: "gh/acme/forgotten", id: "6a4c1c1e-0000-4000-8000-000000000001", name: "forgotten", variables: [{ name: "NPM_TOKEN", value: "npm_forgotten_canary_0001", createdAt: new Date(now.getTime() - 500 * day).toISOString() }] },
      { slug: "gh/acme/legacy", id: "6a4c1c1e-0000-4000-8000-000000000002", name: "legacy", variables: [{ name: "SONAR_TOKEN", value: "sonar_legacy_canary_0002", createdAt: new Date(now.getTime() - 300 * day).toISOString() }] },
      { slug: "gh/acme/gone", id: "6a4c1c1e-0000-4000-8000-000000000003", name: "gone", deletedAt: new Date(now.getTime() - 30 * day).toISOString(), variables: [{ name: "OLD_TOKEN", value: "old_gone_canary_0003", createdAt: new Date(now.getTime() - 900 * day).toISOString() }] },
    );
    sandbox = await startSandbox(world, { circlePageSize: 2 });
    env = { ...sandbox.env };
    secrets = secretValuesOf(world, []);
  });
  afterAll(() => sandbox.close());
  beforeEach(() => {
    sandbox.circleci.faults.clear();
    sandbox.circleci.state.privateProjectList = { deletedMarker: "deleted_at", repeatFirstPage: false };
  });

  it("off (the default): only the projects the policy names, and the plan says how to see the rest", async () => {
    const { json, stdout } = await plan(policy(false));
    expect(longLivedProjects(json)).toEqual(["gh/acme/api"]);
    expect(json.projectCoverage).toMatchObject({ read: 1, organizationList: "off", complete: true });
    expect(stdout).not.toContain("gh/acme/forgotten");
  });

  it("finds the variables of projects nobody listed, skips deleted ones, and says where each project came from", async () => {
    sandbox.log.clear();
    const { json } = await plan(policy(true));
    expect(longLivedProjects(json)).toEqual(["gh/acme/api", "gh/acme/forgotten", "gh/acme/legacy", "gh/acme/web"]);
    expect(json.complete).toBe(true);
    expect(json.projectCoverage).toEqual({
      read: 4,
      bySource: { listed: 1, bound: 0, followed: 0, organization: 4 },
      organizationList: "read",
      deletedSkipped: 1,
      notFound: [],
      unreadable: [],
      complete: true,
    });
    // Paged (two projects a page), asked as CircleCI-Env-Inspector asks, and the deleted project was never read.
    const listing = sandbox.log.entries.filter((e) => e.route === "private.projects");
    expect(listing.length).toBeGreaterThan(1);
    expect(listing[0]!.path).toBe("/api/private/project");
    expect(sandbox.log.entries.some((e) => e.path.includes("/project/gh/acme/gone/"))).toBe(false);
  });

  it("where the list does not mark deleted projects, API v2's 404 tells: listed as not found, coverage still complete", async () => {
    sandbox.circleci.state.privateProjectList = { deletedMarker: "unmarked", repeatFirstPage: false };
    const { json } = await plan(policy(true));
    expect(json.complete).toBe(true);
    expect(json.projectCoverage).toMatchObject({ read: 4, deletedSkipped: 0, notFound: ["gh/acme/gone"], complete: true });
  });

  it("a failing organization list makes the coverage incomplete, and the inventory incomplete: nothing is removed on it", async () => {
    sandbox.circleci.faults.set("private.projects", { failTimes: 100, failStatus: 403 });
    const { json } = await plan(policy(true));
    expect(json.complete).toBe(false);
    expect(json.sourceErrors.map((e) => e.where)).toContain("organization projects");
    expect(json.projectCoverage).toMatchObject({ organizationList: "failed", complete: false });
    // The projects the policy names are still read.
    expect(longLivedProjects(json)).toEqual(["gh/acme/api"]);
    const text = await runBuiltCli(["plan"], { ...env, WATCHDOG_POLICY: writePolicy(policy(true)), WATCHDOG_STATE_DIR: join(tmpdir(), "watchdog-all-projects-state") });
    expect(text.stdout).toMatch(/organization project list could not be read: coverage INCOMPLETE/);
    const doctor = await runBuiltCli(["doctor", "--json"], { ...env, WATCHDOG_POLICY: writePolicy(policy(true)), WATCHDOG_STATE_DIR: join(tmpdir(), "watchdog-all-projects-state") });
    const checks = (JSON.parse(doctor.stdout) as { checks: Array<{ need: string; status: string; fix: string }> }).checks;
    expect(checks.find((c) => c.need === "CircleCI's organization project list (undocumented) answers")).toMatchObject({ status: "missing", fix: expect.stringContaining("coverage is incomplete") });
    expect(doctor.code).toBe(1);
  });

  it("a list that repeats its pages forever (CircleCI-Env-Inspector #44) is stopped and marks the coverage incomplete", async () => {
    sandbox.circleci.state.privateProjectList = { deletedMarker: "deleted_at", repeatFirstPage: true };
    sandbox.log.clear();
    const { json } = await plan(policy(true));
    expect(json.complete).toBe(false);
    expect(json.projectCoverage).toMatchObject({ organizationList: "failed", complete: false });
    expect(sandbox.log.count((e) => e.route === "private.projects")).toBeLessThanOrEqual(3);
  });

  it("an answer of an unexpected shape is a failure, never an empty organization", async () => {
    sandbox.circleci.faults.set("private.projects", { failTimes: 1, failStatus: 200 });
    const { json } = await plan(policy(true));
    expect(json.projectCoverage?.organizationList).toBe("failed");
    expect(json.complete).toBe(false);
  });
});

function writePolicy(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), "watchdog-all-projects-"));
  writeFileSync(join(dir, "policy.yaml"), text);
  return join(dir, "policy.yaml");
}
