using Azure.Data.Tables;
using Azure.Storage.Queues;

namespace FunctionsMfa.Functions.Storage;

/// <summary>
/// The service's tables and queues. Partitions follow the load: users by user id, sign-ins by sign-in id, sessions by
/// session id, SMS limits by destination. Nothing on a hot path shares a global or time-bucket partition.
/// </summary>
internal static class MfaTables
{
    /// <summary>One partition per user: <c>state</c>, <c>totp</c>, backup codes, phone numbers.</summary>
    public const string Users = "mfausers";

    public const string SignIns = "mfasignins";

    public const string Sessions = "mfasessions";

    /// <summary>The audit trail, one partition per user.</summary>
    public const string Events = "mfaevents";

    /// <summary>SMS abuse counters, one partition per destination number and per user.</summary>
    public const string SmsLimits = "mfasmslimits";

    public static readonly string[] All = [Users, SignIns, Sessions, Events, SmsLimits];
}

internal static class MfaQueues
{
    public const string SmsCodes = "sms-codes";

    public static readonly string[] All = [SmsCodes, SmsCodes + "-poison"];
}

/// <summary>
/// Creates the tables and queues once, in the background from start-up, so the process answers at once; the first
/// storage call awaits it.
/// </summary>
internal sealed class MfaStorage(TableServiceClient tables, QueueServiceClient queues)
{
    private readonly Lazy<Task> initialization = new(() => InitializeAsync(tables, queues));

    public Task EnsureCreatedAsync() => initialization.Value;

    public async ValueTask<TableClient> TableAsync(string name)
    {
        await initialization.Value;
        return tables.GetTableClient(name);
    }

    public async ValueTask<QueueClient> QueueAsync(string name)
    {
        await initialization.Value;
        return queues.GetQueueClient(name);
    }

    private static async Task InitializeAsync(TableServiceClient tables, QueueServiceClient queues)
    {
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
        // Fire and forget: a failure surfaces on the first storage call, which awaits the same task.
        _ = storage.EnsureCreatedAsync();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
