import type { z } from "zod";
import { parseIsoDateTime } from "../../domain/time.js";
import type { FederatedSignIns } from "../../ports/directory.js";
import type { signInSchema } from "./graph-schemas.js";

type SignIn = z.infer<typeof signInSchema>;

/**
 * The earliest successful sign-in per federated identity credential among the listed sign-ins, whatever order
 * Graph sent them in. A timestamp that cannot be read makes the answer unavailable (an unreadable entry could be
 * the first one).
 */
export function firstPerCredential(signIns: SignIn[], appId: string): FederatedSignIns {
  const first = new Map<string, Date>();
  for (const signIn of signIns) {
    if (signIn.appId && signIn.appId.toLowerCase() !== appId.toLowerCase()) continue;
    if (signIn.clientCredentialType !== "federatedIdentityCredential" || !signIn.federatedCredentialId) continue;
    if ((signIn.status?.errorCode ?? 0) !== 0) continue;
    const at = parseIsoDateTime(signIn.createdDateTime);
    if (!at) return { available: false, reason: "Graph sent a sign-in createdDateTime that is not an ISO 8601 timestamp" };
    const id = signIn.federatedCredentialId.toLowerCase();
    const known = first.get(id);
    if (!known || at < known) first.set(id, at);
  }
  return {
    available: true,
    first: [...first.entries()].map(([federatedCredentialId, at]) => ({ federatedCredentialId, at: at.toISOString() })).sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0)),
  };
}
