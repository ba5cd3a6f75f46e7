/** Names of the Entra emulator's routes, for fault knobs and request-log assertions. */
export const entraRouteNames = {
  managedIdentityToken: "msi.token",
  discovery: "authority.discovery",
  jwks: "authority.jwks",
  token: "authority.token",
} as const;

export type EntraRouteName = (typeof entraRouteNames)[keyof typeof entraRouteNames];
