using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using FunctionsMfa.Functions.Storage;
using Microsoft.Extensions.Options;

namespace FunctionsMfa.Functions.Hosting;

internal sealed class QueueDrainOptions
{
    /// <summary>Drain the queues in-process. On by default when the Functions host is not in front of the handler.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The host's <c>maxDequeueCount</c>: after this many failed deliveries a message goes to <c>&lt;queue&gt;-poison</c>.</summary>
    public int MaxDequeueCount { get; set; } = 5;

    /// <summary>The longest wait between polls of an empty queue (the host backs off exponentially up to its own maximum).</summary>
    public TimeSpan MaxPollingInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long a received message stays invisible while its function runs.</summary>
    public TimeSpan VisibilityTimeout { get; set; } = TimeSpan.FromMinutes(1);
}

/// <summary>
/// Standalone mode's stand-in for the Functions host's queue trigger, with its semantics: base64 messages, the dequeue
/// count passed to the function, a failed message made visible again at once, and after <c>MaxDequeueCount</c>
/// failures the message moved to <c>&lt;queue&gt;-poison</c>.
/// </summary>
internal sealed partial class QueueDrainer(
    IEnumerable<IQueueFunction> functions,
    MfaStorage storage,
    IOptions<QueueDrainOptions> options,
    ILogger<QueueDrainer> logger) : BackgroundService
{
    private readonly IQueueFunction[] functions = [.. functions];

    /// <summary>Processes every visible message once; returns how many messages were handled.</summary>
    public async Task<int> DrainOnceAsync(CancellationToken cancellationToken)
    {
        var handled = 0;
        foreach (var function in functions)
        {
            // Through the storage setup, so a first poll waits for the queues to exist instead of failing.
            var queue = await storage.QueueAsync(function.QueueName);
            QueueMessage[] batch = (await queue.ReceiveMessagesAsync(16, options.Value.VisibilityTimeout, cancellationToken)).Value;
            foreach (var message in batch)
            {
                await HandleAsync(function, queue, message, cancellationToken);
                handled++;
            }
        }

        return handled;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled)
        {
            return;
        }

        var delay = TimeSpan.FromMilliseconds(100);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var handled = await DrainOnceAsync(stoppingToken);
                delay = handled > 0 ? TimeSpan.FromMilliseconds(100) : Min(delay * 2, options.Value.MaxPollingInterval);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception) when (StorageFailures.IsUnavailable(exception, stoppingToken) || exception is Azure.RequestFailedException)
            {
                // Storage down (Azure.Core's AggregateException after its retries, a timeout) or a queue not there yet:
                // the trigger keeps polling at its slowest pace, as the host's does, and drains again once storage is back.
                // A message received before the outage becomes visible again after its visibility timeout.
                LogPollFailed(logger, StorageFailures.Describe(exception));
                delay = options.Value.MaxPollingInterval;
            }

            try
            {
                await Task.Delay(delay, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task HandleAsync(IQueueFunction function, QueueClient queue, QueueMessage message, CancellationToken cancellationToken)
    {
        var invocation = new QueueInvocation(function.Name, message.Body.ToString(), message.DequeueCount, message.MessageId);
        QueueOutcome outcome;
        try
        {
            outcome = await function.HandleAsync(invocation, cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // The host treats a thrown exception as a failed invocation; so do we.
            outcome = QueueOutcome.Failure(exception.GetType().Name);
        }

        if (outcome.Succeeded)
        {
            await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellationToken);
            return;
        }

        LogFailed(logger, function.Name, message.MessageId, message.DequeueCount, outcome.Reason);
        if (message.DequeueCount >= options.Value.MaxDequeueCount)
        {
            var poison = await storage.QueueAsync(function.QueueName + "-poison");
            await poison.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
            await poison.SendMessageAsync(message.Body, cancellationToken: cancellationToken);
            await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellationToken);
            LogPoisoned(logger, function.Name, message.MessageId);
            return;
        }

        await queue.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: TimeSpan.Zero, cancellationToken: cancellationToken);
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Queue function {Function} failed for message {MessageId} (dequeue {DequeueCount}): {Reason}")]
    private static partial void LogFailed(ILogger logger, string function, string messageId, long dequeueCount, string? reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Queue function {Function} moved message {MessageId} to the poison queue")]
    private static partial void LogPoisoned(ILogger logger, string function, string messageId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Queue poll failed: {Failure}")]
    private static partial void LogPollFailed(ILogger logger, string failure);
}
