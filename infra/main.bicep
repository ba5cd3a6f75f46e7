// secret-watchdog on Azure Functions (Flex Consumption, Node 22), deployed by `azd up`.
// Shaped after Azure-Samples/functions-quickstart-typescript-azd, written with plain resources so that
// test/deploy-template.test.ts can read every setting, role and permission without a Bicep compiler.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('azd environment name: names the resource group and seeds a unique token for every resource name.')
param environmentName string

@minLength(1)
@description('Region of every resource (one that offers the Flex Consumption plan).')
param location string

@description('CircleCI organization id (a UUID): CIRCLECI_ORG_ID.')
param circleciOrgId string

@description('Entra tenant of the managed app registrations: AZURE_TENANT_ID. Empty: the deployment tenant.')
param azureTenantId string = ''

@description('NCRONTAB of the watchdog timer: WATCHDOG_SCHEDULE.')
param watchdogSchedule string = '0 0 * * * *'

@description('Path of the policy file inside the deployed package: WATCHDOG_POLICY.')
param watchdogPolicyPath string = 'watchdog.policy.yaml'

@description('Name of the Key Vault secret that holds the CircleCI personal API token (CIRCLECI_TOKEN is a Key Vault reference to it).')
param circleciTokenSecretName string = 'circleci-token'

@description('Create the RSA key the OIDC broker signs its tokens with (it never leaves Key Vault).')
param enableBroker bool = false

@description('The OIDC broker issuer URL when it is not the Function App\'s default host name (a custom domain you own: recommended).')
param brokerIssuerUrl string = ''

@description('Object id of the person running azd: gets Key Vault Secrets Officer to store the CircleCI token. Empty to skip.')
param principalId string = ''

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }
var appsTenantId = empty(azureTenantId) ? tenant().tenantId : azureTenantId

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: { name: 'id-watchdog-${resourceToken}', location: location, tags: tags }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: { resourceToken: resourceToken, location: location, tags: tags }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: { name: 'stwd${resourceToken}', location: location, tags: tags }
}

module vault 'modules/key-vault.bicep' = {
  name: 'vault'
  scope: rg
  params: { name: 'kv-wd-${resourceToken}', location: location, tags: tags, enableBrokerKey: enableBroker }
}

module roles 'modules/role-assignments.bicep' = {
  name: 'roles'
  scope: rg
  params: {
    identityPrincipalId: identity.outputs.principalId
    storageAccountName: storage.outputs.name
    keyVaultName: vault.outputs.name
    brokerKeyName: vault.outputs.brokerKeyName
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    deployerPrincipalId: principalId
  }
}

module app 'modules/function-app.bicep' = {
  name: 'app'
  scope: rg
  dependsOn: [ roles ]
  params: {
    name: 'func-watchdog-${resourceToken}'
    location: location
    tags: union(tags, { 'azd-service-name': 'watchdog' })
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    deploymentContainerName: storage.outputs.deploymentContainerName
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    keyVaultUri: vault.outputs.uri
    circleciTokenSecretName: circleciTokenSecretName
    circleciOrgId: circleciOrgId
    azureTenantId: appsTenantId
    watchdogSchedule: watchdogSchedule
    watchdogPolicyPath: watchdogPolicyPath
    brokerKeyName: vault.outputs.brokerKeyName
    brokerIssuerUrl: brokerIssuerUrl
  }
}

// Read by the azd hooks (infra/hooks) and shown by `azd env get-values`.
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = appsTenantId
output AZURE_RESOURCE_GROUP string = rg.name
output WATCHDOG_FUNCTION_APP string = app.outputs.name
output WATCHDOG_FUNCTION_APP_ID string = app.outputs.id
output WATCHDOG_IDENTITY_PRINCIPAL_ID string = identity.outputs.principalId
output WATCHDOG_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output KEY_VAULT_NAME string = vault.outputs.name
output KEY_VAULT_ID string = vault.outputs.id
output KEY_VAULT_URL string = vault.outputs.uri
output KEY_VAULT_EVENTS_TOPIC string = vault.outputs.eventsTopicName
output CIRCLECI_TOKEN_SECRET_NAME string = circleciTokenSecretName
output WATCHDOG_BROKER_KEY_NAME string = vault.outputs.brokerKeyName
