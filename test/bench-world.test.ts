import { describe, expect, it } from "vitest";
import { generateWorld, worldShapes } from "../sandbox/world/generate.js";
import { parsePolicy } from "#shared/domain/policy/index.js";

describe("generated benchmark worlds", () => {
  const now = new Date("2026-03-01T12:00:00.000Z");

  it("are the same world for the same clock", () => {
    expect(JSON.stringify(generateWorld(worldShapes.small, now))).toBe(JSON.stringify(generateWorld(worldShapes.small, now)));
  });

  it("hold the large estate of issue 6, with unique ids", () => {
    const { world } = generateWorld(worldShapes.large, now);
    expect(world.circleci.contexts).toHaveLength(500);
    expect(world.circleci.contexts.every((c) => c.variables.length === 20)).toBe(true);
    expect(world.circleci.projects).toHaveLength(300);
    expect(world.circleci.projects.every((p) => p.variables.length === 10)).toBe(true);
    expect(world.entra.applications).toHaveLength(3000);
    expect(world.entra.applications.every((a) => a.passwordCredentials.length === 2)).toBe(true);
    expect(world.keyVault.secrets).toHaveLength(3000);
    const unique = (ids: string[]) => new Set(ids).size === ids.length;
    expect(unique(world.circleci.contexts.map((c) => c.id))).toBe(true);
    expect(unique(world.entra.applications.map((a) => a.appId))).toBe(true);
    expect(unique(world.entra.applications.flatMap((a) => a.passwordCredentials.map((p) => p.keyId)))).toBe(true);
    expect(unique(world.keyVault.secrets.map((s) => s.name))).toBe(true);
  });

  it("come with a valid policy that reads every project", () => {
    const { world, policyYaml } = generateWorld(worldShapes.medium, now);
    const parsed = parsePolicy(policyYaml, { filename: "bench.policy.yaml", env: {} });
    expect(parsed.ok).toBe(true);
    if (parsed.ok) expect(parsed.policy.inventory.projects).toEqual(world.circleci.projects.map((p) => p.slug));
  });
});
