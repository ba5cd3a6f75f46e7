/**
 * The conditions every benchmark run meets: the emulators' latency and rate limits, and the page sizes. One run per
 * size also meets the same world without rate limits ("unlimited"): a generous server, where only latency,
 * concurrency and the client's own CPU bound the inventory.
 * CircleCI chooses its page size server-side and does not publish it; 20 is what its listings are seen
 * to return. Graph is asked for $top=999 (its maximum) and Key Vault hands out at most 25 a page.
 */
export const benchConditions = {
  latencyMs: 40,
  ratePerSecond: { circleci: 50, graph: 100 },
  /** Seconds a 429 asks the client to wait (the emulator's Retry-After). */
  retryAfterSeconds: 1,
  pageSize: { circleci: 20, graph: 999, keyVault: 25 },
} as const;

/** "limited": CircleCI and Graph answer 429 beyond their rates; "unlimited": no rate limit anywhere. */
export type WorldLimits = "limited" | "unlimited";

export type ApiName = "circleci" | "graph" | "keyvault" | "entra";

export const apiNames: readonly ApiName[] = ["circleci", "graph", "keyvault", "entra"];

export const apiLabels: Record<ApiName, string> = {
  circleci: "CircleCI",
  graph: "Graph",
  keyvault: "Key Vault",
  entra: "Entra tokens",
};
