#!/bin/sh
# azd postdeploy: Key Vault's Event Grid events to the keyVaultEvents function, so the watchdog reacts when a secret
# nears expiry (30 days before), expires or gets a new version, instead of at the next timer. The system topic on the
# vault is Bicep's (infra/modules/key-vault.bicep); the subscription is made here because the function's Event Grid
# extension key exists only once the code is deployed. Event Grid fires only for versions created after the
# subscription exists. `create` is a create-or-update (PUT): running the hook again changes nothing.
set -eu
group="${AZURE_RESOURCE_GROUP:?missing: run azd provision first}"
app="${WATCHDOG_FUNCTION_APP:?missing: run azd provision first}"
topic="${KEY_VAULT_EVENTS_TOPIC:?missing: run azd provision first (infra/main.bicep outputs it)}"

# The host indexes the deployed functions shortly after the package lands: wait for keyVaultEvents (up to 3 minutes).
tries=0
until az functionapp function show --resource-group "$group" --name "$app" --function-name keyVaultEvents --output none 2>/dev/null; do
  tries=$((tries + 1))
  if [ "$tries" -ge 18 ]; then
    echo "Event Grid: keyVaultEvents is not listed on $app after 3 minutes; run 'azd hooks run postdeploy' once it is." >&2
    exit 1
  fi
  sleep 10
done

# Event Grid retries a failed delivery with backoff for up to 24 hours (30 attempts); the function completes events
# it cannot parse, and fails only what a redelivery can fix.
az eventgrid system-topic event-subscription create \
  --name watchdogKeyVaultEvents \
  --resource-group "$group" \
  --system-topic-name "$topic" \
  --endpoint-type azurefunction \
  --endpoint "${WATCHDOG_FUNCTION_APP_ID:?missing: run azd provision first}/functions/keyVaultEvents" \
  --included-event-types Microsoft.KeyVault.SecretNearExpiry Microsoft.KeyVault.SecretExpired Microsoft.KeyVault.SecretNewVersionCreated \
  --event-delivery-schema eventgridschema \
  --max-delivery-attempts 30 \
  --event-ttl 1440 \
  --output none
echo "Event Grid: Key Vault events of $topic reach keyVaultEvents"
