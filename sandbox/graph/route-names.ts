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
} as const;

export type GraphRouteName = (typeof graphRouteNames)[keyof typeof graphRouteNames];
