import type { CircleWorld } from "../world/spec.js";

/**
 * A small, fixed CircleCI world for tests and demos: one organization, five contexts (prod-deploy has
 * five variables so that small pages split it), and projects in every slug style, followed or not.
 */
export function sampleCircleWorld(options: { now?: Date; token?: string } = {}): CircleWorld {
  const now = options.now ?? new Date("2026-01-15T12:00:00.000Z");
  const daysAgo = (days: number) => new Date(now.getTime() - days * 86_400_000).toISOString();
  const orgId = "6f1c2b9e-4d3a-4c8e-9b7a-2e5f1d0c3a11";
  const context = (id: string, name: string, ageDays: number, variables: Array<[string, string, number]>) => ({
    id,
    name,
    createdAt: daysAgo(ageDays),
    variables: variables.map(([varName, value, changedDaysAgo]) => ({
      name: varName,
      value,
      createdAt: daysAgo(ageDays),
      updatedAt: daysAgo(changedDaysAgo),
    })),
  });
  return {
    token: options.token ?? "CCIPAT_sandbox_0123456789abcdef0123456789abcdef",
    org: { id: orgId, slug: "gh/acme", name: "acme", vcsType: "github" },
    user: { id: "5d1f8a2c-7b3e-4f6a-8c9d-0e1f2a3b4c5d", login: "watchdog-bot", name: "Watchdog Bot" },
    contexts: [
      context("0b6f6a7e-1c2d-4e3f-8a9b-0c1d2e3f4a01", "prod-deploy", 400, [
        ["AZURE_CLIENT_ID", "11111111-2222-3333-4444-555555555555", 400],
        ["AZURE_TENANT_ID", "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", 400],
        ["AZURE_CLIENT_SECRET", "prod~secret~value~0001", 120],
        ["DOCKER_PASSWORD", "docker-pass-0001", 10],
        ["NPM_TOKEN", "npm_token_value_0001", 200],
      ]),
      context("0b6f6a7e-1c2d-4e3f-8a9b-0c1d2e3f4a02", "staging-deploy", 300, [
        ["AZURE_CLIENT_SECRET", "staging~secret~value~0002", 20],
      ]),
      context("0b6f6a7e-1c2d-4e3f-8a9b-0c1d2e3f4a03", "shared-tools", 200, []),
      context("0b6f6a7e-1c2d-4e3f-8a9b-0c1d2e3f4a04", "docs", 100, [["ALGOLIA_KEY", "algolia-0004", 100]]),
      context("0b6f6a7e-1c2d-4e3f-8a9b-0c1d2e3f4a05", "release", 50, [["GH_TOKEN", "ghp_release_0005", 5]]),
    ],
    projects: [
      {
        slug: "gh/acme/api",
        id: "9a3c6f0e-1111-4a2b-8c3d-000000000001",
        name: "api",
        followed: true,
        variables: [
          { name: "DEPLOY_KEY", value: "api-deploy-key-9876", createdAt: daysAgo(150) },
          { name: "LEGACY_TOKEN", value: "legacy-token-5555" },
          { name: "SENTRY_DSN", value: "https://sentry.example/42", createdAt: daysAgo(3) },
        ],
      },
      { slug: "bb/acme/web", id: "9a3c6f0e-1111-4a2b-8c3d-000000000002", name: "web", followed: true, variables: [] },
      {
        slug: `circleci/${orgId}/7e2d4c1a-2222-4b3c-9d4e-000000000003`,
        id: "7e2d4c1a-2222-4b3c-9d4e-000000000003",
        name: "infra",
        followed: true,
        variables: [{ name: "TF_TOKEN", value: "tf-token-abcd", createdAt: daysAgo(30) }],
      },
      { slug: "gh/acme/unfollowed", id: "9a3c6f0e-1111-4a2b-8c3d-000000000004", name: "unfollowed", variables: [] },
    ],
  };
}
