using Azure;

namespace FunctionsMfa.Functions.Storage;

/// <summary>
/// Tells "storage is unavailable" (answer 503 and let the caller retry) from a bug (a 500). Unavailable: a
/// <see cref="RequestFailedException"/> with status 0 (no response: refused, reset, DNS), 408, 429 or 5xx; the
/// <see cref="AggregateException"/> Azure.Core throws when its retries run out, when every inner exception is one of
/// these; a transport <see cref="IOException"/> or <see cref="HttpRequestException"/>; and a cancellation that is a
/// network timeout, not the caller's. A storage 4xx (a missing table, a malformed key) is a bug and stays one.
/// </summary>
internal static class StorageFailures
{
    public static bool IsUnavailable(Exception exception, CancellationToken callerToken) => exception switch
    {
        RequestFailedException failed => failed.Status is 0 or 408 or 429 or >= 500,
        AggregateException aggregate => aggregate.InnerExceptions.Count > 0 &&
            aggregate.InnerExceptions.All(inner => IsUnavailable(inner, callerToken)),
        IOException or HttpRequestException => true,
        OperationCanceledException => !callerToken.IsCancellationRequested,
        _ => false,
    };

    /// <summary>What a log line may say about the failure: its kind and status, never a message (which can carry keys and URLs).</summary>
    public static string Describe(Exception exception) => exception switch
    {
        RequestFailedException failed => $"{failed.GetType().Name} {failed.Status} {failed.ErrorCode}".TrimEnd(),
        AggregateException aggregate when aggregate.InnerExceptions.Count > 0 =>
            $"{aggregate.InnerExceptions.Count} tries, last: {Describe(aggregate.InnerExceptions[^1])}",
        _ => exception.GetType().Name,
    };
}
