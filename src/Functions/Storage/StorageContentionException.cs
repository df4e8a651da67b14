namespace FunctionsMfa.Functions.Storage;

/// <summary>
/// The one retry policy for conditional writes: a request whose If-Match write lost to another reads again and decides
/// again, at most <see cref="MaxRounds"/> times. Each lost round means another request on the same rows committed (the
/// same user's, or the same sign-in's); a lock ends the rounds of failed attempts after 10. When the rounds run out the
/// answer is always <c>concurrent_request_conflict</c> (409): a handler returns it, a store throws
/// <see cref="StorageContentionException"/>, which the envelope answers the same way.
/// </summary>
internal static class Contention
{
    public const int MaxRounds = 24;
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
