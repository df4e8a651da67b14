// An example: copy, adjust, and deploy with
//   az deployment group create -g <group> -f infra/main.bicep -p infra/main.bicepparam
// No secret belongs here: the service's keys go to Key Vault out of band (docs/deployment.md).
using './main.bicep'

param namePrefix = 'mfa'
param location = 'swedencentral'
param communicationDataLocation = 'Europe'
param smsSenderNumber = '+46700000000'
param allowedCorsOrigins = [
  'https://app.example.com'
]
param issuer = 'Example MFA'
