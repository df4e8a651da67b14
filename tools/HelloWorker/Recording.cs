namespace FunctionsMfa.HelloWorker;

/// <summary>
/// Appends one tab-separated line per call to the file named by <c>HELLO_RECORD_FILE</c>: the witness a test reads.
/// One lock, because a batch runs several invocations at once.
/// </summary>
internal static class Recording
{
    private static readonly SemaphoreSlim Gate = new(1, 1);

    public static async Task AppendAsync(string function, string message, long dequeueCount, CancellationToken cancellationToken)
    {
        var path = Environment.GetEnvironmentVariable("HELLO_RECORD_FILE");
        if (string.IsNullOrEmpty(path))
        {
            return;
        }

        await Gate.WaitAsync(cancellationToken);
        try
        {
            await File.AppendAllTextAsync(path, $"{function}\t{message}\t{dequeueCount}\n", cancellationToken);
        }
        finally
        {
            Gate.Release();
        }
    }
}
