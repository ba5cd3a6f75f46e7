import { z, type ZodError } from "zod";

/** "path: message; …" of a zod error, never the value that failed (a caller may have sent a secret). */
export function issuesOf(error: ZodError): string {
  return error.issues.map((issue) => `${issue.path.join(".") || "(value)"}: ${issue.message}`).join("; ");
}

export type QueryCheck<T> = { ok: true; query: T } | { ok: false; code: "invalid-query"; message: string };

/**
 * Checks an HTTP function's query string against `fields` (each optional); `code` is always allowed, the
 * function key when sent in the query instead of the x-functions-key header. A repeated or unknown parameter
 * is refused; `allowed` says what is accepted, for the error message.
 */
export function checkQuery<S extends Record<string, z.ZodType<string>>>(
  query: URLSearchParams,
  fields: S,
  allowed: string,
): QueryCheck<{ [K in keyof S]?: z.output<S[K]> }> {
  const keys = [...query.keys()];
  if (new Set(keys).size !== keys.length) return { ok: false, code: "invalid-query", message: "query: a parameter is repeated" };
  const optionalFields = Object.fromEntries(Object.entries(fields).map(([name, schema]) => [name, schema.optional()]));
  const schema = z.strictObject({ ...optionalFields, code: z.string().optional() });
  const parsed = schema.safeParse(Object.fromEntries(query));
  if (!parsed.success) return { ok: false, code: "invalid-query", message: `query: ${issuesOf(parsed.error)} (allowed: ${allowed})` };
  return { ok: true, query: parsed.data as { [K in keyof S]?: z.output<S[K]> } };
}

/** "true" | "false" as a query parameter. */
export const booleanParameter = z.enum(["true", "false"]);
