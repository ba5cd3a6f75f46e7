import type { WorldShape } from "../sandbox/world/generate.js";
import { benchConditions, type ApiName, type WorldLimits } from "./conditions.js";

export interface ApiMinimum {
  /** Pages of every listing: requests no client can do without. */
  pages: number;
  /** Requests authentication cannot do without (a token per resource, Key Vault's challenge). */
  auth: number;
  /** max(requests × latency / concurrency, requests / rate limit), in milliseconds. */
  boundMs: number;
  /** How the bound was reached, for the printout. */
  formula: string;
}

export type Minimums = Record<ApiName, ApiMinimum> & { overallBoundMs: number };

/** Pages of a listing of `items` at `size` a page; an empty listing is still one request. */
const pagesOf = (items: number, size: number) => Math.max(1, Math.ceil(items / size));

/**
 * The fewest requests an inventory of `shape` can make, and the least time they can take: per API,
 * max(requests × latency / concurrency, requests / rate limit) — without rate limits ("unlimited"), the first
 * term alone, at the most CircleCI requests the client allows in flight. Graph and Key Vault page through
 * @odata.nextLink / nextLink, which no client can fetch ahead, so their concurrency is 1; both wait for
 * a token first (and Key Vault's SDK for its challenge). The APIs are read side by side: the inventory's
 * bound is the largest of theirs.
 */
export function minimums(shape: WorldShape, circleConcurrency: number, limits: WorldLimits = "limited"): Minimums {
  const { latencyMs, pageSize } = benchConditions;
  const ratePerSecond = limits === "limited" ? benchConditions.ratePerSecond : { circleci: Number.POSITIVE_INFINITY, graph: Number.POSITIVE_INFINITY };
  const circlePages =
    pagesOf(shape.contexts, pageSize.circleci) +
    shape.contexts * pagesOf(shape.variablesPerContext, pageSize.circleci) +
    // Each context's restrictions (the generated world has none: one page each).
    shape.contexts +
    shape.projects * pagesOf(shape.variablesPerProject, pageSize.circleci);
  const byConcurrency = (circlePages * latencyMs) / circleConcurrency;
  const byRate = (circlePages / ratePerSecond.circleci) * 1000;
  const graphPages = pagesOf(shape.apps, pageSize.graph);
  const vaultPages = pagesOf(shape.vaultSecrets, pageSize.keyVault);
  const circleci: ApiMinimum = {
    pages: circlePages,
    auth: 0,
    boundMs: Math.max(byConcurrency, byRate),
    formula:
      limits === "limited"
        ? `max(${circlePages} × ${latencyMs} ms / ${circleConcurrency}, ${circlePages} / ${ratePerSecond.circleci} per s)`
        : `${circlePages} × ${latencyMs} ms / ${circleConcurrency} (no rate limit)`,
  };
  const graph: ApiMinimum = {
    pages: graphPages,
    auth: 0,
    boundMs: Math.max(graphPages * latencyMs, (graphPages / ratePerSecond.graph) * 1000),
    formula: `${graphPages} page(s) one after another × ${latencyMs} ms`,
  };
  const keyvault: ApiMinimum = {
    pages: vaultPages,
    auth: 1,
    boundMs: (vaultPages + 1) * latencyMs,
    // A chain: each page's nextLink comes with the page before it, so no concurrency shortens it.
    formula: `(challenge + ${vaultPages} pages) one after another × ${latencyMs} ms: a chain no concurrency shortens`,
  };
  const entra: ApiMinimum = { pages: 0, auth: 2, boundMs: latencyMs, formula: `2 tokens side by side × ${latencyMs} ms` };
  const overallBoundMs = Math.max(circleci.boundMs, graph.boundMs + entra.boundMs, keyvault.boundMs + entra.boundMs);
  return { circleci, graph, keyvault, entra, overallBoundMs };
}

export const minimumTotal = (m: ApiMinimum) => m.pages + m.auth;
