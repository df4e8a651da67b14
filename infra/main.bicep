// FunctionsMfa on Azure Functions Flex Consumption: the .NET isolated worker, its storage, its secrets in Key
// Vault, SMS through Communication Services, and telemetry to Application Insights. Everything the app touches is
// reached through its system-assigned identity; no key or connection string with a credential is stored anywhere.
// Deploy: docs/deployment.md. Secrets are set out of band and never pass through this template.

targetScope = 'resourceGroup'

@description('Short prefix of every resource name: 2-11 lowercase letters and digits, starting with a letter.')
@minLength(2)
@maxLength(11)
param namePrefix string

@description('Azure region of the resources (one where Flex Consumption is available).')
param location string = resourceGroup().location

@description('Where Communication Services stores its data at rest, e.g. \'United States\', \'Europe\', \'UK\'.')
param communicationDataLocation string = 'United States'

@description('The SMS sender number in E.164 (bought in the Communication Services resource after the first deployment).')
@minLength(1)
param smsSenderNumber string

@description('Browser origins allowed to call the API (the platform\'s CORS, siteConfig.cors), e.g. [\'https://app.example.com\']. Empty: none.')
param allowedCorsOrigins array = []

@description('The name shown in authenticator apps and SMS texts, and the session tokens\' issuer.')
param issuer string = 'FunctionsMfa'

@description('Upper bound on instances the plan scales out to.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Memory of each instance in MB (2048 is the default Flex size).')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Tags applied to every resource.')
param tags object = {}

var suffix = take(uniqueString(subscription().id, resourceGroup().id, namePrefix), 8)
var names = {
  plan: '${namePrefix}-plan-${suffix}'
  app: '${namePrefix}-func-${suffix}'
  storage: toLower('${namePrefix}st${suffix}')
  deploymentContainer: 'app-package'
  keyVault: '${namePrefix}-kv-${suffix}'
  workspace: '${namePrefix}-log-${suffix}'
  appInsights: '${namePrefix}-appi-${suffix}'
  communication: '${namePrefix}-acs-${suffix}'
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    location: location
    workspaceName: names.workspace
    appInsightsName: names.appInsights
    tags: tags
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: {
    location: location
    storageAccountName: names.storage
    deploymentContainerName: names.deploymentContainer
    tags: tags
  }
}

module keyVault 'modules/keyvault.bicep' = {
  name: 'keyVault'
  params: {
    location: location
    keyVaultName: names.keyVault
    tags: tags
  }
}

module communication 'modules/communication.bicep' = {
  name: 'communication'
  params: {
    communicationServiceName: names.communication
    dataLocation: communicationDataLocation
    tags: tags
  }
}

module functionApp 'modules/functionapp.bicep' = {
  name: 'functionApp'
  params: {
    location: location
    planName: names.plan
    appName: names.app
    storageAccountName: storage.outputs.storageAccountName
    blobEndpoint: storage.outputs.blobEndpoint
    deploymentContainerName: storage.outputs.deploymentContainerName
    appInsightsName: monitoring.outputs.appInsightsName
    keyVaultUri: keyVault.outputs.keyVaultUri
    communicationEndpoint: communication.outputs.endpoint
    smsSenderNumber: smsSenderNumber
    allowedCorsOrigins: allowedCorsOrigins
    issuer: issuer
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    tags: tags
  }
}

module roles 'modules/roles.bicep' = {
  name: 'roles'
  params: {
    principalId: functionApp.outputs.principalId
    storageAccountName: storage.outputs.storageAccountName
    keyVaultName: keyVault.outputs.keyVaultName
    appInsightsName: monitoring.outputs.appInsightsName
    communicationServiceName: communication.outputs.communicationServiceName
  }
}

output appUrl string = 'https://${functionApp.outputs.defaultHostName}'
output functionAppName string = functionApp.outputs.appName
output planName string = functionApp.outputs.planName
output storageAccountName string = storage.outputs.storageAccountName
output deploymentContainerName string = storage.outputs.deploymentContainerName
output keyVaultName string = keyVault.outputs.keyVaultName
output appInsightsName string = monitoring.outputs.appInsightsName
output logAnalyticsWorkspaceName string = monitoring.outputs.workspaceName
output communicationServiceName string = communication.outputs.communicationServiceName
output principalId string = functionApp.outputs.principalId
