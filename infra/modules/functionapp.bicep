// The Flex Consumption plan and the Linux function app that runs the .NET isolated worker. The app reaches
// storage, Key Vault, Application Insights and Communication Services through its system-assigned identity; its
// secrets are Key Vault references, resolved by the platform at start.

@description('Azure region of the resources.')
param location string

@description('Name of the Flex Consumption plan.')
param planName string

@description('Name of the function app (also its host name).')
param appName string

@description('Name of the storage account the app uses through its identity.')
param storageAccountName string

@description('Blob endpoint of that storage account (ends with a slash).')
param blobEndpoint string

@description('Name of the container Flex Consumption deploys the package from.')
param deploymentContainerName string

@description('Name of the Application Insights component.')
param appInsightsName string

@description('URI of the Key Vault holding the secrets (ends with a slash).')
param keyVaultUri string

@description('Endpoint of the Communication Services resource.')
param communicationEndpoint string

@description('The SMS sender: an E.164 number (or alphanumeric sender id) owned by the Communication Services resource.')
param smsSenderNumber string

@description('Browser origins allowed to call the API (CORS). Empty: none.')
param allowedCorsOrigins array

@description('The name shown in authenticator apps and SMS texts, and the session tokens\' issuer.')
param issuer string

@description('Upper bound on instances the plan scales out to.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int

@description('Memory of each instance in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int

@description('Tags applied to every resource.')
param tags object

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: appInsightsName
}

// Key Vault secret names. The secrets are created out of band (docs/deployment.md); a reference without a version
// follows the latest version, so rotating a secret is `az keyvault secret set` plus an app restart.
var secretSettings = [
  {
    name: 'Mfa__SecretKeys__0'
    value: '@Microsoft.KeyVault(SecretUri=${keyVaultUri}secrets/mfa-secret-key-0/)'
  }
  {
    name: 'Mfa__Sessions__SigningKeys__0'
    value: '@Microsoft.KeyVault(SecretUri=${keyVaultUri}secrets/mfa-session-signing-key-0/)'
  }
  {
    name: 'Mfa__Encryption__Keys__0'
    value: '@Microsoft.KeyVault(SecretUri=${keyVaultUri}secrets/mfa-encryption-key-0/)'
  }
  {
    name: 'Mfa__Encryption__HashKey'
    value: '@Microsoft.KeyVault(SecretUri=${keyVaultUri}secrets/mfa-encryption-hash-key/)'
  }
]

// Storage through the identity: the Functions host and the handler both read AzureWebJobsStorage__accountName.
var plainSettings = [
  {
    name: 'AzureWebJobsStorage__accountName'
    value: storageAccountName
  }
  {
    name: 'AzureWebJobsStorage__credential'
    value: 'managedidentity'
  }
  {
    name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING'
    value: 'Authorization=AAD'
  }
  {
    name: 'Mfa__Issuer'
    value: issuer
  }
  {
    name: 'Mfa__Sms__Provider'
    value: 'Acs'
  }
  {
    name: 'Mfa__Sms__Acs__Endpoint'
    value: communicationEndpoint
  }
  {
    name: 'Mfa__Sms__Acs__From'
    value: smsSenderNumber
  }
]

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    // Linux.
    reserved: true
  }
}

resource app 'Microsoft.Web/sites@2024-04-01' = {
  name: appName
  location: location
  tags: tags
  kind: 'functionapp,linux'
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    clientCertEnabled: false
    keyVaultReferenceIdentity: 'SystemAssigned'
    siteConfig: {
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
      cors: {
        allowedOrigins: allowedCorsOrigins
        supportCredentials: false
      }
      appSettings: concat(secretSettings, plainSettings, [
        {
          name: 'APPLICATIONINSIGHTS_CONNECTION_STRING'
          value: appInsights.properties.ConnectionString
        }
      ])
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${blobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'SystemAssignedIdentity'
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      // The .NET isolated worker on .NET 10: the host starts it from the package's worker.config.json.
      runtime: {
        name: 'dotnet-isolated'
        version: '10.0'
      }
    }
  }
}

// Deployments authenticate with Entra ID; publishing user names and passwords are off.
resource ftpCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: app
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource scmCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: app
  name: 'scm'
  properties: {
    allow: false
  }
}

output appName string = app.name
output planName string = plan.name
output principalId string = app.identity.principalId
output defaultHostName string = app.properties.defaultHostName
