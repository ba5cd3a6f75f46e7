#!/bin/sh
# azd postdeploy: Key Vault's Event Grid events to the keyVaultEvents function, so the watchdog reacts when a secret
# nears expiry, expires or gets a new version instead of at the next timer. The function's Event Grid extension key
# exists only once the code is deployed, hence a hook rather than Bicep. Event Grid fires only for versions created
# after the subscription exists.
set -eu
# The keyVaultEvents function is not part of this release yet: until it is deployed, there is nothing to subscribe.
if ! az functionapp function show --resource-group "${AZURE_RESOURCE_GROUP:?missing}" --name "${WATCHDOG_FUNCTION_APP:?missing}" \
  --function-name keyVaultEvents --output none 2>/dev/null; then
  echo "Event Grid: no keyVaultEvents function deployed; the timer alone watches Key Vault expiry."
  exit 0
fi
az eventgrid event-subscription create \
  --name watchdog-key-vault \
  --source-resource-id "${KEY_VAULT_ID:?missing: run azd provision first}" \
  --endpoint-type azurefunction \
  --endpoint "${WATCHDOG_FUNCTION_APP_ID:?missing}/functions/keyVaultEvents" \
  --included-event-types Microsoft.KeyVault.SecretNearExpiry Microsoft.KeyVault.SecretExpired Microsoft.KeyVault.SecretNewVersionCreated \
  --output none
echo "Event Grid: Key Vault events reach keyVaultEvents"
