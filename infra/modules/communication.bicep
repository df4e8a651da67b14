// Azure Communication Services, which sends the SMS codes. The app calls it with an Entra ID token (its managed
// identity), so no ACS access key is ever put in a setting. The sender number is bought out of band.

@description('Name of the Communication Services resource.')
param communicationServiceName string

@description('Where ACS stores its data at rest, e.g. \'United States\' or \'Europe\'.')
param dataLocation string

@description('Tags applied to every resource.')
param tags object

resource communication 'Microsoft.Communication/communicationServices@2023-04-01' = {
  name: communicationServiceName
  // Communication Services is a global resource; dataLocation decides where its data lives.
  location: 'global'
  tags: tags
  properties: {
    dataLocation: dataLocation
  }
}

output communicationServiceName string = communication.name
output endpoint string = 'https://${communication.properties.hostName}'
