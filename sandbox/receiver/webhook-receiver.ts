import { STATUS_CODES, type IncomingHttpHeaders } from "node:http";
import type { SandboxTls } from "../core/ca.js";
import { Emulator, type EmulatorReply, type EmulatorRequest, type Route } from "../core/emulator.js";

export type ReceiverSinkKind = "generic" | "slack" | "teams";

export interface ReceivedWebhook {
  kind: ReceiverSinkKind;
  /** The `:name` path segment. The rest of the path and the query are not kept: in real sinks they are secrets. */
  name: string;
  headers: IncomingHttpHeaders;
  /** Exactly the bytes received, as signature verification needs them. */
  rawBody: string;
  /** Parsed JSON, or undefined when the body was not JSON. */
  body: unknown;
  /** What the receiver answered. */
  status: number;
  receivedAt: Date;
}

export interface FailKnob {
  /** Default 503. */
  status?: number;
  /** How many requests fail; default: until `heal`. */
  times?: number;
  /** Text of the error answer; default the status's reason phrase. */
  body?: string;
}

export interface RateLimitKnob {
  retryAfterSeconds: number;
  times?: number;
}

/**
 * A Slack-like pace: Slack's incoming webhooks accept about one message per second per channel with short
 * bursts tolerated, and answer HTTP 429 with a Retry-After header (seconds) beyond it
 * (https://api.slack.com/docs/rate-limits: "Posting messages: 1 per second. Short bursts >1 allowed";
 * "HTTP 429 Too Many Requests ... a Retry-After HTTP header containing the number of seconds until you can retry").
 * A token bucket: `burst` messages at once, then one every `intervalMs`.
 */
export interface PaceKnob {
  /** Default 1000 (one message a second). */
  intervalMs?: number;
  /** Messages accepted back to back before the pace applies; default 1. */
  burst?: number;
}

interface Pace {
  intervalMs: number;
  burst: number;
  tokens: number;
  refilledAt: number;
  /** 429s answered, for tests. */
  limited: number;
}

type Behaviour = { kind: "fail"; status: number; body: string; left: number } | { kind: "rate-limit"; retryAfterSeconds: number; left: number };

// What each real service answers on success: Slack "ok", a Teams Workflows trigger 202 Accepted.
const success: Record<ReceiverSinkKind, EmulatorReply> = {
  generic: { status: 204 },
  slack: { status: 200, text: "ok" },
  teams: { status: 202 },
};

/**
 * A local HTTPS webhook receiver: POST /generic/:name, /slack/:name and /teams/:name (anything after
 * the name is accepted and ignored, like the secret tail of a real Slack or Teams URL). It records every
 * POST and can be told to fail, rate-limit or be down. It verifies nothing: tests check signatures.
 */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  /**
   * Dead-man's-switch pings: GET /ping/:name/<secret tail>, answered 200 "OK" as ping services such as
   * Healthchecks.io do (https://healthchecks.io/docs/http_api/: "GET https://hc-ping.com/<uuid>" answers "OK").
   */
  readonly pings: Array<{ name: string; at: Date; status: number }> = [];
  readonly emulator: Emulator;
  private readonly behaviours = new Map<string, Behaviour>();
  private readonly paces = new Map<string, Pace>();
  private tls?: SandboxTls;
  private port?: number;
  private isUp = false;

  constructor() {
    const routes: Route[] = (["generic", "slack", "teams"] as const).map((kind) => ({
      name: kind,
      method: "POST",
      pattern: new RegExp(`^/${kind}/(?<name>[^/]+)(?:/.*)?$`),
      handler: (req) => this.receive(kind, req),
    }));
    routes.push({
      name: "ping",
      method: "GET",
      pattern: /^\/ping\/(?<name>[^/]+)(?:\/.*)?$/,
      handler: (req) => {
        const name = decodeURIComponent(req.params.name ?? "");
        const behaviour = this.behave(`ping:${name}`);
        const reply = behaviour ?? { status: 200, text: "OK" };
        this.pings.push({ name, at: new Date(), status: reply.status });
        return reply;
      },
    });
    this.emulator = new Emulator({ name: "webhook-receiver", routes, errorShape: (status, message) => ({ status, text: message }) });
  }

  async start(tls: SandboxTls, port = 0): Promise<string> {
    const url = await this.emulator.start(tls, port);
    this.tls = tls;
    this.port = Number(new URL(url).port);
    this.isUp = true;
    return url;
  }

  get url(): string {
    return this.emulator.url;
  }

  /** A ping URL (GET); `tail` stands for the secret part of a real one. Fail it with `fail("ping:<name>", …)`. */
  pingUrl(name: string, tail = ""): string {
    return `${this.url}/ping/${encodeURIComponent(name)}${tail}`;
  }

  /** The webhook URL of one sink; `tail` stands for a real URL's secret path and query. */
  urlFor(kind: ReceiverSinkKind, name: string, tail = ""): string {
    return `${this.url}/${kind}/${encodeURIComponent(name)}${tail}`;
  }

  /** Answer `status` (503 by default) to the sink `name`'s next `times` POSTs, or until healed. */
  fail(name: string, knob: FailKnob = {}): void {
    const status = knob.status ?? 503;
    this.behaviours.set(name, { kind: "fail", status, body: knob.body ?? STATUS_CODES[status] ?? "Error", left: knob.times ?? Infinity });
  }

  /** Answer 429 with Retry-After to the sink `name`'s next `times` POSTs, or until healed. */
  rateLimit(name: string, knob: RateLimitKnob): void {
    this.behaviours.set(name, { kind: "rate-limit", retryAfterSeconds: knob.retryAfterSeconds, left: knob.times ?? Infinity });
  }

  /** Paces the sink `name` like a Slack incoming webhook (see PaceKnob) until healed. */
  pace(name: string, knob: PaceKnob = {}): void {
    const burst = knob.burst ?? 1;
    this.paces.set(name, { intervalMs: knob.intervalMs ?? 1000, burst, tokens: burst, refilledAt: Date.now(), limited: 0 });
  }

  /** How many POSTs to `name` the pace answered with 429. */
  paced(name: string): number {
    return this.paces.get(name)?.limited ?? 0;
  }

  heal(name?: string): void {
    if (name === undefined) {
      this.behaviours.clear();
      this.paces.clear();
    } else {
      this.behaviours.delete(name);
      this.paces.delete(name);
    }
  }

  /** Stops listening: senders get connection refused until `up()`. */
  async down(): Promise<void> {
    if (!this.isUp) return;
    await this.emulator.close();
    this.isUp = false;
  }

  /** Listens again on the same port, so sink URLs stay valid. */
  async up(): Promise<void> {
    if (this.isUp) return;
    if (!this.tls || this.port === undefined) throw new Error("webhook receiver was never started");
    await this.emulator.start(this.tls, this.port);
    this.isUp = true;
  }

  async close(): Promise<void> {
    await this.down();
  }

  /** The POSTs the receiver accepted (2xx), optionally for one sink. */
  accepted(filter: { kind?: ReceiverSinkKind; name?: string } = {}): ReceivedWebhook[] {
    return this.received.filter(
      (r) => r.status >= 200 && r.status < 300 && (filter.kind === undefined || r.kind === filter.kind) && (filter.name === undefined || r.name === filter.name),
    );
  }

  clear(): void {
    this.received.length = 0;
  }

  private async receive(kind: ReceiverSinkKind, req: EmulatorRequest): Promise<EmulatorReply> {
    const name = req.params.name ?? "";
    const rawBody = (await req.rawBody()).toString("utf8");
    let body: unknown;
    try {
      body = rawBody ? (JSON.parse(rawBody) as unknown) : undefined;
    } catch {
      body = undefined;
    }
    const reply = body === undefined ? { status: 400, text: "invalid_payload" } : this.behave(name) ?? success[kind];
    this.received.push({ kind, name, headers: req.headers, rawBody, body, status: reply.status, receivedAt: new Date() });
    return reply;
  }

  private behave(name: string): EmulatorReply | undefined {
    return this.scripted(name) ?? this.paced429(name);
  }

  private paced429(name: string): EmulatorReply | undefined {
    const pace = this.paces.get(name);
    if (!pace) return undefined;
    const now = Date.now();
    const earned = Math.floor((now - pace.refilledAt) / pace.intervalMs);
    if (earned > 0) {
      pace.tokens = Math.min(pace.burst, pace.tokens + earned);
      pace.refilledAt += earned * pace.intervalMs;
    }
    if (pace.tokens >= 1) {
      pace.tokens -= 1;
      return undefined;
    }
    pace.limited += 1;
    // Slack gives whole seconds; a wait shorter than one still reads 1.
    const waitMs = pace.refilledAt + pace.intervalMs - now;
    return { status: 429, headers: { "retry-after": String(Math.max(1, Math.ceil(waitMs / 1000))) }, text: "rate_limited" };
  }

  private scripted(name: string): EmulatorReply | undefined {
    const behaviour = this.behaviours.get(name);
    if (!behaviour || behaviour.left <= 0) return undefined;
    behaviour.left -= 1;
    if (behaviour.kind === "fail") return { status: behaviour.status, text: behaviour.body };
    return { status: 429, headers: { "retry-after": String(behaviour.retryAfterSeconds) }, text: "rate_limited" };
  }
}
