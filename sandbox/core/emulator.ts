import { createServer, type Server } from "node:https";
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { SandboxTls } from "./ca.js";
import { FaultInjector, type FaultKnobs } from "./faults.js";
import { RequestLog } from "./request-log.js";

export interface EmulatorRequest {
  method: string;
  /** Path without the query string, percent-decoded segments kept as sent. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  params: Record<string, string>;
  /** The body is read only when asked: Key Vault must answer 401 before reading it. */
  rawBody(): Promise<Buffer>;
  json(): Promise<unknown>;
  /** Absolute base URL of this emulator, e.g. https://127.0.0.1:4431 */
  baseUrl: string;
}

export interface EmulatorReply {
  status: number;
  headers?: Record<string, string>;
  json?: unknown;
  text?: string;
}

export type RouteHandler = (req: EmulatorRequest) => EmulatorReply | Promise<EmulatorReply>;

export interface Route {
  /** Stable name used by fault knobs and the request log, e.g. "context.list". */
  name: string;
  method: string;
  /** "/context/:id/environment-variable" or a RegExp with named groups. */
  pattern: string | RegExp;
  handler: RouteHandler;
}

/** How this emulator's API shapes an error body (CircleCI `{message}`, Graph/Key Vault `{error:{code,message}}`). */
export type ErrorShaper = (status: number, message: string) => EmulatorReply;

export interface EmulatorOptions {
  name: string;
  routes: Route[];
  errorShape: ErrorShaper;
  /** Called for requests no route matches. Default: 404 in the emulator's error shape. */
  notFound?: RouteHandler;
}

interface CompiledRoute extends Route {
  regex: RegExp;
  keys: string[];
}

function compile(route: Route): CompiledRoute {
  if (route.pattern instanceof RegExp) return { ...route, regex: route.pattern, keys: [] };
  const keys: string[] = [];
  const source = route.pattern
    .split("/")
    .map((segment) => {
      if (segment.startsWith(":")) {
        keys.push(segment.slice(1));
        return "([^/]+)";
      }
      return segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    })
    .join("/");
  return { ...route, regex: new RegExp(`^${source}/?$`), keys };
}

/**
 * One HTTPS emulator on 127.0.0.1: a router, fault knobs per route and a request log to assert on.
 * Emulators speak wire formats only; they never import the app's code.
 */
export class Emulator {
  readonly name: string;
  readonly faults = new FaultInjector();
  readonly log: RequestLog;
  private readonly routes: CompiledRoute[];
  private readonly errorShape: ErrorShaper;
  private readonly notFound?: RouteHandler;
  private server?: Server;
  private base = "";

  constructor(options: EmulatorOptions, log?: RequestLog) {
    this.name = options.name;
    this.routes = options.routes.map(compile);
    this.errorShape = options.errorShape;
    this.notFound = options.notFound;
    this.log = log ?? new RequestLog();
  }

  get url(): string {
    if (!this.base) throw new Error(`emulator ${this.name} is not started`);
    return this.base;
  }

  async start(tls: SandboxTls, port = 0): Promise<string> {
    this.server = createServer({ cert: tls.cert, key: tls.key, keepAlive: true }, (req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) {
          this.send(res, this.errorShape(500, `emulator ${this.name} failed: ${String(error)}`));
        } else {
          res.destroy();
        }
      });
    });
    this.server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve, reject) => {
      this.server!.once("error", reject);
      this.server!.listen(port, "127.0.0.1", () => resolve());
    });
    const address = this.server.address() as AddressInfo;
    this.base = `https://127.0.0.1:${address.port}`;
    return this.base;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private match(method: string, path: string): { route: CompiledRoute; params: Record<string, string> } | undefined {
    for (const route of this.routes) {
      if (route.method !== method) continue;
      const m = route.regex.exec(path);
      if (!m) continue;
      const params: Record<string, string> = { ...(m.groups ?? {}) };
      route.keys.forEach((key, i) => {
        params[key] = decodeURIComponent(m[i + 1] ?? "");
      });
      return { route, params };
    }
    return undefined;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", this.base);
    const method = (req.method ?? "GET").toUpperCase();
    const found = this.match(method, url.pathname);
    const routeName = found?.route.name ?? "unmatched";
    let bodyPromise: Promise<Buffer> | undefined;
    const rawBody = (): Promise<Buffer> => {
      bodyPromise ??= new Promise<Buffer>((resolve, reject) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => resolve(Buffer.concat(chunks)));
        req.on("error", reject);
      });
      return bodyPromise;
    };
    const request: EmulatorRequest = {
      method,
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      params: found?.params ?? {},
      rawBody,
      json: async () => {
        const text = (await rawBody()).toString("utf8");
        return text ? (JSON.parse(text) as unknown) : undefined;
      },
      baseUrl: this.base,
    };

    const injected = await this.faults.apply(routeName, this.errorShape, rawBody);
    let reply: EmulatorReply;
    if (injected) {
      reply = injected;
    } else if (found) {
      reply = this.faults.spoil(routeName, await found.route.handler(request));
    } else if (this.notFound) {
      reply = await this.notFound(request);
    } else {
      reply = this.errorShape(404, `No route for ${method} ${url.pathname}`);
    }
    this.log.record({
      emulator: this.name,
      route: routeName,
      method,
      path: url.pathname,
      query: url.search,
      status: reply.status,
      faulted: injected !== undefined,
    });
    const replyDelay = injected ? 0 : this.faults.replyDelay(routeName);
    if (replyDelay > 0) await new Promise((resolve) => setTimeout(resolve, replyDelay));
    // Drain an unread body so keep-alive connections stay usable.
    if (!bodyPromise) req.resume();
    const lost = injected || !found ? undefined : this.faults.loseAnswer(routeName);
    if (lost?.mode === "drop") {
      res.socket?.destroy();
      return;
    }
    this.send(res, lost ? this.errorShape(lost.status, "The service is unavailable.") : reply);
  }

  private send(res: ServerResponse, reply: EmulatorReply): void {
    const headers: Record<string, string> = { ...(reply.headers ?? {}) };
    let payload: string | undefined;
    if (reply.json !== undefined) {
      payload = JSON.stringify(reply.json);
      headers["content-type"] ??= "application/json; charset=utf-8";
    } else if (reply.text !== undefined) {
      payload = reply.text;
      headers["content-type"] ??= "text/plain; charset=utf-8";
    }
    if (payload !== undefined) headers["content-length"] = String(Buffer.byteLength(payload));
    res.writeHead(reply.status, headers);
    res.end(payload);
  }
}

export type { FaultKnobs };
