import type { EmulatorReply, EmulatorRequest } from "../core/emulator.js";
import type { DirectoryApp } from "./directory-state.js";
import type { GraphContext } from "./graph-context.js";
import { graphError } from "./graph-errors.js";

/**
 * Microsoft Graph application permissions the emulator enforces, as the roles of the caller's token.
 * - Application.ReadWrite.OwnedBy: read every application, change only those whose owners include the caller's
 *   service principal ("Allows the app to create other applications, and fully manage those applications …
 *   It can also read all applications", Microsoft Graph permissions reference,
 *   https://learn.microsoft.com/en-us/graph/permissions-reference#applicationreadwriteownedby); other writes
 *   answer 403 Authorization_RequestDenied "Insufficient privileges to complete the operation."
 * - Application.ReadWrite.All: change any application. Application.Read.All: read only.
 * - AuditLog.Read.All: the sign-in activity reports (reportRoot: list appCredentialSignInActivities, "Permissions").
 * - Policy.Read.All: app management policies (tenantAppManagementPolicy get, "Permissions").
 * - Adding an owner (`POST /applications/{id}/owners/$ref`): "Application.ReadWrite.All and Directory.Read.All"
 *   (or Directory.ReadWrite.All); "Application.ReadWrite.OwnedBy isn't sufficient to add another owner" (Add owner,
 *   https://learn.microsoft.com/en-us/graph/api/application-post-owners, "Permissions"). Delegated callers (an
 *   administrator's own sign-in through the Azure CLI) are not modelled: the emulator's callers are applications.
 */
export const graphRoles = {
  ownedBy: "Application.ReadWrite.OwnedBy",
  readWriteAll: "Application.ReadWrite.All",
  readAll: "Application.Read.All",
  auditLog: "AuditLog.Read.All",
  policyRead: "Policy.Read.All",
  directoryRead: "Directory.Read.All",
  directoryReadWrite: "Directory.ReadWrite.All",
} as const;

const denied = (): EmulatorReply => graphError(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.");

interface Caller {
  appId: string;
  roles: Set<string>;
  principalId: string | undefined;
}

function caller(context: GraphContext, req: EmulatorRequest): Caller {
  const claims = context.tokens.verify(req.headers.authorization, ["https://graph.microsoft.com"]);
  const appId = claims?.appid ?? "";
  return { appId, roles: context.state.effectiveRoles(appId), principalId: context.state.principalOf(appId) ?? claims?.oid };
}

/** Reading applications, their owners and federated credentials: any application permission. */
export function denyRead(context: GraphContext, req: EmulatorRequest): EmulatorReply | undefined {
  const { roles } = caller(context, req);
  return [graphRoles.readAll, graphRoles.ownedBy, graphRoles.readWriteAll].some((r) => roles.has(r)) ? undefined : denied();
}

/** Changing an application (passwords, federated credentials): ReadWrite.All, or OwnedBy and an owner. */
export function denyWrite(context: GraphContext, req: EmulatorRequest, app: DirectoryApp): EmulatorReply | undefined {
  const who = caller(context, req);
  if (who.roles.has(graphRoles.readWriteAll)) return undefined;
  const owner = who.principalId !== undefined && app.owners.some((o) => o.toLowerCase() === who.principalId!.toLowerCase());
  return who.roles.has(graphRoles.ownedBy) && owner ? undefined : denied();
}

/** A report or policy read that needs one role. */
export function denyWithout(context: GraphContext, req: EmulatorRequest, role: string): EmulatorReply | undefined {
  return caller(context, req).roles.has(role) ? undefined : denied();
}

/** Adding an owner to an application: Application.ReadWrite.All with Directory.Read.All, or Directory.ReadWrite.All. */
export function denyOwnerAdd(context: GraphContext, req: EmulatorRequest): EmulatorReply | undefined {
  const { roles } = caller(context, req);
  if (roles.has(graphRoles.directoryReadWrite)) return undefined;
  return roles.has(graphRoles.readWriteAll) && roles.has(graphRoles.directoryRead) ? undefined : denied();
}
