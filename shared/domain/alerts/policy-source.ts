import type { AlertSource } from "../alert.js";
import type { PolicyCredential } from "../policy/index.js";

/** Where a policy credential lives, from the policy alone (for alerts raised without an inventory to look at). */
export function policySourceOf(credential: PolicyCredential): AlertSource {
  const binding = credential.circleci;
  const circleci = "context" in binding ? { context: binding.context, variable: binding.variable } : { project: binding.project, variable: binding.variable };
  return {
    circleci,
    ...(credential.entra ? { entra: { appId: credential.entra.appId, credentialType: "password" as const } } : {}),
    ...(credential.action === "rotate" ? { keyVault: { secretName: credential.keyVault.secretName } } : {}),
  };
}
