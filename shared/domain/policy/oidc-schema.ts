import { z } from "zod";
import { brokerRoleName, entraExchangeAudience } from "./broker-schema.js";
import { guid, positiveInt } from "./fields.js";

export const oidcDefaults = { audience: "api://AzureADTokenExchange", retireAfterQuietDays: 7 } as const;

/** Entra's limit of federated identity credentials per app registration. */
export const maxFederatedCredentialsPerApp = 20;

const branchesSchema = z.strictObject({
  /** `github.com/acme/api`, as CircleCI's V2 token subject spells it. */
  vcsOrigin: z.string().regex(/^[^\s/:]+(\/[^\s/]+)+$/, { error: "expected a VCS origin like github.com/acme/api (no scheme)" }),
  refs: z.array(z.string().regex(/^\S+$/, { error: "expected a ref like refs/heads/main" })).min(1),
});

/**
 * How pipelines sign in. `direct`: with CircleCI's own token, one federated credential per subject (project × user,
 * × ref). `broker`: with a token of the watchdog's OIDC broker for `role`, one federated credential for the role.
 */
export const oidcModes = ["direct", "broker"] as const;

const directOnly = ["projectIds", "userIds", "branches", "injectedAudience"] as const;

export const oidcSchema = z
  .strictObject({
    mode: z.enum(oidcModes).default("direct"),
    /** mode: broker — a name in broker.roles whose app is this credential's (checked with the whole policy). */
    role: brokerRoleName.optional(),
    projectIds: z.array(guid).min(1).optional(),
    userIds: z.array(guid).min(1).optional(),
    audience: z.string().min(1).default(oidcDefaults.audience),
    branches: branchesSchema.optional(),
    retireAfterQuietDays: positiveInt.default(oidcDefaults.retireAfterQuietDays),
    /**
     * Experimental: also set the audience as each project's CircleCI OIDC custom claim. Project level only: an
     * organization-level audience would change what every other cloud's trust of the default audience relies on.
     */
    injectedAudience: z
      .enum(["project"], {
        error: (issue) =>
          issue.input === "org"
            ? "org is not offered: an organization-level audience would change the tokens every other cloud's trust relies on; use project"
            : "expected project",
      })
      .optional(),
  })
  .superRefine((oidc, ctx) => {
    const problem = (key: string, message: string) => ctx.addIssue({ code: "custom", path: [key], message });
    if (oidc.mode === "broker") {
      if (oidc.role === undefined) problem("role", "required with mode: broker (a role name of broker.roles)");
      for (const key of directOnly) {
        if (oidc[key] !== undefined) problem(key, "not with mode: broker (the role's broker.roles[].allow rules decide which jobs sign in)");
      }
      if (oidc.audience !== entraExchangeAudience) {
        problem("audience", `not with mode: broker (the role's federated credential carries ${entraExchangeAudience}, the broker's tokens' audience; jobs ask CircleCI for broker.audience)`);
      }
      return;
    }
    if (oidc.role !== undefined) problem("role", "only with mode: broker");
    if (oidc.projectIds === undefined) problem("projectIds", "required");
    if (oidc.userIds === undefined) problem("userIds", "required");
    if (oidc.projectIds === undefined || oidc.userIds === undefined) return;
    // One federated credential per subject: project × user (× ref with the V2 token).
    const subjects = new Set(oidc.projectIds).size * new Set(oidc.userIds).size * (oidc.branches ? new Set(oidc.branches.refs).size : 1);
    if (subjects > maxFederatedCredentialsPerApp) {
      ctx.addIssue({
        code: "custom",
        message: `needs ${subjects} federated credentials (projectIds × userIds${oidc.branches ? " × refs" : ""}); Entra allows at most ${maxFederatedCredentialsPerApp} per app. ` +
          `The OIDC broker needs one per role instead (oidc.mode: broker with a role of broker.roles, README "OIDC broker"), or let one bot user trigger the deploys`,
      });
    }
  })
  // Broker mode names no subjects: empty lists keep every reader of projectIds/userIds working unchanged.
  .transform((oidc) => ({ ...oidc, projectIds: oidc.projectIds ?? [], userIds: oidc.userIds ?? [] }));

export type OidcPolicy = z.output<typeof oidcSchema>;
