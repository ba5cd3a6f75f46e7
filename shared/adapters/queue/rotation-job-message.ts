/**
 * The `rotation-jobs` message on the wire: JSON, Base64-encoded as the Functions host expects by default
 * (`messageEncoding: base64` in host.json). The schema is also what the queue trigger parses with.
 */
import { z } from "zod";
import type { RotationJobMessage } from "../../ports/state-store.js";

export const rotationJobMessageSchema = z.strictObject({
  credential: z.string().regex(/^[a-z0-9-]+$/, "expected a policy credential name ([a-z0-9-])"),
  jobId: z.string().min(1).max(200),
  requestedBy: z.string().min(1).max(200),
  reason: z.enum(["schedule", "manual"]),
  // Optional: messages enqueued before it existed still parse (their jobs never retire).
  inventory: z
    .strictObject({
      complete: z.boolean(),
      takenAt: z.iso.datetime({ offset: true, error: "expected an ISO 8601 date-time" }),
    })
    .optional(),
});

/** Storage Queues cap a message at 64 KiB; Base64 grows JSON by a third. */
const MAX_ENCODED_LENGTH = 64 * 1024;

export function encodeRotationJob(message: RotationJobMessage): string {
  const checked = parseRotationJob(message, "message to enqueue");
  const encoded = Buffer.from(JSON.stringify(checked), "utf8").toString("base64");
  if (encoded.length > MAX_ENCODED_LENGTH) throw new Error(`rotation job ${checked.jobId}: message is ${encoded.length} bytes encoded, above 64 KiB`);
  return encoded;
}

/**
 * Checks a message from the queue. The Functions host hands the trigger the Base64-decoded text already
 * parsed as JSON when it can; `where` names the message in errors.
 */
export function parseRotationJob(raw: unknown, where: string): RotationJobMessage {
  const parsed = rotationJobMessageSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".") || "(message)"}: ${issue.message}`).join("; ");
    throw new Error(`rotation job ${where}: ${problems}`);
  }
  return parsed.data;
}

/** Decodes the raw queue text (Base64 of JSON), e.g. as peeked from the queue. */
export function decodeRotationJob(messageText: string, where: string): RotationJobMessage {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(messageText, "base64").toString("utf8")) as unknown;
  } catch {
    throw new Error(`rotation job ${where}: not Base64-encoded JSON`);
  }
  return parseRotationJob(json, where);
}
