import type { TokenCredential } from "@azure/identity";
import { z } from "zod";

// National-cloud Graph hosts: their tokens are for themselves. Any other host (a proxy, the sandbox) serves
// the global Graph API and takes its tokens.
const graphHosts = new Set(["graph.microsoft.com", "graph.microsoft.us", "dod-graph.microsoft.us", "microsoftgraph.chinacloudapi.cn", "graph.microsoft.de"]);

const isTokenCredential = (value: unknown): value is TokenCredential =>
  typeof value === "object" && value !== null && typeof (value as { getToken?: unknown }).getToken === "function";

export const graphDirectorySettingsSchema = z.object({
  /** GRAPH_API_URL: the Graph root, no version segment. */
  graphUrl: z
    .string()
    .url("graphUrl (GRAPH_API_URL) must be a URL")
    .refine((u) => u.startsWith("https://"), "graphUrl (GRAPH_API_URL) must be an https:// URL: the Graph client sends tokens only over https")
    .refine((u) => new URL(u).pathname.replace(/\/+$/, "") === "", "graphUrl (GRAPH_API_URL) must be the Graph root without a path or version, e.g. https://graph.microsoft.com")
    .default("https://graph.microsoft.com"),
  credential: z.custom<TokenCredential>(isTokenCredential, "credential must be a TokenCredential (e.g. DefaultAzureCredential)"),
  /** The token scope; by default the Graph host's own `/.default`, or the global Graph's for other hosts. */
  scope: z.string().endsWith("/.default", "scope must end with /.default").optional(),
  retry: z
    .object({
      retries: z.number().int().min(0).max(10).default(4),
      minTimeoutMs: z.number().int().min(0).default(500),
      maxTimeoutMs: z.number().int().min(0).default(8_000),
      /** Longest Retry-After honoured before a retry; longer waits are cut to this. */
      maxRetryAfterMs: z.number().int().min(0).default(60_000),
    })
    .prefault({}),
  /**
   * Graph requests in flight at once, across every call of one directory; the pace below it adapts to
   * 429s (Graph's limits depend on the tenant and the resource).
   */
  maxConcurrency: z.number().int().min(1).default(8),
  /** Pages followed before listing gives up: a guard against a server whose nextLink never ends. */
  maxPages: z.number().int().min(1).default(10_000),
});

export type GraphDirectorySettings = z.input<typeof graphDirectorySettingsSchema>;
export type ResolvedGraphDirectorySettings = z.output<typeof graphDirectorySettingsSchema> & { scope: string; origin: string };

export function resolveGraphSettings(settings: GraphDirectorySettings): ResolvedGraphDirectorySettings {
  const parsed = graphDirectorySettingsSchema.safeParse(settings);
  if (!parsed.success) {
    throw new Error(`Graph directory settings: ${parsed.error.issues.map((i) => `${i.path.join(".") || "settings"}: ${i.message}`).join("; ")}`);
  }
  const url = new URL(parsed.data.graphUrl);
  const scope = parsed.data.scope ?? (graphHosts.has(url.hostname) ? `${url.origin}/.default` : "https://graph.microsoft.com/.default");
  return { ...parsed.data, scope, origin: url.origin };
}
