using System.Globalization;
using Azure;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using FunctionsMfa.LocalHost.Rpc;

namespace FunctionsMfa.LocalHost;

/// <summary>
/// Runs each queue-triggered function as the Azure host's queue listener does, with <c>host.json</c>'s settings: it
/// takes up to <c>batchSize</c> messages at a time (hidden for ten minutes while they run), polls again at once while
/// there are messages and backs off to <c>maxPollingInterval</c> while there are none. A success deletes the message;
/// a failure makes it visible again after <c>visibilityTimeout</c>, until it has been dequeued
/// <c>maxDequeueCount</c> times: then it moves to <c>&lt;queue&gt;-poison</c>. The function gets the message text as its
/// input and <c>QueueTrigger</c>, <c>DequeueCount</c>, <c>Id</c>, <c>PopReceipt</c>, <c>InsertionTime</c>,
/// <c>ExpirationTime</c>, <c>NextVisibleTime</c> as trigger metadata. When storage fails, the listener logs it, backs
/// off and carries on. Left out: lease renewal for invocations over ten minutes, <c>newBatchThreshold</c>,
/// identity-based connections.
/// </summary>
/// <remarks>An embedding test may turn polling off and call <see cref="DrainOnceAsync"/> itself.</remarks>
internal sealed partial class QueueListener(FunctionApp app, WorkerChannel channel, HostEmbedding embedding, TimeProvider time, ILogger<QueueListener> logger) : BackgroundService
{
    private static readonly TimeSpan MinimumPollingInterval = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan DefaultLease = TimeSpan.FromMinutes(10);

    private TimeSpan Lease => embedding.QueueLease ?? DefaultLease;

    private QueueSettings Settings => app.Host.Queues;

    /// <summary>
    /// One receive of each queue function's queue, every message run to its end (deleted, released or poisoned), as
    /// one poll would: the number of messages received.
    /// </summary>
    public async Task<int> DrainOnceAsync(CancellationToken cancellationToken)
    {
        var functions = await channel.Ready.WaitAsync(cancellationToken);
        var handled = 0;
        foreach (var function in functions.Functions.Where(f => f.Queue is not null))
        {
            var (queue, poison) = Clients(function);
            await queue.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
            QueueMessage[] messages = await queue.ReceiveMessagesAsync(Settings.BatchSize, Lease, cancellationToken);
            await Task.WhenAll(messages.Select(m => ProcessAsync(function, queue, poison, m, cancellationToken)));
            handled += messages.Length;
        }

        return handled;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!embedding.PollQueues)
        {
            return;
        }

        WorkerFunctions functions;
        try
        {
            functions = await channel.Ready.WaitAsync(stoppingToken);
        }
        catch (InvalidOperationException)
        {
            return;
        }
        catch (OperationCanceledException)
        {
            return;
        }

        await Task.WhenAll(functions.Functions.Where(f => f.Queue is not null).Select(f => ListenAsync(f, stoppingToken)));
    }

    private async Task ListenAsync(LoadedFunction function, CancellationToken stoppingToken)
    {
        var trigger = function.Queue!;
        var (queue, poison) = Clients(function);
        var created = false;
        var delay = MinimumPollingInterval;
        LogListening(function.Name, trigger.QueueName);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (!created)
                {
                    await queue.CreateIfNotExistsAsync(cancellationToken: stoppingToken);
                    created = true;
                }

                QueueMessage[] messages = await queue.ReceiveMessagesAsync(Settings.BatchSize, Lease, stoppingToken);
                if (messages.Length > 0)
                {
                    delay = MinimumPollingInterval;
                    await Task.WhenAll(messages.Select(m => ProcessAsync(function, queue, poison, m, stoppingToken)));
                    continue;
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception) when (exception is RequestFailedException or HttpRequestException or AggregateException or IOException)
            {
                // Storage is down or refuses: back off as for an empty queue, and carry on.
                LogStorageFailed(trigger.QueueName, delay.TotalSeconds, exception.Message);
                created = false;
            }

            try
            {
                await Task.Delay(delay, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, Math.Max(Settings.MaxPollingInterval.Ticks, MinimumPollingInterval.Ticks)));
        }
    }

    private (QueueClient Queue, QueueClient Poison) Clients(LoadedFunction function)
    {
        var trigger = function.Queue!;
        var options = new QueueClientOptions { MessageEncoding = Settings.Base64 ? QueueMessageEncoding.Base64 : QueueMessageEncoding.None };
        options.Retry.MaxRetries = 1;
        options.Retry.NetworkTimeout = TimeSpan.FromSeconds(30);
        var service = new QueueServiceClient(ConnectionString(trigger.Connection), options);
        return (service.GetQueueClient(trigger.QueueName), service.GetQueueClient(trigger.QueueName + "-poison"));
    }

    private async Task ProcessAsync(LoadedFunction function, QueueClient queue, QueueClient poison, QueueMessage message, CancellationToken stoppingToken)
    {
        var succeeded = await InvokeAsync(function, message, stoppingToken);
        if (succeeded)
        {
            await TolerateTakeoverAsync(() => queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, stoppingToken));
        }
        else if (message.DequeueCount >= Settings.MaxDequeueCount)
        {
            await MoveToPoisonAsync(queue, poison, message, stoppingToken);
        }
        else
        {
            await TolerateTakeoverAsync(() => queue.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: Settings.VisibilityTimeout, cancellationToken: stoppingToken));
        }
    }

    /// <summary>
    /// As the Azure host's QueueProcessor: a message someone else took over (pop receipt mismatch) or that is gone
    /// (404) needs nothing more from this listener.
    /// </summary>
    private static async Task TolerateTakeoverAsync(Func<Task> operation)
    {
        try
        {
            await operation();
        }
        catch (RequestFailedException exception) when (exception.Status == 404 || exception.ErrorCode == "PopReceiptMismatch")
        {
        }
    }

    private async Task<bool> InvokeAsync(LoadedFunction function, QueueMessage message, CancellationToken stoppingToken)
    {
        var trigger = function.Queue!;
        var text = message.Body.ToString();
        var request = Invocation.Create(function);
        request.InputData.Add(new ParameterBinding
        {
            Name = trigger.Parameter,
            Data = trigger.Binary ? new TypedData { Bytes = Google.Protobuf.ByteString.CopyFrom(message.Body.ToArray()) } : new TypedData { String = text },
        });
        request.TriggerMetadata["QueueTrigger"] = new TypedData { String = text };
        request.TriggerMetadata["DequeueCount"] = new TypedData { Json = message.DequeueCount.ToString(CultureInfo.InvariantCulture) };
        request.TriggerMetadata["Id"] = new TypedData { String = message.MessageId };
        request.TriggerMetadata["PopReceipt"] = new TypedData { String = message.PopReceipt };
        AddTime(request, "InsertionTime", message.InsertedOn);
        AddTime(request, "ExpirationTime", message.ExpiresOn);
        AddTime(request, "NextVisibleTime", message.NextVisibleOn);
        try
        {
            var response = await channel.InvokeAsync(request, stoppingToken);
            var result = response.InvocationResponse.Result;
            if (result.Status == StatusResult.Types.Status.Success)
            {
                return true;
            }

            LogFailed(function.Name, message.MessageId, message.DequeueCount, result.Exception?.Message ?? result.Result);
            return false;
        }
        catch (InvalidOperationException exception)
        {
            LogFailed(function.Name, message.MessageId, message.DequeueCount, exception.Message);
            return false;
        }
    }

    private static void AddTime(InvocationRequest request, string name, DateTimeOffset? value)
    {
        if (value is { } time)
        {
            request.TriggerMetadata[name] = new TypedData { Json = $"\"{time.ToString("O", CultureInfo.InvariantCulture)}\"" };
        }
    }

    private async Task MoveToPoisonAsync(QueueClient queue, QueueClient poison, QueueMessage message, CancellationToken stoppingToken)
    {
        await poison.CreateIfNotExistsAsync(cancellationToken: stoppingToken);
        await poison.SendMessageAsync(message.Body, cancellationToken: stoppingToken);
        await TolerateTakeoverAsync(() => queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, stoppingToken));
        LogPoisoned(message.MessageId, poison.Name, message.DequeueCount);
    }

    private string ConnectionString(string? connection)
    {
        // As in the Azure host: the named setting, then AzureWebJobs<name>; no name means AzureWebJobsStorage.
        var name = string.IsNullOrEmpty(connection) ? "AzureWebJobsStorage" : connection;
        return app.Setting(name) ?? app.Setting("AzureWebJobs" + name)
            ?? throw new InvalidOperationException($"The queue connection setting '{name}' is not set (local.settings.json Values or the environment).");
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Function {Function} listens to queue {Queue}")]
    private partial void LogListening(string function, string queue);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Queue {Queue}: storage failed, retrying in {Seconds}s: {Reason}")]
    private partial void LogStorageFailed(string queue, double seconds, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Function {Function} failed on message {MessageId} (dequeue count {DequeueCount}): {Reason}")]
    private partial void LogFailed(string function, string messageId, long dequeueCount, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Message {MessageId} moved to {PoisonQueue} after {DequeueCount} dequeues")]
    private partial void LogPoisoned(string messageId, string poisonQueue, long dequeueCount);
}
