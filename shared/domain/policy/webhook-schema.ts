import { z } from "zod";
import { evenWithOtherIssues, field } from "./loose.js";
import { signingSecret } from "./signing-secret.js";
import { webhookUrl } from "./webhook-url.js";

export const webhookKinds = ["generic", "slack", "teams"] as const;

/** One receiver of `alerts.webhooks[]`. Only generic receivers verify signatures; Slack and Teams URLs are their own credential. */
export const webhookSchema = z
  .strictObject({
    name: z.string().min(1).max(100),
    kind: z.enum(webhookKinds),
    url: webhookUrl,
    signingSecret: signingSecret.optional(),
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
    },
    evenWithOtherIssues,
  );

export type WebhookPolicy = z.output<typeof webhookSchema>;
