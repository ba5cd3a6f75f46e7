/** Names of the Graph emulator's routes, for fault knobs (`graph.faults.set(name, …)`) and request-log assertions. */
export const graphRouteNames = {
  applicationsList: "applications.list",
  applicationsGet: "applications.get",
  owners: "applications.owners",
  ownersAdd: "applications.owners.add",
  addPassword: "applications.addPassword",
  removePassword: "applications.removePassword",
  ficList: "applications.federatedIdentityCredentials.list",
  ficCreate: "applications.federatedIdentityCredentials.create",
  ficGet: "applications.federatedIdentityCredentials.get",
  ficDelete: "applications.federatedIdentityCredentials.delete",
  batch: "batch",
  signInActivities: "reports.appCredentialSignInActivities",
  signIns: "auditLogs.signIns",
  tenantAppManagementPolicy: "policies.defaultAppManagementPolicy",
  appManagementPolicies: "policies.appManagementPolicies",
  appAppManagementPolicies: "applications.appManagementPolicies",
} as const;

export type GraphRouteName = (typeof graphRouteNames)[keyof typeof graphRouteNames];

/**
 * The routes that write applications (passwords, federated credentials): Graph throttles an app's writes to
 * directory objects together and more tightly than its reads ("write requests have separate limits",
 * https://learn.microsoft.com/en-us/graph/throttling-limits#identity-and-access-service-limits; 429 with
 * Retry-After, https://learn.microsoft.com/en-us/graph/throttling). For `graph.faults.setBudget(name, { routes: graphApplicationWriteRoutes, … })`.
 */
export const graphApplicationWriteRoutes: readonly GraphRouteName[] = [
  graphRouteNames.addPassword,
  graphRouteNames.removePassword,
  graphRouteNames.ficCreate,
  graphRouteNames.ficDelete,
];
