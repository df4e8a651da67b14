// The Key Vault that holds the service's secrets (backend secret key, session signing key, encryption and hash keys).
// Access is RBAC only; soft delete and purge protection keep a deleted key recoverable. The secrets themselves are set
// out of band (docs/deployment.md), so they never pass through a template, a parameter or a deployment's history.

@description('Azure region of the resources.')
param location string

@description('Name of the Key Vault (3-24 characters).')
@minLength(3)
@maxLength(24)
param keyVaultName string

@description('Tags applied to every resource.')
param tags object

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: keyVaultName
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: true
    enabledForDeployment: false
    enabledForTemplateDeployment: false
    enabledForDiskEncryption: false
    publicNetworkAccess: 'Enabled'
  }
}

output keyVaultName string = vault.name
output keyVaultUri string = vault.properties.vaultUri
