/** One line of `watchdog doctor`: a permission or role the policy's actions need, and whether it is there. */
export interface DoctorCheck {
  /** What is needed: "Graph Application.ReadWrite.OwnedBy", "owner of app 1111…", "Key Vault cci-prod-deploy", … */
  need: string;
  /** Which policy actions need it: "rotate prod-deploy", "oidc terraform (retirement)", "watch (inventory)". */
  neededFor: string;
  /**
   * "unverified": what can be checked without side effects is there, the rest (a write) cannot be checked;
   * "unknown": the read that would tell failed (never taken as present).
   */
  status: "present" | "missing" | "unverified" | "unknown";
  /** The exact grant that fixes it (empty when present). */
  fix: string;
  /** What was observed (status codes, error codes; never a value). */
  detail?: string;
  /**
   * The policy credentials whose rotation or migration cannot start without it: a cycle reports them blocked
   * (missing or unknown) instead of failing half-way. Absent for what blocks no change (e.g. sign-in evidence).
   */
  credentials?: string[];
}

export interface DoctorReport {
  /** Everything the policy needs is there: `watchdog doctor` exits 0. */
  ok: boolean;
  checks: DoctorCheck[];
}

/** A missing or unknown check fails the doctor; "unverified" (cannot be checked without a write) does not. */
export function doctorReport(checks: DoctorCheck[]): DoctorReport {
  return { ok: checks.every((c) => c.status === "present" || c.status === "unverified"), checks };
}

/** Microsoft Graph app role ids (the permission's id in the Microsoft Graph service principal's appRoles). */
export const graphAppRoleIds: Record<string, string> = {
  "Application.ReadWrite.OwnedBy": "18a4783c-866b-4cc7-a460-3d5e5662c884",
  "Application.ReadWrite.All": "1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9",
  "Application.Read.All": "9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30",
  "AuditLog.Read.All": "b0afded3-3588-46d8-8b3d-9842eff778da",
  "Policy.Read.All": "246dd0d5-5bd0-4def-940b-0421030a5b68",
};

const microsoftGraphAppId = "00000003-0000-0000-c000-000000000000";

/** The grant of a Graph application permission to the watchdog's service principal (admin consent), as one command. */
export function graphRoleGrant(role: string, principalId: string | null): string {
  const principal = principalId ?? "<watchdog service principal object id>";
  const roleId = graphAppRoleIds[role] ?? "<app role id>";
  return (
    `grant Microsoft Graph application permission ${role} to service principal ${principal}: ` +
    `az rest --method POST --uri https://graph.microsoft.com/v1.0/servicePrincipals/${principal}/appRoleAssignments ` +
    `--body "{\\"principalId\\":\\"${principal}\\",\\"resourceId\\":\\"$(az ad sp show --id ${microsoftGraphAppId} --query id -o tsv)\\",\\"appRoleId\\":\\"${roleId}\\"}"`
  );
}

/** Making the watchdog an owner of an app is an administrator's step: grant-ownership does every app at once, az this one. */
export function ownerGrant(appId: string, principalId: string | null): string {
  const principal = principalId ?? "<watchdog service principal object id>";
  return (
    `make the watchdog an owner of the app: an administrator runs watchdog grant-ownership --principal-id ${principal} ` +
    `(every app the policy changes), or az ad app owner add --id ${appId} --owner-object-id ${principal}`
  );
}

export function keyVaultGrant(vaultUrl: string, principalId: string | null): string {
  return (
    `assign "Key Vault Secrets Officer" on the vault to ${principalId ?? "<watchdog service principal object id>"}: ` +
    `az role assignment create --role "Key Vault Secrets Officer" --assignee-object-id ${principalId ?? "<object id>"} ` +
    `--assignee-principal-type ServicePrincipal --scope $(az keyvault show --name ${vaultName(vaultUrl)} --query id -o tsv)`
  );
}

function vaultName(vaultUrl: string): string {
  try {
    return new URL(vaultUrl).hostname.split(".")[0] ?? vaultUrl;
  } catch {
    return vaultUrl;
  }
}

export function circleciContextGrant(context: string): string {
  return `let the CircleCI token's user manage context ${context}: Organization Settings > Contexts > ${context} > Security groups (or use the token of a user who can)`;
}

export function circleciProjectGrant(project: string): string {
  return `give the CircleCI token's user admin access to project ${project} (project environment variables need it)`;
}
