import type { AppCertificate, AppPassword, EntraApp } from "../../domain/snapshot.js";
import type { FederatedCredential } from "../../ports/directory.js";
import type { GraphApplication, GraphPasswordCredential } from "./graph-schemas.js";
import type { federatedCredentialSchema, keyCredentialSchema } from "./graph-schemas.js";
import type { z } from "zod";

export function toAppPassword(p: GraphPasswordCredential): AppPassword {
  return {
    keyId: p.keyId,
    displayName: p.displayName ?? null,
    startDateTime: p.startDateTime ?? null,
    endDateTime: p.endDateTime ?? null,
    hint: p.hint ?? null,
  };
}

function toAppCertificate(k: z.infer<typeof keyCredentialSchema>): AppCertificate {
  return {
    keyId: k.keyId,
    displayName: k.displayName ?? null,
    startDateTime: k.startDateTime ?? null,
    endDateTime: k.endDateTime ?? null,
    type: k.type ?? null,
  };
}

export function toEntraApp(app: GraphApplication): EntraApp {
  return {
    objectId: app.id,
    appId: app.appId,
    displayName: app.displayName ?? "",
    tags: app.tags ?? [],
    passwords: (app.passwordCredentials ?? []).map(toAppPassword),
    certificates: (app.keyCredentials ?? []).map(toAppCertificate),
  };
}

export function toFederatedCredential(f: z.infer<typeof federatedCredentialSchema>): FederatedCredential {
  return { id: f.id, name: f.name, issuer: f.issuer, subject: f.subject, audiences: f.audiences, description: f.description ?? null };
}
