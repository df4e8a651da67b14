using Microsoft.Azure.Functions.Worker;

namespace FunctionsMfa.HelloWorker;

/// <summary>Records each queue message it is given, with its dequeue count from the trigger metadata.</summary>
internal sealed class Record
{
    [Function(nameof(Record))]
    public static Task Run([QueueTrigger("hello-items")] string message, long dequeueCount, FunctionContext context) =>
        Recording.AppendAsync(nameof(Record), message, dequeueCount, context.CancellationToken);
}
