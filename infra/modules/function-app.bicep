// The Function App: Flex Consumption, Node 22, the user-assigned identity for everything (storage, Key Vault
// references, Graph, Key Vault), and every setting the watchdog reads (shared/app/settings.ts). A setting left at
// its default is named in a `// default: NAME` line, so test/deploy-template.test.ts can tell it was considered.
param name string
param location string
param tags object
param identityId string
param identityClientId string
param storageAccountName string
param deploymentContainerName string
param applicationInsightsName string
param keyVaultUri string
param circleciTokenSecretName string
param circleciOrgId string
param azureTenantId string
param watchdogSchedule string
param watchdogPolicyPath string
@description('The OIDC broker signing key in the vault; empty: the broker is off (its endpoints answer 404).')
param brokerKeyName string = ''
@description('The broker issuer (BROKER_ISSUER_URL); empty: https://<default host name>/api/broker. Prefer a custom domain (README, threat model).')
param brokerIssuerUrl string = ''

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource insights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: 'plan-${name}'
  location: location
  tags: tags
  kind: 'functionapp'
  sku: { name: 'FC1', tier: 'FlexConsumption' }
  properties: { reserved: true }
}

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: tags
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identityId}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // Key Vault references (CIRCLECI_TOKEN) resolve with the user-assigned identity, not a system one.
    keyVaultReferenceIdentity: identityId
    siteConfig: { minTlsVersion: '1.2' }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${account.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: { type: 'UserAssignedIdentity', userAssignedIdentityResourceId: identityId }
        }
      }
      scaleAndConcurrency: { instanceMemoryMB: 2048, maximumInstanceCount: 40 }
      runtime: { name: 'node', version: '22' }
    }
  }

  resource settings 'config' = {
    name: 'appsettings'
    properties: {
      // The host's and the watchdog's state, by identity: blob, queue and table service URIs (a table endpoint is
      // never guessed from a blob URI).
      AzureWebJobsStorage__credential: 'managedidentity'
      AzureWebJobsStorage__clientId: identityClientId
      AzureWebJobsStorage__blobServiceUri: account.properties.primaryEndpoints.blob
      AzureWebJobsStorage__queueServiceUri: account.properties.primaryEndpoints.queue
      AzureWebJobsStorage__tableServiceUri: account.properties.primaryEndpoints.table
      APPLICATIONINSIGHTS_CONNECTION_STRING: insights.properties.ConnectionString
      APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
      // DefaultAzureCredential picks the user-assigned managed identity by its client id.
      AZURE_CLIENT_ID: identityClientId
      CIRCLECI_TOKEN: '@Microsoft.KeyVault(SecretUri=${keyVaultUri}secrets/${circleciTokenSecretName}/)'
      CIRCLECI_ORG_ID: circleciOrgId
      AZURE_TENANT_ID: azureTenantId
      KEY_VAULT_URL: keyVaultUri
      WATCHDOG_POLICY: watchdogPolicyPath
      WATCHDOG_SCHEDULE: watchdogSchedule
      // default: KEY_VAULT_NAME (the first label of KEY_VAULT_URL's host: the name keyVaultEvents checks each event's VaultName against)
      // The broker: on only with its key. The issuer must never change once federated credentials trust it.
      BROKER_ISSUER_URL: empty(brokerKeyName) ? '' : (empty(brokerIssuerUrl) ? 'https://${site.properties.defaultHostName}/api/broker' : brokerIssuerUrl)
      BROKER_KEY_NAME: brokerKeyName
      // default: CIRCLECI_API_URL (https://circleci.com/api/v2)
      // default: GRAPH_API_URL (https://graph.microsoft.com)
      // default: AZURE_AUTHORITY_HOST (https://login.microsoftonline.com)
      // default: AzureWebJobsStorage (identity-based above instead of a connection string)
      // default: WATCHDOG_STATE_DIR (CLI only: a Function App always uses the storage tables)
      // default: WATCHDOG_FANOUT_THRESHOLD (10)
      // default: WATCHDOG_REPORT_URL (unset: digests name `watchdog plan` only; set it to https://<app>.azurewebsites.net/api/report behind your sign-in)
      // default: WATCHDOG_REFRESH_MIN_INTERVAL_SECONDS (300)
      // default: WATCHDOG_SIGNIN_REPORTING_LAG_HOURS (48)
      // default: WATCHDOG_PROPAGATION_SETTLE_SECONDS (60)
      // default: WATCHDOG_PROPAGATION_CONFIRMATIONS (3)
      // default: WATCHDOG_PROPAGATION_SPACING_SECONDS (15)
      // default: WATCHDOG_PROPAGATION_READ_LAG_SECONDS (15)
      // default: WATCHDOG_CIRCLECI_MAX_CONCURRENCY (32: CircleCI requests in flight grow from 8 to this while CircleCI never answers 429)
      // default: WATCHDOG_IDENTITY_PRINCIPAL_ID (CLI only: the object id watchdog grant-ownership makes an owner; azd outputs it)
      // default: CIRCLECI_OIDC_URL (https://oidc.circleci.com: where CircleCI's OIDC keys are read)
      // default: BROKER_KEY_ACTIVATION_SECONDS (86400: a new key version is published a day before it signs)
      // default: BROKER_KEY_OVERLAP_SECONDS (86400: a replaced version stays published a day after)
      // default: BROKER_RATE_LIMIT_PER_MINUTE (120 exchanges per minute, all instances together)
      // default: BROKER_REFUSAL_ALERT_THRESHOLD (20 refusals within 10 minutes raise one alert)
    }
  }
}

output name string = site.name
output id string = site.id
output hostName string = site.properties.defaultHostName
