import { z } from "zod";

// Graph's wire shapes, reduced to what the watchdog reads. z.object drops unknown keys, so a
// `secretText` in a read can never travel further than this parse.

const optionalText = z.string().nullable().optional();

export const passwordCredentialSchema = z.object({
  keyId: z.string().min(1),
  displayName: optionalText,
  startDateTime: optionalText,
  endDateTime: optionalText,
  hint: optionalText,
});

export const keyCredentialSchema = z.object({
  keyId: z.string().min(1),
  displayName: optionalText,
  startDateTime: optionalText,
  endDateTime: optionalText,
  type: optionalText,
});

export const applicationSchema = z.object({
  id: z.string().min(1),
  appId: z.string().min(1),
  displayName: optionalText,
  tags: z.array(z.string()).nullable().optional(),
  passwordCredentials: z.array(passwordCredentialSchema).nullable().optional(),
  keyCredentials: z.array(keyCredentialSchema).nullable().optional(),
});

export type GraphApplication = z.infer<typeof applicationSchema>;
export type GraphPasswordCredential = z.infer<typeof passwordCredentialSchema>;

/** addPassword's answer: the only one with the value. */
export const addedPasswordSchema = passwordCredentialSchema.extend({ secretText: z.string().min(1) });

export const federatedCredentialSchema = z.object({
  id: z.string().min(1),
  name: z.string().min(1),
  issuer: z.string().min(1),
  subject: z.string().min(1),
  audiences: z.array(z.string()),
  description: optionalText,
});

/** Beta appCredentialSignInActivity; its docs disagree on field names, so both spellings are accepted. */
export const credentialSignInActivitySchema = z.object({
  keyId: z.string().min(1),
  appId: z.string().optional(),
  keyType: z.string().nullable().optional(),
  expirationDate: optionalText,
  expirationDateTime: optionalText,
  signInActivity: z.object({ lastSignInDateTime: optionalText }).nullable().optional(),
});

const pageSchemaOf = (item: z.ZodType) => z.object({ value: z.array(item), "@odata.nextLink": z.string().optional() });
type PageSchema<T extends z.ZodType> = z.ZodObject<{ value: z.ZodArray<T>; "@odata.nextLink": z.ZodOptional<z.ZodString> }>;
// Built once per item schema: zod compiles a schema on its first parse, so one built per request is compiled per request.
const pageSchemas = new WeakMap<z.ZodType, z.ZodType>();

/** A collection page of `item`s; a missing `@odata.nextLink` is the last page. */
export function pageSchema<T extends z.ZodType>(item: T): PageSchema<T> {
  const known = pageSchemas.get(item) ?? pageSchemaOf(item);
  pageSchemas.set(item, known);
  return known as PageSchema<T>;
}

/** The sign-in activity answer: a collection (list), or one object (the get call's documented "by keyId" example). */
export const credentialSignInActivityAnswerSchema = z.union([pageSchema(credentialSignInActivitySchema), credentialSignInActivitySchema]);
/**
 * Beta signIn, the fields that tell how a service principal proved itself (api-reference/beta/resources/signin.md):
 * `clientCredentialType` federatedIdentityCredential with the `federatedCredentialId` used; `status.errorCode` 0 is a success.
 */
export const signInSchema = z.object({
  createdDateTime: z.string(),
  appId: optionalText,
  clientCredentialType: optionalText,
  federatedCredentialId: optionalText,
  status: z.object({ errorCode: z.number().nullable().optional() }).nullable().optional(),
});

/** A directoryObject of a collection such as an application's owners: only its id is read. */
export const directoryObjectSchema = z.object({ id: z.string() });

/** passwordCredentialConfiguration: fields Graph added later (`state`, `excludeActors`) may be absent. */
export const passwordRestrictionSchema = z.object({
  restrictionType: z.string().min(1),
  state: z.string().nullable().optional(),
  maxLifetime: z.string().nullable().optional(),
  restrictForAppsCreatedAfterDateTime: z.string().nullable().optional(),
  excludeActors: z.object({ customSecurityAttributes: z.array(z.unknown()).nullable().optional() }).nullable().optional(),
});

/** appManagementConfiguration, reduced to its password restrictions. */
const appManagementRestrictionsSchema = z.object({ passwordCredentials: z.array(passwordRestrictionSchema).nullable().optional() }).nullable().optional();

/** tenantAppManagementPolicy (GET /policies/defaultAppManagementPolicy). */
export const tenantAppManagementPolicySchema = z.object({
  id: z.string().min(1),
  isEnabled: z.boolean(),
  applicationRestrictions: appManagementRestrictionsSchema,
});

/** appManagementPolicy (GET /applications/{id}/appManagementPolicies). */
export const appManagementPolicySchema = z.object({ id: z.string().min(1), isEnabled: z.boolean(), restrictions: appManagementRestrictionsSchema });

export const applicationCreatedSchema = z.object({ id: z.string().min(1), createdDateTime: z.string().nullable().optional() });
