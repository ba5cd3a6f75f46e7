import { z } from "zod";

/**
 * CircleCI's answers as they come over the wire (API v2, and API v1.1 for followed projects).
 * Only the fields the watchdog reads are checked; extra fields are allowed, as CircleCI adds them.
 */

const isoDateTime = z.iso.datetime({ offset: true });

const pageSchemaOf = (item: z.ZodType) => z.object({ items: z.array(item), next_page_token: z.string().nullish() });
type PageSchema<T extends z.ZodType> = z.ZodObject<{ items: z.ZodArray<T>; next_page_token: z.ZodOptional<z.ZodNullable<z.ZodString>> }>;
// One page schema per item schema, built once: zod compiles a schema on its first parse, and a schema built per
// request would be compiled per request (measured: 30 of the 340 MB the large world's inventory allocated).
const pageSchemas = new WeakMap<z.ZodType, z.ZodType>();

/** A paged listing; a missing `next_page_token` is read as the last page. */
export const pageOf = <T extends z.ZodType>(item: T): PageSchema<T> => {
  const known = pageSchemas.get(item) ?? pageSchemaOf(item);
  pageSchemas.set(item, known);
  return known as PageSchema<T>;
};

export const contextSchema = z.object({
  id: z.string().min(1),
  name: z.string(),
  created_at: isoDateTime,
});

export const contextVariableSchema = z.object({
  variable: z.string().min(1),
  created_at: isoDateTime,
  updated_at: isoDateTime,
  context_id: z.string().min(1),
});

/** A context restriction; `restriction_type` stays a string so a type CircleCI adds later still counts as a restriction. */
export const contextRestrictionSchema = z.object({
  id: z.string().min(1),
  restriction_type: z.string().min(1),
  restriction_value: z.string(),
  name: z.string().nullish(),
});

export const messageSchema = z.object({ message: z.string() });

/** CircleCI's ClaimResponse (OIDC custom claims): only `org_id` is required. */
export const claimResponseSchema = z.object({ org_id: z.string(), audience: z.array(z.string()).nullish() });

/** The PUT answer is the variable; CircleCI's spec also allows a bare message. */
export const contextVariablePutSchema = z.union([contextVariableSchema, messageSchema]);

/**
 * `created-at` has no type in CircleCI's spec and is seen as ISO 8601, as the Clojure form
 * `#joda/inst 2023-04-14T21:20:14+0000`, or null. An unreadable one is treated as unknown rather
 * than failing a whole inventory over a field the watchdog can live without.
 */
export function circleTimestamp(raw: unknown): string | undefined {
  if (typeof raw !== "string") return undefined;
  const text = raw
    .replace(/^#joda\/inst\s+/, "")
    .trim()
    .replace(/([+-]\d{2})(\d{2})$/, "$1:$2");
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

/** Project variables come masked ("xxxx" + last four characters); the mask is never kept. */
export const projectVariableSchema = z
  .object({ name: z.string().min(1), value: z.string(), "created-at": z.unknown().optional() })
  .transform((v) => ({ name: v.name, createdAt: circleTimestamp(v["created-at"]) }));

/** One project variable with its mask ("xxxx" + last four characters), for drift checks only: never logged or kept. */
export const maskedProjectVariableSchema = z.object({ name: z.string().min(1), value: z.string() });

/** API v1.1 GET /projects. */
export const followedProjectsSchema = z.array(
  z.object({ vcs_type: z.string().min(1), username: z.string().min(1), reponame: z.string().min(1) }),
);

/**
 * An item of the undocumented organization project list (`/api/private/project`), as CircleCI-Env-Inspector reads
 * it (`id`, `name`, `slug`). How a deleted project is marked is not published: `deleted_at`, `deleted` and
 * `is_deleted` are each honoured when present.
 */
export const organizationProjectSchema = z.object({
  id: z.string().min(1),
  slug: z.string().regex(/^[^/]+\/[^/]+\/[^/]+$/, "expected a project slug vcs/org/project"),
  deleted_at: z.string().nullish(),
  deleted: z.boolean().nullish(),
  is_deleted: z.boolean().nullish(),
});

/** CircleCI's Project (`GET /project/{project-slug}`): only its id is read. */
export const projectIdSchema = z.object({ id: z.string().min(1) });
