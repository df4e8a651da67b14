using Microsoft.Azure.Functions.Worker;

namespace FunctionsMfa.HelloWorker;

/// <summary>Records the attempt, then throws: the host's retries and its poison queue take over.</summary>
internal sealed class Fail
{
    [Function(nameof(Fail))]
    public static async Task Run([QueueTrigger("hello-fail")] string message, long dequeueCount, FunctionContext context)
    {
        await Recording.AppendAsync(nameof(Fail), message, dequeueCount, context.CancellationToken);
        throw new InvalidOperationException($"{nameof(Fail)} always fails (attempt {dequeueCount}).");
    }
}
