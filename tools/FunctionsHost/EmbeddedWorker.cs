namespace FunctionsMfa.LocalHost;

/// <summary>
/// How a test embeds the host: the worker is started inside the test's process by <see cref="StartWorker"/> (given
/// the arguments the host would pass a worker process), so the test can hand it a fake clock and other services at
/// the true edges and reach its services; and queue polling may be left to the test (<see cref="QueueListener.DrainOnceAsync"/>).
/// </summary>
/// <param name="QueueLease">How long a received message stays hidden while its function runs (the Azure host: 10 minutes).</param>
/// <param name="Logs">Where the host's own log goes besides the console (a test reads it).</param>
internal sealed record HostEmbedding(
    Func<IReadOnlyList<string>, CancellationToken, Task<IAsyncDisposable>>? StartWorker, bool PollQueues, TimeSpan? QueueLease = null, ILoggerProvider? Logs = null)
{
    /// <summary>The tool itself: a worker process, queues polled.</summary>
    public static HostEmbedding None { get; } = new(null, PollQueues: true);
}

/// <summary>
/// Starts the embedded worker once the host listens, with the same arguments <see cref="WorkerProcess"/> gives a
/// process, and stops it with the host: <c>WorkerTerminate</c> first (the worker stops its application), then the
/// worker's own disposal.
/// </summary>
internal sealed class EmbeddedWorker(HostEmbedding embedding, WorkerChannel channel, GrpcEndpoint grpc, IHostApplicationLifetime lifetime) : IHostedService
{
    private static readonly TimeSpan GracePeriod = TimeSpan.FromSeconds(5);

    private Task<IAsyncDisposable?> worker = Task.FromResult<IAsyncDisposable?>(null);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStarted.Register(() => worker = StartWorkerAsync());
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        var started = await worker;
        if (started is null)
        {
            channel.Close();
            return;
        }

        channel.Terminate(GracePeriod);
        await started.DisposeAsync();
        channel.Close();
    }

    private async Task<IAsyncDisposable?> StartWorkerAsync()
    {
        try
        {
            return await embedding.StartWorker!(WorkerProcess.Arguments(grpc.Uri, channel.WorkerId), lifetime.ApplicationStopping);
        }
        catch (Exception exception)
        {
            channel.Fail(exception);
            return null;
        }
    }
}
