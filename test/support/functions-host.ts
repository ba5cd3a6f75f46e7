/**
 * A minimal Azure Functions HTTP host for tests: serves function registrations (route templates as registered,
 * under the host's `api` route prefix) over HTTPS with the sandbox certificate, building the `HttpRequest` and
 * `InvocationContext` the real host hands a handler. It lets a party outside the test process (the sandbox's Entra
 * reading an issuer's keys) reach the handlers by URL.
 */
import { createServer, type Server } from "node:https";
import { HttpRequest, InvocationContext, type HttpFunctionOptions, type HttpResponseInit } from "@azure/functions";
import type { SandboxTls } from "../../sandbox/core/ca.js";

/** host.json's `extensions.http.routePrefix`, "api" unless set (this repository does not set it). */
const routePrefix = "api";

/** Whether a path matches a Functions route template (literal segments compared case-insensitively, `{name}` one segment). */
export function routeMatches(template: string, path: string): boolean {
  const want = `${routePrefix}/${template}`.split("/");
  const got = path.replace(/^\/+/, "").split("?")[0]!.split("/");
  return want.length === got.length && want.every((segment, i) => (/^\{[^}]+\}$/.test(segment) ? got[i]!.length > 0 : segment.toLowerCase() === got[i]!.toLowerCase()));
}

export interface FunctionsHost {
  url: string;
  close(): Promise<void>;
}

export async function startFunctionsHost(tls: SandboxTls, registrations: readonly HttpFunctionOptions[]): Promise<FunctionsHost> {
  const server: Server = createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      void (async () => {
        const registration = registrations.find((r) => routeMatches(r.route ?? "", req.url ?? "") && (r.methods ?? ["GET", "POST"]).includes((req.method ?? "GET") as never));
        if (!registration) {
          res.writeHead(404).end();
          return;
        }
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(req.headers)) if (typeof value === "string") headers[name] = value;
        const body = Buffer.concat(chunks);
        const request = new HttpRequest({ method: req.method ?? "GET", url: `https://${req.headers.host}${req.url}`, headers, ...(body.length > 0 ? { body: { string: body.toString("utf8") } } : {}) });
        const context = new InvocationContext({ invocationId: "host", functionName: registration.route ?? "", logHandler: () => undefined });
        let answer: HttpResponseInit;
        try {
          answer = await (registration.handler as (r: HttpRequest, c: InvocationContext) => Promise<HttpResponseInit>)(request, context);
        } catch {
          res.writeHead(500).end();
          return;
        }
        const outHeaders: Record<string, string> = { ...(answer.headers as Record<string, string> | undefined) };
        let payload = "";
        if (answer.jsonBody !== undefined) {
          outHeaders["content-type"] = "application/json";
          payload = JSON.stringify(answer.jsonBody);
        } else if (typeof answer.body === "string") payload = answer.body;
        res.writeHead(answer.status ?? 200, outHeaders).end(payload);
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `https://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
