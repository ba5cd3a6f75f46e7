#!/bin/sh
# azd postprovision: what Bicep cannot do for most people running `azd up`.
# 1. Microsoft Graph application permissions for the watchdog's identity. Granting an app role needs a privileged
#    administrator (AppRoleAssignment.ReadWrite.All, or Privileged Role Administrator): we try with the signed-in
#    Azure CLI user, and otherwise print the exact commands for an administrator. `npx watchdog doctor` then shows
#    what is still missing.
# 2. The CircleCI personal API token into Key Vault (the app setting CIRCLECI_TOKEN is a reference to it), when
#    `azd env set CIRCLECI_TOKEN …` gave one; never echoed, never on a command line.
# 3. App ownership: Application.ReadWrite.OwnedBy changes only apps the identity owns, and cannot add owners itself:
#    `watchdog grant-ownership` as the signed-in Azure CLI user, else the commands for an administrator.
set -eu

graph_app_id=00000003-0000-0000-c000-000000000000   # Microsoft Graph's well-known application id
identity="${WATCHDOG_IDENTITY_PRINCIPAL_ID:?missing: run azd provision first}"
# Needed for what (README "Permissions"): rotation and migration change owned apps; sign-in evidence decides when an
# unused secret may be retired; the app management policy says how long a new secret may live.
permissions="Application.ReadWrite.OwnedBy AuditLog.Read.All Policy.Read.All"

graph_sp=$(az ad sp show --id "$graph_app_id" --query id -o tsv)
granted=$(az rest --method GET --uri "https://graph.microsoft.com/v1.0/servicePrincipals/$identity/appRoleAssignments" \
  --query "value[].appRoleId" -o tsv 2>/dev/null || true)
failed=""
for permission in $permissions; do
  role=$(az ad sp show --id "$graph_app_id" --query "appRoles[?value=='$permission'].id | [0]" -o tsv)
  if printf '%s\n' "$granted" | grep -qx "$role"; then
    echo "Graph $permission: already granted"
    continue
  fi
  body="{\"principalId\":\"$identity\",\"resourceId\":\"$graph_sp\",\"appRoleId\":\"$role\"}"
  if az rest --method POST --uri "https://graph.microsoft.com/v1.0/servicePrincipals/$identity/appRoleAssignments" \
    --body "$body" --output none 2>/dev/null; then
    echo "Graph $permission: granted"
  else
    failed="$failed
az rest --method POST --uri https://graph.microsoft.com/v1.0/servicePrincipals/$identity/appRoleAssignments --body '$body'   # $permission"
  fi
done
if [ -n "$failed" ]; then
  echo
  echo "Granting Microsoft Graph application permissions needs a privileged administrator. Ask one to run:"
  printf '%s\n' "$failed"
fi

if [ -n "${CIRCLECI_TOKEN:-}" ]; then
  if az keyvault secret show --vault-name "$KEY_VAULT_NAME" --name "$CIRCLECI_TOKEN_SECRET_NAME" --output none 2>/dev/null; then
    echo "Key Vault $CIRCLECI_TOKEN_SECRET_NAME: already set (replace it with az keyvault secret set when you renew the token)"
  else
    umask 077
    token_file=$(mktemp)
    trap 'rm -f "$token_file"' EXIT
    printf '%s' "$CIRCLECI_TOKEN" > "$token_file"
    # CircleCI personal tokens carry an expiry (at most a year): set CIRCLECI_TOKEN_EXPIRES (e.g. 2027-06-30T00:00:00Z)
    # so the watchdog can alert on its own token.
    az keyvault secret set --vault-name "$KEY_VAULT_NAME" --name "$CIRCLECI_TOKEN_SECRET_NAME" --file "$token_file" \
      ${CIRCLECI_TOKEN_EXPIRES:+--expires "$CIRCLECI_TOKEN_EXPIRES"} --output none
    echo "Key Vault $CIRCLECI_TOKEN_SECRET_NAME: stored"
  fi
else
  echo "Key Vault $CIRCLECI_TOKEN_SECRET_NAME: not set. Store the CircleCI token with:"
  echo "  az keyvault secret set --vault-name $KEY_VAULT_NAME --name $CIRCLECI_TOKEN_SECRET_NAME --file <file holding the token> --expires <its expiry>"
fi

echo
echo "App ownership: each app registration the watchdog rotates or federates must list the identity as an owner."
policy="${WATCHDOG_POLICY:-watchdog.policy.yaml}"
fallback="  WATCHDOG_POLICY=$policy WATCHDOG_IDENTITY_PRINCIPAL_ID=$identity npx watchdog grant-ownership
or, per app (the fallback):
  az ad app owner add --id <appId> --owner-object-id $identity"
if [ -f dist/cli.js ] && [ -f "$policy" ]; then
  # As the signed-in Azure CLI user: no client secret from this shell, never the managed identity.
  if env -u AZURE_CLIENT_SECRET WATCHDOG_POLICY="$policy" WATCHDOG_IDENTITY_PRINCIPAL_ID="$identity" node dist/cli.js grant-ownership; then
    :
  else
    echo "The signed-in user could not make the identity an owner of every app (see above). An administrator runs:"
    echo "$fallback"
  fi
else
  echo "An administrator runs (after npm ci):"
  echo "$fallback"
fi
echo "npx watchdog doctor, with the deployed settings, names every app still missing it and everything else not granted yet."
