import { z } from "zod";
import { circleciBindingSchema, type CircleciBinding } from "./circleci-binding.js";
import { credentialName, guid, keyVaultSecretName } from "./fields.js";
import { evenWithOtherIssues, field } from "./loose.js";
import { oidcSchema, type OidcPolicy } from "./oidc-schema.js";
import { rotationSchema, type RotationPolicy } from "./rotation-schema.js";

export const credentialActions = ["watch", "rotate", "oidc"] as const;
export type CredentialAction = (typeof credentialActions)[number];

interface CredentialBase {
  name: string;
  circleci: CircleciBinding;
  /** Where rotated values are kept; its latest version's `keyId` tag names the live Entra password. Default `cci-<name>`. */
  keyVault: { secretName: string };
}

/** Age (and, with `entra`, expiry) alerts only. */
export interface WatchCredential extends CredentialBase {
  action: "watch";
  entra?: { appId: string };
}

export interface RotateCredential extends CredentialBase {
  action: "rotate";
  entra: { appId: string };
  rotation: RotationPolicy;
}

export interface OidcCredential extends CredentialBase {
  action: "oidc";
  entra: { appId: string };
  oidc: OidcPolicy;
}

export type PolicyCredential = WatchCredential | RotateCredential | OidcCredential;

/** The rules that tie fields to `action`; also checked when other fields failed, so every problem shows at once. */
function checkActionFields(credential: unknown, ctx: z.RefinementCtx): void {
  const action = field(credential, "action");
  if (action !== "watch" && action !== "rotate" && action !== "oidc") return;
  const problem = (key: string, message: string) => ctx.addIssue({ code: "custom", path: [key], message });
  if (action !== "watch" && field(credential, "entra") === undefined) problem("entra", `required for action: ${action} (the app registration whose secret it is)`);
  if (action === "rotate" && field(credential, "rotation") === undefined) problem("rotation", "required for action: rotate (an empty {} takes the defaults)");
  if (action !== "rotate" && field(credential, "rotation") !== undefined) problem("rotation", "only allowed with action: rotate");
  if (action === "oidc" && field(credential, "oidc") === undefined) problem("oidc", "required for action: oidc (projectIds and userIds)");
  if (action !== "oidc" && field(credential, "oidc") !== undefined) problem("oidc", "only allowed with action: oidc");
}

/** One entry of `credentials[]`: a CircleCI variable, optionally the Entra app whose secret it holds, and what to do about it. */
export const credentialSchema = z
  .strictObject({
    name: credentialName,
    circleci: circleciBindingSchema,
    entra: z.strictObject({ appId: guid }).optional(),
    action: z.enum(credentialActions),
    rotation: rotationSchema.optional(),
    keyVault: z.strictObject({ secretName: keyVaultSecretName }).optional(),
    oidc: oidcSchema.optional(),
  })
  .superRefine((credential: unknown, ctx) => checkActionFields(credential, ctx), evenWithOtherIssues)
  .transform((credential, ctx): PolicyCredential => {
    const base: CredentialBase = {
      name: credential.name,
      circleci: credential.circleci,
      keyVault: credential.keyVault ?? { secretName: `cci-${credential.name}` },
    };
    const { action, entra, rotation, oidc } = credential;
    if (action === "watch") return entra ? { ...base, action, entra } : { ...base, action };
    if (action === "rotate" && entra && rotation) return { ...base, action, entra, rotation };
    if (action === "oidc" && entra && oidc) return { ...base, action, entra, oidc };
    // Unreachable: checkActionFields has already refused it.
    ctx.addIssue({ code: "custom", message: `fields do not match action: ${action}` });
    return z.NEVER;
  });
