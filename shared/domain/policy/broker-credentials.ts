import type { z } from "zod";
import { entries, field } from "./loose.js";

/**
 * A credential that migrates in `oidc.mode: broker` names a role of `broker.roles`; that role's federated credential
 * is created on the credential's app, so the role must bind that same app (else its tokens would sign in elsewhere).
 */
export function checkBrokerCredentials(policy: unknown, ctx: z.RefinementCtx): void {
  const roles = entries(field(field(policy, "broker"), "roles"));
  entries(field(policy, "credentials")).forEach((credential, index) => {
    const oidc = field(credential, "oidc");
    const role = field(oidc, "role");
    if (field(oidc, "mode") !== "broker" || typeof role !== "string") return;
    const path = ["credentials", index, "oidc", "role"];
    const at = roles.findIndex((r) => field(r, "name") === role);
    if (at < 0) {
      const known = roles.map((r) => field(r, "name")).filter((name): name is string => typeof name === "string");
      const message =
        roles.length === 0
          ? `no broker role named ${role}: the policy has no broker.roles (add the broker section, README "OIDC broker")`
          : `no broker role named ${role} in broker.roles (${known.join(", ")})`;
      ctx.addIssue({ code: "custom", path, message });
      return;
    }
    const roleApp = field(field(roles[at], "app"), "appId");
    const credentialApp = field(field(credential, "entra"), "appId");
    if (typeof roleApp === "string" && typeof credentialApp === "string" && roleApp.toLowerCase() !== credentialApp.toLowerCase()) {
      ctx.addIssue({
        code: "custom",
        path,
        message: `broker role ${role} binds app ${roleApp} (broker.roles[${at}].app.appId), not this credential's entra.appId ${credentialApp}: its federated credential must be on the app whose secret migrates`,
      });
    }
  });
}
