namespace FunctionsMfa.Functions.Storage;

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
