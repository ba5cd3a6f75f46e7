#!/bin/sh
# azd postdeploy: Key Vault's Event Grid events to the keyVaultEvents function, so the watchdog reacts when a secret
# nears expiry, expires or gets a new version instead of at the next timer. The function's Event Grid extension key
# exists only once the code is deployed, hence a hook rather than Bicep. Event Grid fires only for versions created
# after the subscription exists.
set -eu
az eventgrid event-subscription create \
  --name watchdog-key-vault \
  --source-resource-id "${KEY_VAULT_ID:?missing: run azd provision first}" \
  --endpoint-type azurefunction \
  --endpoint "${WATCHDOG_FUNCTION_APP_ID:?missing}/functions/keyVaultEvents" \
  --included-event-types Microsoft.KeyVault.SecretNearExpiry Microsoft.KeyVault.SecretExpired Microsoft.KeyVault.SecretNewVersionCreated \
  --output none
echo "Event Grid: Key Vault events reach keyVaultEvents"
