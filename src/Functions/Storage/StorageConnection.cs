using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Azure.Identity;
using Azure.Storage.Queues;

namespace FunctionsMfa.Functions.Storage;

/// <summary>How the handler authenticates to storage.</summary>
internal enum StorageCredentialKind
{
    /// <summary>A connection string: Azurite locally (Azurite has no Entra ID), or an account key.</summary>
    ConnectionString,

    /// <summary>The app's managed identity (system-assigned, or user-assigned by client id).</summary>
    ManagedIdentity,

    /// <summary><see cref="DefaultAzureCredential"/>: environment, workload or managed identity, or a developer's sign-in.</summary>
    Default,
}

/// <summary>
/// The storage connection, read from the Functions host's own settings so that the handler and the host use one
/// account the same way: <c>AzureWebJobsStorage</c> (a connection string) or the identity-based form
/// <c>AzureWebJobsStorage__accountName</c> (+ optional <c>__tableServiceUri</c>, <c>__queueServiceUri</c>,
/// <c>__credential=managedidentity</c>, <c>__clientId</c>). A connection string wins when both are set; neither means
/// Azurite's development account.
/// </summary>
internal sealed record StorageConnection(
    StorageCredentialKind Kind,
    string? ConnectionString,
    Uri? TableServiceUri,
    Uri? QueueServiceUri,
    string? ManagedIdentityClientId)
{
    public const string Setting = "AzureWebJobsStorage";

    public const string DevelopmentStorage = "UseDevelopmentStorage=true";

    public static StorageConnection FromConfiguration(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var connectionString = configuration[Setting];
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            return new(StorageCredentialKind.ConnectionString, connectionString, null, null, null);
        }

        var section = configuration.GetSection(Setting);
        var account = section["accountName"];
        if (string.IsNullOrWhiteSpace(account))
        {
            return new(StorageCredentialKind.ConnectionString, DevelopmentStorage, null, null, null);
        }

        var clientId = NullIfBlank(section["clientId"]);
        var kind = clientId is not null || string.Equals(section["credential"], "managedidentity", StringComparison.OrdinalIgnoreCase)
            ? StorageCredentialKind.ManagedIdentity
            : StorageCredentialKind.Default;
        return new(
            kind,
            null,
            ServiceUri(section["tableServiceUri"], account, "table"),
            ServiceUri(section["queueServiceUri"], account, "queue"),
            clientId);
    }

    public TokenCredential CreateCredential() => Kind switch
    {
        StorageCredentialKind.ManagedIdentity => ManagedIdentityClientId is null
            ? new ManagedIdentityCredential(ManagedIdentityId.SystemAssigned)
            : new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(ManagedIdentityClientId)),
        StorageCredentialKind.Default => new DefaultAzureCredential(),
        _ => throw new InvalidOperationException("A connection string needs no token credential."),
    };

    public TableServiceClient CreateTableServiceClient(IEnumerable<StoragePolicy>? policies = null)
    {
        var options = new TableClientOptions();
        StoragePolicy.AddAll(options, policies);
        return Kind == StorageCredentialKind.ConnectionString
            ? new TableServiceClient(ConnectionString, options)
            : new TableServiceClient(TableServiceUri, CreateCredential(), options);
    }

    /// <summary>Base64 messages: the Functions queue trigger expects them.</summary>
    public QueueServiceClient CreateQueueServiceClient(IEnumerable<StoragePolicy>? policies = null)
    {
        var options = new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 };
        StoragePolicy.AddAll(options, policies);
        return Kind == StorageCredentialKind.ConnectionString
            ? new QueueServiceClient(ConnectionString, options)
            : new QueueServiceClient(QueueServiceUri, CreateCredential(), options);
    }

    private static Uri ServiceUri(string? configured, string account, string service) =>
        string.IsNullOrWhiteSpace(configured)
            ? new Uri($"https://{account}.{service}.core.windows.net/")
            : new Uri(configured);

    private static string? NullIfBlank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}

/// <summary>
/// A pipeline policy added to every storage client the app creates (registered as a singleton). Tests use it to inject
/// storage faults at the HTTP boundary; the app itself can use it to observe its storage traffic.
/// </summary>
internal sealed record StoragePolicy(HttpPipelinePolicy Policy, HttpPipelinePosition Position = HttpPipelinePosition.PerRetry)
{
    public static void AddAll(ClientOptions options, IEnumerable<StoragePolicy>? policies)
    {
        ArgumentNullException.ThrowIfNull(options);
        foreach (var policy in policies ?? [])
        {
            options.AddPolicy(policy.Policy, policy.Position);
        }
    }
}
