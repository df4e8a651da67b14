using Azure;
using Azure.Data.Tables;
using FunctionsMfa.Domain.BackupCodes;
using FunctionsMfa.Functions.Crypto;
using FunctionsMfa.Functions.Users;
using Microsoft.Extensions.Options;

namespace FunctionsMfa.Functions.BackupCodes;

/// <summary>A new set: its header as stored and the codes in clear, to be shown once.</summary>
internal sealed record IssuedBackupCodes(string Id, IReadOnlyList<string> Codes, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

/// <summary>A set ready to commit: its writes for the caller's transaction, and the codes to show once it committed.</summary>
internal sealed record PreparedBackupCodes(IReadOnlyList<TableTransactionAction> Actions, IssuedBackupCodes Issued);

/// <summary>
/// A user's backup codes are one row of their partition, <c>bcset</c>: its header (<c>Id</c>, <c>CreatedAt</c>,
/// <c>UpdatedAt</c>, <c>Iterations</c>) and one binary property per unused code, named <c>bc_{HMAC(lookup, user,
/// code)}</c> and holding the code's salt and PBKDF2 hash. The keyed name finds a code in O(1) and the slow hash is
/// checked in constant time. One row rather than one per code: every request of an enrolled user reads the partition,
/// and ten rows fewer is ten entities fewer in each of those reads (and in Azurite's table scans); a new set is one
/// write instead of up to 21. Using a code rewrites the row without it, If-Match on the ETag read (in the caller's
/// transaction), so of any number of concurrent redemptions exactly one commits (a redemption of another code at the
/// same instant conflicts and is judged again on a fresh read, as any attempt that loses its If-Match).
/// </summary>
internal sealed partial class BackupCodeStore(
    UserStore users, KeyedHash keyedHash, IOptions<BackupCodeOptions> options, TimeProvider time, ILogger<BackupCodeStore> logger)
    : IBackupCodeIssuer
{
    private const int SaltSize = 16;
    private const int HashSize = 32;

    /// <summary>
    /// The one removal rule for backup codes: they are a fallback for a factor, not one of their own, so when a change
    /// leaves the user no second factor (<paramref name="factorLeft"/> false) they go in the change's own transaction;
    /// left behind they would be dead weight that could still satisfy a future second-factor check. The row to delete
    /// (the set, with every code), or none.
    /// </summary>
    public static IReadOnlyList<TableEntity> RowsToDrop(UserSnapshot user, bool factorLeft)
    {
        ArgumentNullException.ThrowIfNull(user);
        return factorLeft || user.Row(UserRows.BackupCodeSet) is not { } set ? [] : [set];
    }

    /// <summary>How many unused codes <paramref name="rows"/> hold (those of <see cref="RowsToDrop"/>: what a removal takes).</summary>
    public static int CodesIn(IEnumerable<TableEntity> rows) => rows.Sum(row => CodeNames(row).Count());

    /// <summary>How many unused codes the snapshot's set holds (0 without a set). No I/O.</summary>
    public static int Remaining(UserSnapshot user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return user.Row(UserRows.BackupCodeSet) is { } set ? CodeNames(set).Count() : 0;
    }

    private const string LookupPurpose = "backup_code_lookup";

    /// <summary>The property of the set that holds <paramref name="canonicalCode"/>'s hash, if it is an unused code.</summary>
    public string PropertyFor(string userId, string canonicalCode) =>
        UserRows.BackupCodePrefix + keyedHash.ComputeHex(LookupPurpose, userId + "\n" + canonicalCode);

    /// <summary>
    /// Replaces the user's set as read in <paramref name="user"/> (If-Match, or insert-if-absent), in one transaction
    /// with <paramref name="alsoWrite"/>, so readers see the old set or the new, never a mix. Null when the set changed
    /// since the snapshot (a concurrent regeneration or redemption won): the caller answers a conflict rather than
    /// overwrite a set someone was just shown. Round trips: 1 transaction.
    /// </summary>
    /// <param name="alsoWrite">More writes of the user's partition for the same transaction (the audit event).</param>
    public async Task<IssuedBackupCodes?> TryReplaceAsync(UserSnapshot user, IReadOnlyList<TableTransactionAction> alsoWrite, CancellationToken cancellationToken)
    {
        var prepared = Prepare(user);
        if (await users.TryCommitAsync([.. prepared.Actions, .. alsoWrite], cancellationToken))
        {
            return prepared.Issued;
        }

        LogConflict(logger);
        return null;
    }

    /// <summary>A first set for a user whose snapshot has no unused code, as a write for the caller's transaction. No I/O.</summary>
    public PreparedBackupCodes? PrepareIfNone(UserSnapshot user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return Remaining(user) > 0 ? null : Prepare(user);
    }

    /// <summary>
    /// The write that spends <paramref name="canonicalCode"/> (the set rewritten without it, If-Match on the ETag read)
    /// and the codes left after it, or null when the code is wrong or used. No I/O; the slow hash is checked in
    /// constant time.
    /// </summary>
    public (TableTransactionAction Spend, int Remaining)? TrySpend(UserSnapshot user, string canonicalCode)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (user.Row(UserRows.BackupCodeSet) is not { } set)
        {
            return null;
        }

        var name = PropertyFor(user.UserId, canonicalCode);
        if (set.GetBinary(name) is not { Length: SaltSize + HashSize } stored
            || !new BackupCodeHash(stored[..SaltSize], stored[SaltSize..], set.GetInt32("Iterations") ?? 0).Matches(canonicalCode))
        {
            return null;
        }

        var left = new TableEntity(user.UserId, UserRows.BackupCodeSet)
        {
            ["Id"] = set.GetString("Id"),
            ["CreatedAt"] = set.GetDateTimeOffset("CreatedAt"),
            ["UpdatedAt"] = set.GetDateTimeOffset("UpdatedAt"),
            ["Iterations"] = set.GetInt32("Iterations"),
        };
        var remaining = 0;
        foreach (var other in CodeNames(set).Where(n => n != name))
        {
            left[other] = set.GetBinary(other);
            remaining++;
        }

        return (new TableTransactionAction(TableTransactionActionType.UpdateReplace, left, set.ETag), remaining);
    }

    /// <summary>The write that replaces the snapshot's set with a new one (If-Match or insert-if-absent), and the new codes.</summary>
    private PreparedBackupCodes Prepare(UserSnapshot user)
    {
        var now = time.GetUtcNow();
        var setId = Ids.New("bc");
        var codes = BackupCodeFormat.GenerateSet();
        var iterations = options.Value.Pbkdf2Iterations;
        var set = new TableEntity(user.UserId, UserRows.BackupCodeSet)
        {
            ["Id"] = setId, ["CreatedAt"] = now, ["UpdatedAt"] = now, ["Iterations"] = iterations,
        };
        foreach (var code in codes)
        {
            var hash = BackupCodeHash.Create(code, iterations);
            set[PropertyFor(user.UserId, code)] = (byte[])[.. hash.Salt, .. hash.Hash];
        }

        var old = user.Row(UserRows.BackupCodeSet);
        TableTransactionAction action = old is null
            ? new(TableTransactionActionType.Add, set)
            : new(TableTransactionActionType.UpdateReplace, set, old.ETag);
        return new PreparedBackupCodes([action], new IssuedBackupCodes(setId, [.. codes.Select(BackupCodeFormat.Display)], now, now));
    }

    private static IEnumerable<string> CodeNames(TableEntity set) =>
        set.Keys.Where(k => k.StartsWith(UserRows.BackupCodePrefix, StringComparison.Ordinal));

    [LoggerMessage(Level = LogLevel.Debug, Message = "Backup-code set changed since it was read; the replacement is refused.")]
    private static partial void LogConflict(ILogger logger);
}
