import { z } from "zod";
import { brokerRoleName } from "../domain/policy/broker-schema.js";

/** `POST <issuer>/token`: the job's CircleCI OIDC token and the role it asks for. */
const exchangeBodySchema = z.strictObject({
  token: z
    .string({ error: "required: the CircleCI OIDC token (circleci run oidc get)" })
    .max(16_384, { error: "longer than any CircleCI OIDC token" })
    .regex(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/, { error: "expected a JWT (three base64url parts)" }),
  role: brokerRoleName,
});

export type ExchangeBody = z.output<typeof exchangeBodySchema>;

/**
 * Reads a form-encoded (`curl --data-urlencode`) or JSON body. Issues name the field and what was expected,
 * never the value: a field may hold the token.
 */
export function readExchangeBody(contentType: string | null, text: string): { ok: true; body: ExchangeBody } | { ok: false; issues: string[] } {
  let raw: unknown;
  if ((contentType ?? "").toLowerCase().startsWith("application/json")) {
    try {
      raw = JSON.parse(text) as unknown;
    } catch {
      return { ok: false, issues: ["(body): not valid JSON"] };
    }
  } else {
    const form = new URLSearchParams(text);
    raw = Object.fromEntries([...form.keys()].map((key) => [key, form.getAll(key).length === 1 ? form.get(key) : form.getAll(key)]));
  }
  const parsed = exchangeBodySchema.safeParse(raw);
  if (parsed.success) return { ok: true, body: parsed.data };
  return {
    ok: false,
    issues: parsed.error.issues.map((issue) => {
      const path = issue.path.join(".") || "(body)";
      // zod's own message for an unknown key names the keys: ours only.
      return issue.code === "unrecognized_keys" ? `${path}: only token and role are accepted` : `${path}: ${issue.message}`;
    }),
  };
}
