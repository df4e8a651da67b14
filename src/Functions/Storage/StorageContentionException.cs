namespace FunctionsMfa.Functions.Storage;

/// <summary>
/// The one retry policy for conditional writes: a request whose If-Match write lost to another reads again and decides
/// again, at most <see cref="MaxRounds"/> times. Each lost round means another request on the same rows committed (the
/// same user's, or the same sign-in's); a lock ends the rounds of failed attempts after 10. When the rounds run out the
/// answer is always <c>concurrent_request_conflict</c> (409): <see cref="StorageContentionException"/>, which the
/// envelope answers.
/// </summary>
internal static class Contention
{
    public const int MaxRounds = 24;

    /// <summary>
    /// The one retry loop: runs <paramref name="round"/> (given its index: round 0 may decide on what the request already
    /// read, a later one reads again) until it returns an answer; null means "my conditional write lost, again".
    /// </summary>
    /// <param name="what">The rows' kind, for the exception's message (never a key or a value).</param>
    public static async Task<T> RetryAsync<T>(string what, Func<int, Task<T?>> round)
        where T : class
    {
        for (var attempt = 0; attempt < MaxRounds; attempt++)
        {
            if (await round(attempt) is { } answer)
            {
                return answer;
            }
        }

        throw new StorageContentionException(what);
    }
}

/// <summary>
/// A conditional write kept losing to concurrent writers of the same rows past its retry bound. Only the same user's
/// own simultaneous requests cause it; the envelope answers <c>concurrent_request_conflict</c> (409), never a 500.
/// The message names the rows' kind, never a key or a value.
/// </summary>
internal sealed class StorageContentionException(string what) : Exception("The " + what + " stayed contended.")
{
    public StorageContentionException()
        : this("row")
    {
    }

    public StorageContentionException(string message, Exception innerException)
        : this(message) => _ = innerException;
}
