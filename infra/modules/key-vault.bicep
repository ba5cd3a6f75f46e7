// The vault of rotated secrets and of the CircleCI token (a Key Vault reference in the app settings), with RBAC.
// Flex Consumption cannot resolve Key Vault references to a vault behind a network restriction: keep public network
// access on (RBAC still guards every operation), or replace the reference by a plain app setting.
param name string
param location string
param tags object
param enableBrokerKey bool

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: true
    publicNetworkAccess: 'Enabled'
  }
}

// The OIDC broker's signing key: RS256 through the Key Vault sign operation, so the private key never leaves it.
resource brokerKey 'Microsoft.KeyVault/vaults/keys@2023-07-01' = if (enableBrokerKey) {
  parent: vault
  name: 'watchdog-broker'
  properties: {
    kty: 'RSA'
    keySize: 2048
    keyOps: [ 'sign', 'verify' ]
  }
}

// Key Vault's Event Grid system topic (SecretNearExpiry, SecretExpired, SecretNewVersionCreated, …): one per vault,
// in the vault's region. Its subscription to the keyVaultEvents function is made by infra/hooks/postdeploy.sh, because
// the function's Event Grid extension key exists only once the code is deployed.
resource events 'Microsoft.EventGrid/systemTopics@2022-06-15' = {
  name: '${name}-events'
  location: location
  tags: tags
  properties: {
    source: vault.id
    topicType: 'Microsoft.KeyVault.vaults'
  }
}

output name string = vault.name
output id string = vault.id
output uri string = vault.properties.vaultUri
output brokerKeyName string = enableBrokerKey ? 'watchdog-broker' : ''
output eventsTopicName string = events.name
