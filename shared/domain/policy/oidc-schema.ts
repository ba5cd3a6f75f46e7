import { z } from "zod";
import { guid, positiveInt } from "./fields.js";

export const oidcDefaults = { audience: "api://AzureADTokenExchange", retireAfterQuietDays: 7 } as const;

/** Entra's limit of federated identity credentials per app registration. */
export const maxFederatedCredentialsPerApp = 20;

const branchesSchema = z.strictObject({
  /** `github.com/acme/api`, as CircleCI's V2 token subject spells it. */
  vcsOrigin: z.string().regex(/^[^\s/:]+(\/[^\s/]+)+$/, { error: "expected a VCS origin like github.com/acme/api (no scheme)" }),
  refs: z.array(z.string().regex(/^\S+$/, { error: "expected a ref like refs/heads/main" })).min(1),
});

export const oidcSchema = z
  .strictObject({
    projectIds: z.array(guid).min(1),
    userIds: z.array(guid).min(1),
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
    // One federated credential per subject: project × user (× ref with the V2 token).
    const subjects = new Set(oidc.projectIds).size * new Set(oidc.userIds).size * (oidc.branches ? new Set(oidc.branches.refs).size : 1);
    if (subjects > maxFederatedCredentialsPerApp) {
      ctx.addIssue({
        code: "custom",
        message: `needs ${subjects} federated credentials (projectIds × userIds${oidc.branches ? " × refs" : ""}); Entra allows at most ${maxFederatedCredentialsPerApp} per app. ` +
          `The OIDC broker needs one per role instead (policy broker.roles, README "OIDC broker"), or let one bot user trigger the deploys`,
      });
    }
  });

export type OidcPolicy = z.output<typeof oidcSchema>;
