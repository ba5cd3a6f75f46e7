// The OIDC broker's rule matcher: every rule must hold, each fails closed on an absent claim, globs match the
// whole ref, and a refusal names the rule — never a claim's value. Properties check answers, not the code's steps.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { jobClaims, type CircleCiJobClaims } from "#shared/domain/broker/claims.js";
import { evaluateAllow, refMatches, type ResolvedAllow } from "#shared/domain/broker/rules.js";

const project = "0d1a4b9e-5c39-4c1e-9e0b-1a2b3c4d5e6f";
const context = "7f6e5d4c-3b2a-4190-8f7e-6d5c4b3a2910";
const job = (overrides: Partial<CircleCiJobClaims> = {}): CircleCiJobClaims => ({
  projectId: project,
  contextIds: [context],
  vcsOrigin: "github.com/acme/api",
  vcsRef: "refs/heads/main",
  sshRerun: false,
  ...overrides,
});
const allow = (overrides: Partial<ResolvedAllow> = {}): ResolvedAllow => ({ projectIds: [project], sshRerun: false, ...overrides });

describe("broker rules", () => {
  it("grants an allowed project on an allowed branch with the required context", () => {
    expect(evaluateAllow(allow({ branches: ["main", "release/*"], contextIds: [context], vcsOrigin: "github.com/acme/api" }), job())).toEqual({ granted: true });
  });

  it.each([
    ["another project", job({ projectId: "11111111-1111-4111-8111-111111111111" }), "projectIds"],
    ["no project claim", job({ projectId: undefined }), "projectIds"],
    ["another branch", job({ vcsRef: "refs/heads/feature/x" }), "branches"],
    ["a custom-webhook pipeline (no vcs-ref)", job({ vcsRef: undefined, vcsOrigin: undefined }), "vcsOrigin"],
    ["another repository", job({ vcsOrigin: "github.com/evil/api" }), "vcsOrigin"],
    ["no context", job({ contextIds: [] }), "contexts"],
    ["another context", job({ contextIds: ["22222222-2222-4222-8222-222222222222"] }), "contexts"],
    ["an SSH rerun", job({ sshRerun: true }), "sshRerun"],
    ["a token that does not say whether it is an SSH rerun", job({ sshRerun: undefined }), "sshRerun"],
  ])("refuses %s, naming the rule", (_name, claims, rule) => {
    const decision = evaluateAllow(allow({ branches: ["main"], contextIds: [context], vcsOrigin: "github.com/acme/api" }), claims);
    expect(decision).toMatchObject({ granted: false, rule });
  });

  it("an SSH rerun gets the role only where the role says so", () => {
    expect(evaluateAllow(allow({ sshRerun: true }), job({ sshRerun: true }))).toEqual({ granted: true });
  });

  it("globs match the whole ref: a branch name means refs/heads/<name>, * stays within a segment", () => {
    expect(refMatches("refs/heads/main", ["main"])).toBe(true);
    expect(refMatches("refs/heads/main-evil", ["main"])).toBe(false);
    expect(refMatches("refs/heads/feature/main", ["main"])).toBe(false);
    expect(refMatches("refs/tags/main", ["main"])).toBe(false);
    expect(refMatches("refs/heads/release/1.2", ["release/*"])).toBe(true);
    expect(refMatches("refs/heads/release/1/2", ["release/*"])).toBe(false);
    expect(refMatches("refs/heads/release/1/2", ["release/**"])).toBe(true);
    expect(refMatches("refs/tags/v1.2.3", ["refs/tags/v*"])).toBe(true);
    expect(refMatches("refs/heads/v1.2.3", ["refs/tags/v*"])).toBe(false);
    // No negation or brace tricks: "!main" is not "everything but main".
    expect(refMatches("refs/heads/feature", ["!main"])).toBe(false);
  });

  it("reads claims tolerantly: one context id or several; anything malformed is absent", () => {
    expect(jobClaims({ "oidc.circleci.com/context-ids": context }).contextIds).toEqual([context]);
    expect(jobClaims({ "oidc.circleci.com/context-ids": [context, "x"] }).contextIds).toEqual([context, "x"]);
    expect(jobClaims({ "oidc.circleci.com/context-ids": [1] }).contextIds).toBeUndefined();
    expect(jobClaims({ "oidc.circleci.com/ssh-rerun": "false" }).sshRerun).toBeUndefined();
    expect(jobClaims({ "oidc.circleci.com/project-id": "" }).projectId).toBeUndefined();
  });

  // Arbitrary rules and claims drawn from small pools, so matches and mismatches both happen often.
  const ids = fc.constantFrom("p1", "p2", "p3");
  const refs = fc.constantFrom("refs/heads/main", "refs/heads/dev", "refs/heads/release/1", "refs/tags/v1");
  const arbitraryAllow = fc.record({
    projectIds: fc.uniqueArray(ids, { maxLength: 3 }),
    branches: fc.option(fc.uniqueArray(refs, { maxLength: 3 }), { nil: undefined }),
    vcsOrigin: fc.option(fc.constantFrom("github.com/acme/api", "github.com/acme/web"), { nil: undefined }),
    contextIds: fc.option(fc.uniqueArray(fc.constantFrom<string>("c1", "c2"), { maxLength: 2 }), { nil: undefined }),
    sshRerun: fc.boolean(),
  });
  const arbitraryClaims = fc.record(
    {
      projectId: ids,
      vcsRef: refs,
      vcsOrigin: fc.constantFrom("github.com/acme/api", "github.com/acme/web"),
      contextIds: fc.uniqueArray(fc.constantFrom<string>("c1", "c2", "c3"), { maxLength: 3 }),
      sshRerun: fc.boolean(),
    },
    { requiredKeys: [] },
  );

  it("property: a grant means every rule holds on its own (an independent check of each)", () => {
    fc.assert(
      fc.property(arbitraryAllow, arbitraryClaims, (rules, claims) => {
        const holds =
          claims.projectId !== undefined &&
          rules.projectIds.includes(claims.projectId) &&
          (claims.sshRerun === false || (claims.sshRerun === true && rules.sshRerun)) &&
          (rules.vcsOrigin === undefined || claims.vcsOrigin === rules.vcsOrigin) &&
          (rules.branches === undefined || (claims.vcsRef !== undefined && rules.branches.includes(claims.vcsRef))) &&
          (rules.contextIds === undefined || (claims.contextIds ?? []).some((c) => rules.contextIds!.includes(c)));
        expect(evaluateAllow(rules, claims).granted).toBe(holds);
      }),
      { numRuns: 2000 },
    );
  });

  it("property: a refusal never echoes a claim's value", () => {
    const marker = fc.string({ minLength: 6, maxLength: 30 }).map((s) => `Z${s}Q`);
    fc.assert(
      fc.property(marker, marker, marker, (projectId, vcsRef, vcsOrigin) => {
        const decision = evaluateAllow(allow({ branches: ["main"], vcsOrigin: "github.com/acme/api" }), { projectId, vcsRef, vcsOrigin, sshRerun: false, contextIds: [projectId] });
        expect(decision.granted).toBe(false);
        if (!decision.granted) for (const value of [projectId, vcsRef, vcsOrigin]) expect(decision.reason).not.toContain(value);
      }),
    );
  });
});
