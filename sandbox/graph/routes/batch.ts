import type { EmulatorReply, EmulatorRequest, Route } from "../../core/emulator.js";
import { authenticated, readJsonObject, type GraphContext } from "../graph-context.js";
import { graphBadRequest, graphErrorShape } from "../graph-errors.js";
import { graphRouteNames } from "../route-names.js";

/** Graph's JSON batching limit. */
export const batchLimit = 20;

interface InnerRequest {
  id: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: unknown;
}

function parseInner(value: unknown, index: number): InnerRequest | string {
  if (typeof value !== "object" || value === null) return `requests[${index}] must be an object`;
  const r = value as Record<string, unknown>;
  if (typeof r.id !== "string" || r.id === "") return `requests[${index}].id must be a non-empty string`;
  if (typeof r.method !== "string" || !/^(GET|POST|PUT|PATCH|DELETE)$/i.test(r.method)) return `requests[${index}].method must be an HTTP method`;
  if (typeof r.url !== "string" || r.url === "") return `requests[${index}].url must be a relative URL`;
  const headers: Record<string, string> = {};
  if (r.headers !== undefined) {
    if (typeof r.headers !== "object" || r.headers === null) return `requests[${index}].headers must be an object`;
    for (const [key, v] of Object.entries(r.headers)) if (typeof v === "string") headers[key.toLowerCase()] = v;
  }
  return { id: r.id, method: r.method.toUpperCase(), url: r.url, headers, body: r.body };
}

/** Inner URLs are relative to the batch's version; a leading "/v1.0" (or "/beta") is accepted too. */
function innerPath(url: string, version: string): string {
  const relative = url.replace(/^\/+/, "").replace(/^(v1\.0|beta)\//, "");
  return `/${version}/${relative}`;
}

function toResponse(id: string, reply: EmulatorReply): Record<string, unknown> {
  const headers: Record<string, string> = { ...(reply.headers ?? {}) };
  if (reply.json !== undefined) headers["content-type"] ??= "application/json";
  return { id, status: reply.status, headers, ...(reply.json !== undefined ? { body: reply.json } : reply.text !== undefined ? { body: reply.text } : {}) };
}

/**
 * `POST /$batch`: up to 20 requests answered in order, each through the same routes, fault knobs and
 * request log as a direct call, with the batch's own token.
 */
export function batchRoute(context: GraphContext, innerRoutes: () => Route[]): Route {
  return {
    name: graphRouteNames.batch,
    method: "POST",
    pattern: /^\/(?<version>v1\.0|beta)\/(?:\$|%24)batch\/?$/,
    handler: authenticated(context, async (req) => {
      const read = await readJsonObject(req);
      if ("reply" in read) return read.reply;
      const requests = read.body.requests;
      if (!Array.isArray(requests)) return graphBadRequest("Invalid batch payload format: 'requests' must be an array.", "BadRequest");
      if (requests.length > batchLimit) {
        return graphBadRequest(`Invalid batch payload: ${requests.length} requests exceed the limit of ${batchLimit} per batch.`, "BadRequest");
      }
      const inner: InnerRequest[] = [];
      for (const [index, value] of requests.entries()) {
        const parsed = parseInner(value, index);
        if (typeof parsed === "string") return graphBadRequest(`Invalid batch payload format: ${parsed}.`, "BadRequest");
        if (inner.some((r) => r.id === parsed.id)) return graphBadRequest(`Invalid batch payload format: duplicate request id '${parsed.id}'.`, "BadRequest");
        inner.push(parsed);
      }
      const version = req.params.version ?? "v1.0";
      const responses = [];
      for (const request of inner) responses.push(toResponse(request.id, await dispatch(context, innerRoutes(), req, request, version)));
      return { status: 200, json: { responses } };
    }),
  };
}

async function dispatch(context: GraphContext, routes: Route[], outer: EmulatorRequest, request: InnerRequest, version: string): Promise<EmulatorReply> {
  const url = new URL(innerPath(request.url, version), outer.baseUrl);
  let matched: { route: Route; params: Record<string, string> } | undefined;
  for (const route of routes) {
    if (route.method !== request.method || !(route.pattern instanceof RegExp)) continue;
    const m = route.pattern.exec(url.pathname);
    if (m) {
      matched = { route, params: { ...(m.groups ?? {}) } };
      break;
    }
  }
  const emulator = context.host.emulator;
  const routeName = matched?.route.name ?? "unmatched";
  const injected = emulator ? await emulator.faults.apply(routeName, graphErrorShape) : undefined;
  let reply: EmulatorReply;
  if (injected) {
    reply = injected;
  } else if (!matched) {
    reply = graphBadRequest(`Resource not found for the segment '${url.pathname.split("/").pop() ?? ""}'.`, "BadRequest");
  } else {
    const body = request.body === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(request.body));
    reply = await matched.route.handler({
      method: request.method,
      path: url.pathname,
      query: url.searchParams,
      headers: { ...request.headers, authorization: outer.headers.authorization },
      params: matched.params,
      rawBody: () => Promise.resolve(body),
      json: () => Promise.resolve(request.body),
      baseUrl: outer.baseUrl,
    });
  }
  emulator?.log.record({
    emulator: emulator.name,
    route: routeName,
    method: request.method,
    path: url.pathname,
    query: url.search,
    status: reply.status,
    faulted: injected !== undefined,
  });
  return reply;
}
