using System.Collections.Concurrent;
using System.Threading.Channels;
using FunctionsMfa.LocalHost.Rpc;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace FunctionsMfa.LocalHost;

/// <summary>
/// The host's side of the one <c>EventStream</c> with the worker. The worker opens it with <c>StartStream</c>; the
/// host then sends <c>WorkerInitRequest</c> (the worker answers with its capabilities, among them <c>HttpUri</c>, its
/// ASP.NET Core listener), <c>FunctionsMetadataRequest</c> (worker indexing: the worker lists its functions), and one
/// <c>FunctionLoadRequest</c> per function. Then <see cref="Ready"/> completes and invocations flow. Writes go through
/// one channel because a gRPC response stream takes one writer at a time.
/// </summary>
internal sealed partial class WorkerChannel(FunctionApp app, ILogger<WorkerChannel> logger)
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly Channel<StreamingMessage> outbound = Channel.CreateUnbounded<StreamingMessage>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<string, TaskCompletionSource<StreamingMessage>> awaitingReply = new();
    private readonly TaskCompletionSource<WorkerFunctions> ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource closed = new();
    private int streams;

    /// <summary>The id the worker is started with and must present in <c>StartStream</c>.</summary>
    public string WorkerId { get; } = Guid.NewGuid().ToString();

    /// <summary>The worker's functions and HTTP listener, once it has loaded them; faulted when it could not.</summary>
    public Task<WorkerFunctions> Ready => ready.Task;

    public async Task RunStreamAsync(IAsyncStreamReader<StreamingMessage> requests, IServerStreamWriter<StreamingMessage> responses, CancellationToken cancellationToken)
    {
        if (Interlocked.Increment(ref streams) != 1)
        {
            throw new Grpc.Core.RpcException(new Status(StatusCode.AlreadyExists, "The local host serves one worker stream."));
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var reading = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, closed.Token);
        var writing = WriteAllAsync(responses, stop.Token);
        try
        {
            await foreach (var message in requests.ReadAllAsync(reading.Token))
            {
                Receive(message);
            }
        }
        catch (OperationCanceledException) when (reading.IsCancellationRequested)
        {
        }
        catch (IOException exception)
        {
            LogStreamBroken(exception.Message);
        }
        finally
        {
            Fail(new InvalidOperationException("The worker closed its stream."));
            await stop.CancelAsync();
            await writing;
        }
    }

    /// <summary>Sends an invocation and waits for the worker's response to it.</summary>
    public Task<StreamingMessage> InvokeAsync(InvocationRequest request, CancellationToken cancellationToken) =>
        RequestAsync(request.InvocationId, new StreamingMessage { InvocationRequest = request }, cancellationToken);

    /// <summary>Asks the worker to stop on its own (it stops its host application) within the grace period.</summary>
    public void Terminate(TimeSpan gracePeriod) =>
        outbound.Writer.TryWrite(new StreamingMessage { WorkerTerminate = new WorkerTerminate { GracePeriod = Duration.FromTimeSpan(gracePeriod) } });

    /// <summary>
    /// Ends the stream from the host's side, for a worker that stopped without closing it (an embedded worker's gRPC
    /// client outlives its host): otherwise the host's server would wait its whole shutdown timeout for the open call.
    /// </summary>
    public void Close() => closed.Cancel();

    /// <summary>Fails whatever waits on the worker: the worker is gone or did not start.</summary>
    public void Fail(Exception reason)
    {
        ready.TrySetException(reason);
        foreach (var key in awaitingReply.Keys)
        {
            if (awaitingReply.TryRemove(key, out var waiter))
            {
                waiter.TrySetException(reason);
            }
        }
    }

    private void Receive(StreamingMessage message)
    {
        switch (message.ContentCase)
        {
            case StreamingMessage.ContentOneofCase.StartStream:
                if (message.StartStream.WorkerId != WorkerId)
                {
                    Fail(new InvalidOperationException($"A worker presented id '{message.StartStream.WorkerId}'; this host started '{WorkerId}'."));
                    return;
                }

                _ = InitializeAsync();
                break;
            case StreamingMessage.ContentOneofCase.WorkerInitResponse:
                Reply("init", message);
                break;
            case StreamingMessage.ContentOneofCase.FunctionMetadataResponse:
                Reply("metadata", message);
                break;
            case StreamingMessage.ContentOneofCase.FunctionLoadResponse:
                Reply("load:" + message.FunctionLoadResponse.FunctionId, message);
                break;
            case StreamingMessage.ContentOneofCase.InvocationResponse:
                Reply(message.InvocationResponse.InvocationId, message);
                break;
            case StreamingMessage.ContentOneofCase.RpcLog:
                WorkerLog(message.RpcLog);
                break;
            default:
                LogIgnored(message.ContentCase.ToString());
                break;
        }
    }

    private async Task InitializeAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(StartTimeout);
            var init = await RequestAsync("init", new StreamingMessage
            {
                WorkerInitRequest = new WorkerInitRequest
                {
                    HostVersion = "4.0.0-local",
                    WorkerDirectory = app.Directory,
                    FunctionAppDirectory = app.Directory,
                },
            }, timeout.Token);
            EnsureSuccess(init.WorkerInitResponse.Result, "WorkerInitRequest");
            Uri? httpUri = init.WorkerInitResponse.Capabilities.TryGetValue("HttpUri", out var uri) ? new Uri(uri) : null;

            var metadata = await RequestAsync("metadata", new StreamingMessage
            {
                FunctionsMetadataRequest = new FunctionsMetadataRequest { FunctionAppDirectory = app.Directory },
            }, timeout.Token);
            var indexed = metadata.FunctionMetadataResponse;
            EnsureSuccess(indexed.Result, "FunctionsMetadataRequest");
            if (indexed.UseDefaultMetadataIndexing)
            {
                throw new InvalidOperationException("The worker asks the host to index functions.metadata itself; this host needs worker indexing.");
            }

            var functions = new List<LoadedFunction>();
            foreach (var function in indexed.FunctionMetadataResults)
            {
                var loaded = await RequestAsync("load:" + function.FunctionId, new StreamingMessage
                {
                    FunctionLoadRequest = new FunctionLoadRequest { FunctionId = function.FunctionId, Metadata = function },
                }, timeout.Token);
                EnsureSuccess(loaded.FunctionLoadResponse.Result, $"FunctionLoadRequest for {function.Name}");
                functions.Add(LoadedFunction.From(function));
            }

            if (httpUri is null && functions.Any(f => f.Http is not null))
            {
                throw new InvalidOperationException("The worker has HTTP functions but reported no HttpUri: this host needs the ASP.NET Core integration (ConfigureFunctionsWebApplication).");
            }

            ready.TrySetResult(new WorkerFunctions(functions, httpUri));
        }
        catch (Exception exception)
        {
            // The end of a fire-and-forget start: whatever went wrong must fail Ready, or the host would wait forever.
            LogStartFailed(exception.Message);
            Fail(new InvalidOperationException($"The worker did not start: {exception.Message}", exception));
        }
    }

    private static void EnsureSuccess(StatusResult result, string step)
    {
        if (result.Status != StatusResult.Types.Status.Success)
        {
            throw new InvalidOperationException($"The worker failed {step}: {result.Exception?.Message ?? result.Result}");
        }
    }

    private async Task<StreamingMessage> RequestAsync(string key, StreamingMessage message, CancellationToken cancellationToken)
    {
        var reply = new TaskCompletionSource<StreamingMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!awaitingReply.TryAdd(key, reply))
        {
            throw new InvalidOperationException($"A request '{key}' is already waiting for the worker.");
        }

        try
        {
            await outbound.Writer.WriteAsync(message, cancellationToken);
            return await reply.Task.WaitAsync(cancellationToken);
        }
        finally
        {
            awaitingReply.TryRemove(key, out _);
        }
    }

    private void Reply(string key, StreamingMessage message)
    {
        if (awaitingReply.TryRemove(key, out var waiter))
        {
            waiter.TrySetResult(message);
        }
    }

    private async Task WriteAllAsync(IServerStreamWriter<StreamingMessage> responses, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var message in outbound.Reader.ReadAllAsync(cancellationToken))
            {
                await responses.WriteAsync(message, cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (InvalidOperationException exception)
        {
            // The call ended while a message was being written.
            LogStreamBroken(exception.Message);
        }
    }

    private void WorkerLog(RpcLog log)
    {
        var level = log.Level switch
        {
            RpcLog.Types.Level.Trace => LogLevel.Trace,
            RpcLog.Types.Level.Debug => LogLevel.Debug,
            RpcLog.Types.Level.Information => LogLevel.Information,
            RpcLog.Types.Level.Warning => LogLevel.Warning,
            RpcLog.Types.Level.Error => LogLevel.Error,
            RpcLog.Types.Level.Critical => LogLevel.Critical,
            _ => LogLevel.None,
        };
        if (log.Exception is { } exception)
        {
            LogWorkerException(level, log.Category, log.Message, exception.Message);
        }
        else
        {
            LogWorker(level, log.Category, log.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "The worker stream ended: {Reason}")]
    private partial void LogStreamBroken(string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "The worker did not start: {Reason}")]
    private partial void LogStartFailed(string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Ignored a {Message} from the worker")]
    private partial void LogIgnored(string message);

    [LoggerMessage(Message = "[{Category}] {Message}")]
    private partial void LogWorker(LogLevel level, string category, string message);

    [LoggerMessage(Message = "[{Category}] {Message}: {Exception}")]
    private partial void LogWorkerException(LogLevel level, string category, string message, string exception);
}

/// <summary>The loaded functions and the worker's HTTP listener (null when the worker has no ASP.NET Core integration).</summary>
internal sealed record WorkerFunctions(IReadOnlyList<LoadedFunction> Functions, Uri? HttpUri);
