import { z } from "zod";
import type { Alert } from "../../domain/alert.js";
import { describeSink } from "../../domain/alerts/redact.js";
import type { DeliveryResult, Notifier, WebhookSink } from "../../ports/notifier.js";
import type { Digest } from "../../domain/alerts/digest.js";
import { genericBatchBody, genericBody, signedHeaders } from "./generic-payload.js";
import { postWithRetry, type PostOptions, type WebhookRequest } from "./post.js";
import { slackDigestMessage } from "./slack-digest.js";
import { guardedAgents, literalRefusal } from "./destination-guard.js";
import { slackMessage } from "./slack-payload.js";
import { teamsDigestMessage } from "./teams-digest.js";
import { teamsMessage } from "./teams-payload.js";

const optionsSchema = z
  .object({
    timeoutMs: z.number().int().positive().default(10_000),
    retries: z.number().int().min(0).max(5).default(2),
    minRetryDelayMs: z.number().int().min(0).default(500),
    maxRetryDelayMs: z.number().int().min(0).default(5_000),
    maxRetryAfterSeconds: z.number().min(0).default(30),
    sleep: z.custom<(ms: number) => Promise<void>>((v) => typeof v === "function", "must be a function").optional(),
    userAgent: z.string().min(1).default("secret-watchdog"),
    /** false inside a Function App: loopback is the host's own services there, never a receiver. */
    allowLoopback: z.boolean().default(true),
  })
  .strict();

export type WebhookNotifierOptions = z.input<typeof optionsSchema>;

const isHttpUrl = (value: string) => {
  try {
    const { protocol } = new URL(value);
    return protocol === "https:" || protocol === "http:";
  } catch {
    return false;
  }
};

// Messages name the field only: the URL and the signing secret are secrets and are never echoed.
const sinkSchema = z.object({
  name: z.string().min(1, "must not be empty"),
  kind: z.enum(["generic", "slack", "teams"]),
  url: z.string().refine(isHttpUrl, "must be an http(s) URL"),
  signingSecret: z.string().min(1, "must not be empty").optional(),
  digestAbove: z.number().int().min(0).optional(),
  batch: z.boolean().optional(),
});

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function invalidSink(sink: WebhookSink): string | undefined {
  const parsed = sinkSchema.safeParse(sink);
  if (!parsed.success) return parsed.error.issues.map((i) => `${i.path.join(".") || "sink"} ${i.message}`).join("; ");
  if (sink.kind === "generic" && !sink.signingSecret) return "signingSecret is required for a generic webhook";
  return undefined;
}

function buildRequest(sink: WebhookSink, alert: Alert, sentAt: Date): WebhookRequest {
  switch (sink.kind) {
    case "generic": {
      const body = genericBody(alert);
      return { body, headers: signedHeaders(sink.signingSecret ?? "", alert, sentAt, body) };
    }
    case "slack":
      return { body: JSON.stringify(slackMessage(alert)), headers: {} };
    case "teams":
      return { body: JSON.stringify(teamsMessage(alert)), headers: {} };
  }
}

function buildDigestRequest(sink: WebhookSink, digest: Digest, sentAt: Date): WebhookRequest {
  switch (sink.kind) {
    case "generic": {
      const body = genericBatchBody(digest);
      return { body, headers: signedHeaders(sink.signingSecret ?? "", digest, sentAt, body) };
    }
    case "slack":
      return { body: JSON.stringify(slackDigestMessage(digest)), headers: {} };
    case "teams":
      return { body: JSON.stringify(teamsDigestMessage(digest)), headers: {} };
  }
}

/** Delivers alerts to generic (Standard Webhooks), Slack and Teams webhooks. */
export function createWebhookNotifier(options: WebhookNotifierOptions = {}): Notifier {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) {
    throw new Error(`createWebhookNotifier options: ${parsed.error.issues.map((i) => `${i.path.join(".")} ${i.message}`).join("; ")}`);
  }
  const destinations = { allowLoopback: parsed.data.allowLoopback };
  const postOptions: PostOptions = { ...parsed.data, sleep: parsed.data.sleep ?? defaultSleep, agents: guardedAgents(destinations) };

  const deliver = async (sink: WebhookSink, build: () => WebhookRequest, sentAt: Date): Promise<DeliveryResult> => {
    const problem = invalidSink(sink);
    if (problem) return { ok: false, error: `${describeSink(sink)}: ${problem}`, retryable: false };
    const refused = literalRefusal(sink.url, destinations);
    if (refused) return { ok: false, error: `${describeSink(sink)}: ${refused}`, retryable: false };
    let request: WebhookRequest;
    try {
      request = build();
    } catch {
      // standardwebhooks throws on a secret that is not base64; its message is not needed and is not echoed.
      return { ok: false, error: `${describeSink(sink)}: signingSecret is not a valid "whsec_<base64>" key`, retryable: false };
    }
    return postWithRetry(sink, request, postOptions, sentAt);
  };
  return {
    send: (sink, alert, sentAt) => deliver(sink, () => buildRequest(sink, alert, sentAt), sentAt),
    sendDigest: (sink, digest, sentAt) => deliver(sink, () => buildDigestRequest(sink, digest, sentAt), sentAt),
  };
}
