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
/// Backup codes in the user's partition: one row per unused code, <c>bc_{HMAC(lookup, user, code)}</c>, holding a
/// salted PBKDF2 hash; and the header row <c>bcset</c>. The keyed row key finds a code in one point read (O(1)) and
/// the slow hash is checked in constant time. Using a code deletes its row with If-Match (in the caller's transaction),
/// so of any number of concurrent redemptions exactly one commits. A new set replaces the old in one entity-group
/// transaction.
/// </summary>
internal sealed partial class BackupCodeStore(
    UserStore users, KeyedHash keyedHash, IOptions<BackupCodeOptions> options, TimeProvider time, ILogger<BackupCodeStore> logger)
    : IBackupCodeIssuer
{
    /// <summary>
    /// The one removal rule for backup codes: they are a fallback for a factor, not one of their own, so when a change
    /// leaves the user no second factor (<paramref name="factorLeft"/> false) they go in the change's own transaction;
    /// left behind they would be dead weight that could still satisfy a future second-factor check. The rows to delete
    /// (the set and each code), or none.
    /// </summary>
    public static IReadOnlyList<TableEntity> RowsToDrop(UserSnapshot user, bool factorLeft)
    {
        ArgumentNullException.ThrowIfNull(user);
        return factorLeft
            ? []
            : [.. user.Rows.Values.Where(r => r.RowKey == UserRows.BackupCodeSet || r.RowKey.StartsWith(UserRows.BackupCodePrefix, StringComparison.Ordinal))];
    }

    private const string LookupPurpose = "backup_code_lookup";

    public string RowKeyFor(string userId, string canonicalCode) =>
        UserRows.BackupCodePrefix + keyedHash.ComputeHex(LookupPurpose, userId + "\n" + canonicalCode);

    /// <summary>
    /// Replaces the user's set as read in <paramref name="user"/>: deletes every old code row (If-Match), inserts the new
    /// ones and writes the header (If-Match, or insert-if-absent), all in one transaction, so readers see the old set
    /// or the new, never a mix. Null when the set changed since the snapshot (a concurrent regeneration won): the
    /// caller answers a conflict rather than overwrite a set someone was just shown. Round trips: 1 transaction.
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

    /// <summary>A first set for a user whose snapshot has none, as writes for the caller's transaction. No I/O.</summary>
    public PreparedBackupCodes? PrepareIfNone(UserSnapshot user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return user.RowsWithPrefix(UserRows.BackupCodePrefix).Any() ? null : Prepare(user);
    }

    /// <summary>
    /// The row of an unused code in a snapshot already read (no I/O), or null when the code is wrong or used. The slow
    /// hash is checked in constant time. The caller spends the code by deleting this row If-Match in its transaction.
    /// </summary>
    public TableEntity? Find(UserSnapshot user, string canonicalCode)
    {
        ArgumentNullException.ThrowIfNull(user);
        var row = user.Row(RowKeyFor(user.UserId, canonicalCode));
        return row is not null && HashOf(row).Matches(canonicalCode) ? row : null;
    }

    /// <summary>The writes that replace the snapshot's set with a new one (each If-Match or insert-if-absent), and the new codes.</summary>
    private PreparedBackupCodes Prepare(UserSnapshot user)
    {
        var now = time.GetUtcNow();
        var setId = Ids.New("bc");
        var codes = BackupCodeFormat.GenerateSet();
        var iterations = options.Value.Pbkdf2Iterations;
        var actions = new List<TableTransactionAction>();
        foreach (var old in user.RowsWithPrefix(UserRows.BackupCodePrefix))
        {
            actions.Add(new TableTransactionAction(TableTransactionActionType.Delete, old, old.ETag));
        }

        foreach (var code in codes)
        {
            var hash = BackupCodeHash.Create(code, iterations);
            actions.Add(new TableTransactionAction(TableTransactionActionType.Add, new TableEntity(user.UserId, RowKeyFor(user.UserId, code))
            {
                ["SetId"] = setId,
                ["Salt"] = hash.Salt,
                ["Hash"] = hash.Hash,
                ["Iterations"] = hash.Iterations,
                ["CreatedAt"] = now,
            }));
        }

        var header = new TableEntity(user.UserId, UserRows.BackupCodeSet) { ["Id"] = setId, ["CreatedAt"] = now, ["UpdatedAt"] = now };
        var oldHeader = user.Row(UserRows.BackupCodeSet);
        actions.Add(oldHeader is null
            ? new TableTransactionAction(TableTransactionActionType.Add, header)
            : new TableTransactionAction(TableTransactionActionType.UpdateReplace, header, oldHeader.ETag));
        return new PreparedBackupCodes(actions, new IssuedBackupCodes(setId, [.. codes.Select(BackupCodeFormat.Display)], now, now));
    }

    private static BackupCodeHash HashOf(TableEntity row) =>
        new(row.GetBinary("Salt") ?? [], row.GetBinary("Hash") ?? [], row.GetInt32("Iterations") ?? 0);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Backup-code set changed since it was read; the replacement is refused.")]
    private static partial void LogConflict(ILogger logger);
}
