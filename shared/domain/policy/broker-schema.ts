import { z } from "zod";
import { contextName, guid, positiveInt, projectSlug } from "./fields.js";
import { entries, evenWithOtherIssues, field } from "./loose.js";

/** Entra's audience for federated credentials: the broker's tokens carry it, CircleCI tokens for the broker never may. */
export const entraExchangeAudience = "api://AzureADTokenExchange";

export const brokerDefaults = { exchangesPerToken: 5 } as const;

/** `role:<name>` is the broker token's subject and part of a federated credential's name: keep it short and plain. */
export const brokerRoleName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]*$/, { error: "use lower-case letters, digits and - only, starting with a letter or digit" })
  .max(60);

const allowSchema = z
  .strictObject({
    projectIds: z.array(guid).min(1).optional(),
    /** Resolved to project ids when the broker loads the policy (tokens carry ids only). */
    projects: z.array(projectSlug).min(1).optional(),
    /** Globs on the full ref: `main` means `refs/heads/main`, `refs/tags/v*` a tag. Absent: any ref (and none). */
    branches: z.array(z.string().regex(/^\S+$/, { error: "expected a branch or ref glob without spaces" })).min(1).optional(),
    /** Context names, resolved to ids at load: the job must run with at least one. */
    contexts: z.array(contextName).min(1).optional(),
    /** `github.com/acme/api`, as CircleCI's vcs-origin claim spells it. */
    vcsOrigin: z
      .string()
      .regex(/^[^\s/:]+(\/[^\s/]+)+$/, { error: "expected a VCS origin like github.com/acme/api (no scheme)" })
      .optional(),
    sshRerun: z.boolean().default(false),
  })
  .superRefine((allow, ctx) => {
    if (!allow.projectIds && !allow.projects) {
      ctx.addIssue({ code: "custom", message: "name the projects allowed this role: projectIds or projects (slugs), or both" });
    }
  });

const roleSchema = z.strictObject({
  name: brokerRoleName,
  /** The app whose federated credential (issuer = the broker, subject `role:<name>`) trusts this role. */
  app: z.strictObject({ appId: guid }),
  allow: allowSchema,
});

function checkUniqueRoles(roles: unknown, ctx: z.RefinementCtx): void {
  const seen = new Map<string, number>();
  entries(roles).forEach((role, index) => {
    const name = field(role, "name");
    if (typeof name !== "string") return;
    const first = seen.get(name);
    if (first === undefined) seen.set(name, index);
    else ctx.addIssue({ code: "custom", path: [index, "name"], message: `duplicate role name (same as broker.roles[${first}])` });
  });
}

/**
 * The OIDC broker: CircleCI tokens asked for `audience` are exchanged for tokens of the broker's own issuer whose
 * subject is a role the rules grant.
 */
export const brokerSchema = z.strictObject({
  /**
   * What a job asks for with `circleci run oidc get --claims '{"aud":"<audience>"}'`. Never the organization id (the
   * default audience every CircleCI token carries) nor Entra's: a token minted for another relying party must not work here.
   */
  audience: z
    .string()
    .min(1)
    .max(256)
    .refine((audience) => audience !== entraExchangeAudience, {
      error: `must be the broker's own audience, not ${entraExchangeAudience} (a token a job asked for Entra would work at the broker too)`,
    }),
  exchangesPerToken: positiveInt.max(100).default(brokerDefaults.exchangesPerToken),
  roles: z
    .array(roleSchema)
    .min(1)
    .superRefine((roles: unknown, ctx) => checkUniqueRoles(roles, ctx), evenWithOtherIssues),
});

export type BrokerPolicy = z.output<typeof brokerSchema>;
export type BrokerRolePolicy = BrokerPolicy["roles"][number];
