import { z } from "zod";

/** A GUID (app ids, CircleCI project and user ids), lower-cased: Graph and CircleCI report them lower-case. */
export const guid = z.guid().transform((value) => value.toLowerCase());

/** Credential names end up in Key Vault secret names (`cci-<name>`, at most 127 characters) and in CLI arguments. */
export const credentialName = z
  .string()
  .regex(/^[a-z0-9-]+$/, { error: "use lower-case letters, digits and - only" })
  .max(120);

/** CircleCI's own rule for environment variable names. */
export const ciVariableName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: "a CircleCI variable name is letters, digits and _, not starting with a digit" })
  .max(300);

export const contextName = z.string().min(1).max(512);

/** `gh/acme/api`, `bb/acme/api`, `circleci/<org-id>/<project-id>`. */
export const projectSlug = z.string().regex(/^[^\s/]+\/[^\s/]+\/[^\s/]+$/, { error: "expected a project slug like gh/acme/api" });

/** Azure Key Vault's rule for secret names. */
export const keyVaultSecretName = z
  .string()
  .regex(/^[0-9A-Za-z-]+$/, { error: "a Key Vault secret name is letters, digits and - only" })
  .max(127);

/**
 * A whole number. Not z.int(): zod marks its failure as aborting the whole parse, which would hide every
 * later-reported issue (duplicates, missing fields); a refinement reports and lets the rest run.
 */
export const integer = z.number().refine(Number.isInteger, { error: "expected a whole number" });

export const positiveInt = integer.min(1);
