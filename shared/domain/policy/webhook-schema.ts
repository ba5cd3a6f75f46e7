import { z } from "zod";
import { integer } from "./fields.js";
import { evenWithOtherIssues, field } from "./loose.js";
import { signingSecret } from "./signing-secret.js";
import { webhookUrl } from "./webhook-url.js";

/** Chat sinks take this many alerts one by one in a cycle; more go out as one digest. */
export const defaultDigestAbove = 3;

const nonNegativeInt = integer.min(0);

export const webhookKinds = ["generic", "slack", "teams"] as const;

/** One receiver of `alerts.webhooks[]`. Only generic receivers verify signatures; Slack and Teams URLs are their own credential. */
export const webhookSchema = z
  .strictObject({
    name: z.string().min(1).max(100),
    kind: z.enum(webhookKinds),
    url: webhookUrl,
    signingSecret: signingSecret.optional(),
    digestAbove: nonNegativeInt.optional(),
    batch: z.boolean().optional(),
  })
  .superRefine(
    (webhook: unknown, ctx) => {
      const kind = field(webhook, "kind");
      const secret = field(webhook, "signingSecret");
      if (kind === "generic" && secret === undefined) {
        ctx.addIssue({ code: "custom", path: ["signingSecret"], message: "required for kind: generic (requests are signed per Standard Webhooks)" });
      }
      if ((kind === "slack" || kind === "teams") && secret !== undefined) {
        ctx.addIssue({ code: "custom", path: ["signingSecret"], message: `not allowed for kind: ${kind} (only generic receivers verify signatures)` });
      }
      if ((kind === "slack" || kind === "teams") && field(webhook, "batch") !== undefined) {
        ctx.addIssue({ code: "custom", path: ["batch"], message: `not allowed for kind: ${kind} (chat sinks get a digest instead: digestAbove)` });
      }
      if (kind === "generic" && field(webhook, "digestAbove") !== undefined) {
        ctx.addIssue({ code: "custom", path: ["digestAbove"], message: "not allowed for kind: generic (machines get one event per alert, or batch: true)" });
      }
    },
    evenWithOtherIssues,
  );

export type WebhookPolicy = z.output<typeof webhookSchema>;
