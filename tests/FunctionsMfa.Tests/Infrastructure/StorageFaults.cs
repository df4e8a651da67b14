using Azure;
using Azure.Core;
using Azure.Core.Pipeline;

namespace FunctionsMfa.Tests.Infrastructure;

/// <summary>
/// Injected into the app's storage clients (before their retry policy, so a fault is final): counts the storage
/// requests the app sends while armed and fails chosen ones as an unreachable account would, without sending them.
/// Tests arm it around one HTTP request to fail its Nth storage request, for every N.
/// </summary>
public sealed class StorageFaults : HttpPipelinePolicy
{
    private readonly object gate = new();
    private int counted;
    private Func<int, HttpMessage, bool>? shouldFail;
    private int failStatus = 503;

    /// <summary>The storage requests sent since the last <see cref="Arm"/> or <see cref="Count"/>.</summary>
    public int Requests
    {
        get
        {
            lock (gate)
            {
                return counted;
            }
        }
    }

    /// <summary>Fails the <paramref name="n"/>th request (1-based) from now on, and every one after it when <paramref name="andAfter"/>.</summary>
    public void FailNth(int n, bool andAfter = false) => Arm((index, _) => andAfter ? index >= n : index == n);

    /// <summary>Counts from zero and fails nothing.</summary>
    public void Count() => Arm((_, _) => false);

    /// <summary>
    /// Fails every request that matches, counting from zero, with <paramref name="status"/>: 503 as an unreachable
    /// account, or 412 as a conditional write that lost to another writer (every time: contention without end).
    /// </summary>
    public void Arm(Func<int, HttpMessage, bool> predicate, int status = 503)
    {
        lock (gate)
        {
            counted = 0;
            shouldFail = predicate;
            failStatus = status;
        }
    }

    public void Disarm()
    {
        lock (gate)
        {
            shouldFail = null;
            counted = 0;
        }
    }

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        ThrowIfFaulted(message);
        ProcessNext(message, pipeline);
    }

    public override ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        ThrowIfFaulted(message);
        return ProcessNextAsync(message, pipeline);
    }

    private void ThrowIfFaulted(HttpMessage message)
    {
        bool fail;
        int status;
        lock (gate)
        {
            if (shouldFail is null)
            {
                return;
            }

            counted++;
            fail = shouldFail(counted, message);
            status = failStatus;
        }

        if (fail)
        {
            throw new RequestFailedException(status, "Injected storage fault.");
        }
    }
}
