using Azure.Data.Tables;
using Azure.Storage.Queues;

namespace FunctionsMfa.Functions.Storage;

/// <summary>
/// The service's tables and queues. Partitions follow the load: users by user id (with their sessions and audit trail), sign-ins by sign-in id, SMS
/// limits by destination. Nothing on a hot path shares a global or time-bucket partition.
/// </summary>
internal static class MfaTables
{
    /// <summary>One partition per user: <c>state</c>, <c>totp</c>, backup codes, phone numbers, sessions, the audit trail.</summary>
    public const string Users = "mfausers";

    public const string SignIns = "mfasignins";

    /// <summary>SMS abuse counters, one partition per destination number and per user.</summary>
    public const string SmsLimits = "mfasmslimits";

    public static readonly string[] All = [Users, SignIns, SmsLimits];
}

internal static class MfaQueues
{
    public const string SmsCodes = "sms-codes";

    public static readonly string[] All = [SmsCodes, SmsCodes + "-poison"];
}

/// <summary>
/// Creates the tables and queues once, in the background from start-up, so the process answers at once; the first
/// storage call awaits it. Storage may be down at start-up: a failed creation is not kept, the next storage call
/// starts it again, so the app finishes its setup by itself once storage is back (until then each call fails fast
/// with the storage error, which the envelope answers as 503).
/// </summary>
internal sealed class MfaStorage(TableServiceClient tables, QueueServiceClient queues)
{
    private readonly Lock gate = new();
    private Task? initialization;

    public Task EnsureCreatedAsync()
    {
        lock (gate)
        {
            // A task still running is shared; a completed one is kept only if it succeeded.
            if (initialization is null || initialization.IsFaulted || initialization.IsCanceled)
            {
                initialization = InitializeAsync(tables, queues);
            }

            return initialization;
        }
    }

    public async ValueTask<TableClient> TableAsync(string name)
    {
        await EnsureCreatedAsync();
        return tables.GetTableClient(name);
    }

    public async ValueTask<QueueClient> QueueAsync(string name)
    {
        await EnsureCreatedAsync();
        return queues.GetQueueClient(name);
    }

    /// <summary>
    /// Readiness: the tables and queues exist and both services answer now (one cheap call each). Throws the storage
    /// error when they do not.
    /// </summary>
    public async Task CheckAsync(CancellationToken cancellationToken)
    {
        await EnsureCreatedAsync().WaitAsync(cancellationToken);
        await Task.WhenAll(
            tables.GetTableClient(MfaTables.Users).GetEntityIfExistsAsync<TableEntity>("health", "probe", ["PartitionKey"], cancellationToken),
            queues.GetQueueClient(MfaQueues.SmsCodes).GetPropertiesAsync(cancellationToken));
    }

    private static async Task InitializeAsync(TableServiceClient tables, QueueServiceClient queues)
    {
        // Not on the caller's thread: the caller holds the gate, and must not run the first network call under it.
        await Task.Yield();
        var work = new List<Task>();
        work.AddRange(MfaTables.All.Select(name => tables.GetTableClient(name).CreateIfNotExistsAsync()));
        work.AddRange(MfaQueues.All.Select(name => queues.GetQueueClient(name).CreateIfNotExistsAsync()));
        await Task.WhenAll(work);
    }
}

internal sealed class StorageWarmup(MfaStorage storage) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Fire and forget: a failure surfaces on the first storage call, which tries again.
        _ = storage.EnsureCreatedAsync().ContinueWith(static t => _ = t.Exception, TaskScheduler.Default);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
