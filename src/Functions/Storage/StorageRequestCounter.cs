using Azure.Core;
using Azure.Core.Pipeline;

namespace FunctionsMfa.Functions.Storage;

/// <summary>The storage requests made within one invocation so far (shared by the invocation's async flow).</summary>
internal sealed class StorageRequestTally
{
    private int count;

    public int Count => Volatile.Read(ref count);

    internal void Increment() => Interlocked.Increment(ref count);
}

/// <summary>
/// Counts every storage request the app sends (each try of the SDK's retries is one) toward the invocation that made
/// it: an invocation opens a tally with <see cref="Begin"/> and the telemetry records it on its span
/// (<c>mfa.storage.requests</c>) and in the <c>mfa.storage.requests</c> histogram. A request's storage round trips are
/// its latency floor and its cost; this makes them visible in production, as the tests pin them per route.
/// </summary>
internal sealed class StorageRequestCounter : HttpPipelinePolicy
{
    private static readonly AsyncLocal<StorageRequestTally?> Current = new();

    /// <summary>A new tally for the calling async flow (an invocation) and the work it starts.</summary>
    public static StorageRequestTally Begin() => Current.Value = new StorageRequestTally();

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        Current.Value?.Increment();
        ProcessNext(message, pipeline);
    }

    public override ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        Current.Value?.Increment();
        return ProcessNextAsync(message, pipeline);
    }
}
