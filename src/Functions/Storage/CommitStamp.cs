using System.Security.Cryptography;

namespace FunctionsMfa.Functions.Storage;

/// <summary>
/// A conditional write's own mark, so that a try whose answer was lost (a network timeout after storage wrote it),
/// sent again by the SDK and meeting its own row, is told from another writer's: the row carries
/// <see cref="Property"/> = a value only this write holds, read back when the condition fails.
/// (<c>UserStore.TryCommitAsync</c>, <c>SmsLimitStore.TryReserveNumberAsync</c>.)
/// </summary>
internal static class CommitStamp
{
    public const string Property = "Commit";

    public static string New() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
}
