import type { DirectoryApp, DirectoryFederatedCredential, DirectoryKeyCredential, DirectoryPassword } from "./directory-state.js";

export type WireObject = Record<string, unknown>;

/** A passwordCredential as Graph returns it: `secretText` is null everywhere but in addPassword's answer. */
export function passwordToWire(password: DirectoryPassword, options: { withSecret: boolean } = { withSecret: false }): WireObject {
  return {
    customKeyIdentifier: null,
    displayName: password.displayName,
    endDateTime: password.endDateTime,
    hint: password.secretText.slice(0, 3),
    keyId: password.keyId,
    secretText: options.withSecret ? password.secretText : null,
    startDateTime: password.startDateTime,
  };
}

export function keyCredentialToWire(key: DirectoryKeyCredential): WireObject {
  return {
    customKeyIdentifier: null,
    displayName: key.displayName,
    endDateTime: key.endDateTime,
    key: null,
    keyId: key.keyId,
    startDateTime: key.startDateTime,
    type: key.type,
    usage: key.usage,
  };
}

export function federatedCredentialToWire(fic: DirectoryFederatedCredential): WireObject {
  return {
    audiences: [...fic.audiences],
    description: fic.description,
    id: fic.id,
    issuer: fic.issuer,
    name: fic.name,
    subject: fic.subject,
  };
}

export function applicationToWire(app: DirectoryApp): WireObject {
  return {
    id: app.id,
    appId: app.appId,
    createdDateTime: app.createdDateTime,
    displayName: app.displayName,
    signInAudience: "AzureADMyOrg",
    tags: [...app.tags],
    keyCredentials: app.keyCredentials.map(keyCredentialToWire),
    passwordCredentials: app.passwordCredentials.map((p) => passwordToWire(p)),
  };
}

/** Properties `$select` may name on an application. */
export const applicationProperties = Object.keys(
  applicationToWire({ id: "", appId: "", displayName: "", tags: [], passwordCredentials: [], keyCredentials: [], federatedIdentityCredentials: [], owners: [], createdDateTime: "" }),
);

export function project(object: WireObject, properties: string[] | undefined): WireObject {
  if (!properties) return object;
  return Object.fromEntries(properties.map((p) => [p, object[p] ?? null]));
}
