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

    /// <summary>How long a storage call may take, retries included (see <see cref="StorageRetry"/>).</summary>
    public StorageRetry Retry { get; init; } = StorageRetry.Default;

    public const string DevelopmentStorage = "UseDevelopmentStorage=true";

    public static StorageConnection FromConfiguration(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return FromSettings(configuration) with { Retry = StorageRetry.FromConfiguration(configuration.GetSection(StorageRetry.Section)) };
    }

    private static StorageConnection FromSettings(IConfiguration configuration)
    {
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
        Retry.Apply(options);
        StoragePolicy.AddAll(options, policies);
        return Kind == StorageCredentialKind.ConnectionString
            ? new TableServiceClient(ConnectionString, options)
            : new TableServiceClient(TableServiceUri, CreateCredential(), options);
    }

    /// <summary>Base64 messages: the Functions queue trigger expects them.</summary>
    public QueueServiceClient CreateQueueServiceClient(IEnumerable<StoragePolicy>? policies = null)
    {
        var options = new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 };
        Retry.Apply(options);
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
/// <c>Mfa:Storage</c>: the storage clients' retries and network timeout. The SDK's defaults (3 retries from 0.8 s
/// exponentially, 100 s per try) keep a request waiting for minutes when storage is gone; an MFA prompt would rather
/// hear "try again" (503) within seconds. With these defaults an unreachable account (refused connection) fails after
/// about 0.6 s, a silent one after at most 3 × 2 s + 0.6 s.
/// </summary>
internal sealed record StorageRetry(int MaxRetries, TimeSpan Delay, TimeSpan MaxDelay, TimeSpan NetworkTimeout)
{
    public const string Section = "Mfa:Storage";

    public static readonly StorageRetry Default = new(2, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2));

    public static StorageRetry FromConfiguration(IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        var retry = new StorageRetry(
            Read(section["MaxRetries"], int.Parse, Default.MaxRetries),
            Read(section["RetryDelay"], TimeSpan.Parse, Default.Delay),
            Read(section["MaxRetryDelay"], TimeSpan.Parse, Default.MaxDelay),
            Read(section["NetworkTimeout"], TimeSpan.Parse, Default.NetworkTimeout));
        return retry is { MaxRetries: >= 0 and <= 10, Delay.Ticks: >= 0, MaxDelay.Ticks: >= 0, NetworkTimeout.Ticks: > 0 }
            ? retry
            : throw new InvalidOperationException($"{Section}: MaxRetries must be 0 to 10, delays non-negative and NetworkTimeout positive.");
    }

    public void Apply(ClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Retry.Mode = RetryMode.Exponential;
        options.Retry.MaxRetries = MaxRetries;
        options.Retry.Delay = Delay;
        options.Retry.MaxDelay = MaxDelay;
        options.Retry.NetworkTimeout = NetworkTimeout;
    }

    private static T Read<T>(string? value, Func<string, IFormatProvider, T> parse, T fallback) =>
        string.IsNullOrWhiteSpace(value) ? fallback : parse(value, System.Globalization.CultureInfo.InvariantCulture);
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
