// Least privilege for the watchdog's identity on the resources of this deployment. (Its Microsoft Graph application
// permissions are app role assignments in Entra, not Azure RBAC: infra/hooks/postprovision.sh.)
param identityPrincipalId string
param storageAccountName string
param keyVaultName string
param brokerKeyName string
param applicationInsightsName string
@description('The person running azd, to store the CircleCI token in the vault; empty to skip.')
param deployerPrincipalId string

// Built-in role definition ids (https://learn.microsoft.com/azure/role-based-access-control/built-in-roles).
var roles = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b' // host: deployment package, timer checkpoints
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88' // rotation-jobs queue
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3' // watchdogstate, watchdogaudit tables
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb' // Application Insights without a key
  keyVaultSecretsOfficer: 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7' // rotated secrets: set, get, list, update, delete/recover
  keyVaultCryptoUser: '12338af0-0e69-4776-bea7-57ae8d297424' // broker key: sign, scoped to that key alone
}

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

resource brokerKey 'Microsoft.KeyVault/vaults/keys@2023-07-01' existing = if (!empty(brokerKeyName)) {
  parent: vault
  name: empty(brokerKeyName) ? 'none' : brokerKeyName
}

resource insights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource blobData 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(account.id, identityPrincipalId, roles.storageBlobDataOwner)
  scope: account
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataOwner)
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource queueData 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(account.id, identityPrincipalId, roles.storageQueueDataContributor)
  scope: account
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageQueueDataContributor)
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource tableData 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(account.id, identityPrincipalId, roles.storageTableDataContributor)
  scope: account
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageTableDataContributor)
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource metrics 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(insights.id, identityPrincipalId, roles.monitoringMetricsPublisher)
  scope: insights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher)
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource vaultSecrets 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, identityPrincipalId, roles.keyVaultSecretsOfficer)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsOfficer)
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource brokerSign 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(brokerKeyName)) {
  name: guid(vault.id, identityPrincipalId, roles.keyVaultCryptoUser, brokerKeyName)
  scope: brokerKey
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultCryptoUser)
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource deployerSecrets 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(deployerPrincipalId)) {
  name: guid(vault.id, deployerPrincipalId, roles.keyVaultSecretsOfficer)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsOfficer)
    principalId: deployerPrincipalId
    principalType: 'User'
  }
}
