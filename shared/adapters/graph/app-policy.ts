import type { z } from "zod";
import type { AppManagementPolicyRead, PasswordRestrictionRead } from "../../domain/app-policy/index.js";
import type { passwordRestrictionSchema } from "./graph-schemas.js";

type WireRestriction = z.infer<typeof passwordRestrictionSchema>;

function toRestriction(r: WireRestriction): PasswordRestrictionRead {
  return {
    restrictionType: r.restrictionType,
    state: r.state ?? null,
    maxLifetime: r.maxLifetime ?? null,
    restrictForAppsCreatedAfterDateTime: r.restrictForAppsCreatedAfterDateTime ?? null,
    exemptions: r.excludeActors?.customSecurityAttributes?.length ?? 0,
  };
}

/** A tenant default or per-app policy as the domain judges it: its id, whether enabled, its password restrictions. */
export function toPolicyRead(id: string, isEnabled: boolean, restrictions: { passwordCredentials?: WireRestriction[] | null } | null | undefined): AppManagementPolicyRead {
  return { id, isEnabled, passwordCredentials: (restrictions?.passwordCredentials ?? []).map(toRestriction) };
}
