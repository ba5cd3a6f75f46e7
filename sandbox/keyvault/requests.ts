import { z } from "zod";
import type { EmulatorRequest } from "../core/emulator.js";
import { KeyVaultProblem, type NewVersionInput, type VersionUpdate } from "./state.js";

/** Request bodies as Key Vault accepts them; unknown fields are ignored, like the service does. */

const maxTags = 15;
const maxValueChars = 25 * 1024;

const unixSeconds = z.number().int().nonnegative().nullable().optional();

const attributes = z
  .object({ enabled: z.boolean().nullable().optional(), nbf: unixSeconds, exp: unixSeconds })
  .nullable()
  .optional();

const tags = z
  .record(z.string().min(1).max(512), z.string().max(256))
  .refine((t) => Object.keys(t).length <= maxTags, `a secret can carry at most ${maxTags} tags`)
  .nullable()
  .optional();

const contentType = z.string().max(255).nullable().optional();

const setBody = z.object({
  value: z.string().max(maxValueChars, `the value may be at most ${maxValueChars} characters`),
  contentType,
  tags,
  attributes,
});

const updateBody = z.object({ contentType, tags, attributes });

const iso = (seconds: number | null | undefined) =>
  seconds === undefined ? undefined : seconds === null ? null : new Date(seconds * 1000).toISOString();

async function parse<T extends z.ZodType>(req: EmulatorRequest, schema: T): Promise<z.infer<T>> {
  let body: unknown;
  try {
    body = await req.json();
  } catch {
    throw new KeyVaultProblem(400, "BadParameter", "The request body is not valid JSON.");
  }
  const result = schema.safeParse(body ?? {});
  if (!result.success) {
    // Issue paths and messages only: zod does not echo input values, so a secret never lands in an error.
    const issues = result.error.issues.map((i) => `${i.path.length ? i.path.join(".") : "body"}: ${i.message}`);
    throw new KeyVaultProblem(400, "BadParameter", `The request body is invalid: ${issues.join("; ")}`);
  }
  return result.data;
}

export async function readSetBody(req: EmulatorRequest): Promise<NewVersionInput> {
  const body = await parse(req, setBody);
  return {
    value: body.value,
    contentType: body.contentType,
    tags: body.tags,
    enabled: body.attributes?.enabled ?? undefined,
    notBefore: iso(body.attributes?.nbf),
    expiresOn: iso(body.attributes?.exp),
  };
}

export async function readUpdateBody(req: EmulatorRequest): Promise<VersionUpdate> {
  const body = await parse(req, updateBody);
  return {
    contentType: body.contentType,
    tags: body.tags,
    enabled: body.attributes?.enabled ?? undefined,
    notBefore: iso(body.attributes?.nbf),
    expiresOn: iso(body.attributes?.exp),
  };
}
