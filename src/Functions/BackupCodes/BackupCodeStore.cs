using Azure;
using Azure.Data.Tables;
using FunctionsMfa.Domain.BackupCodes;
using FunctionsMfa.Functions.Crypto;
using FunctionsMfa.Functions.Users;
using Microsoft.Extensions.Options;

namespace FunctionsMfa.Functions.BackupCodes;

/// <summary>A new set: its header as stored and the codes in clear, to be shown once.</summary>
internal sealed record IssuedBackupCodes(string Id, IReadOnlyList<string> Codes, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

internal enum RedeemResult
{
    Redeemed,

    /// <summary>Wrong, or already used (possibly a moment ago by a concurrent request).</summary>
    Incorrect,
}

/// <summary>
/// Backup codes in the user's partition: one row per unused code, <c>bc_{HMAC(lookup, user, code)}</c>, holding a
/// salted PBKDF2 hash; and the header row <c>bcset</c>. The keyed row key finds a code in one point read (O(1)) and
/// the slow hash is checked in constant time. Using a code deletes its row with If-Match, so of any number of
/// concurrent redemptions exactly one wins. A new set replaces the old in one entity-group transaction.
/// </summary>
internal sealed partial class BackupCodeStore(
    UserStore users, KeyedHash keyedHash, IOptions<BackupCodeOptions> options, TimeProvider time, ILogger<BackupCodeStore> logger)
    : IBackupCodeIssuer
{
    private const string LookupPurpose = "backup_code_lookup";
    private const int MaxRetries = 8;

    public string RowKeyFor(string userId, string canonicalCode) =>
        UserRows.BackupCodePrefix + keyedHash.ComputeHex(LookupPurpose, userId + "\n" + canonicalCode);

    /// <summary>
    /// Replaces the user's set: deletes every old code row (If-Match), inserts the new ones and writes the header
    /// (If-Match, or insert-if-absent), all in one transaction, so readers see the old set or the new, never a mix.
    /// Round trips: 1 partition query + 1 transaction, again from a fresh read on a conflict.
    /// </summary>
    public async Task<IssuedBackupCodes> ReplaceAsync(string userId, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var user = await users.LoadAsync(userId, cancellationToken);
            var issued = await TryReplaceAsync(user, cancellationToken);
            if (issued is not null)
            {
                return issued;
            }

            if (attempt == MaxRetries)
            {
                throw new InvalidOperationException("The backup-code set stayed contended.");
            }
        }
    }

    /// <summary>
    /// Round trips: 1 partition query, + 1 transaction when a set is issued. Not audited separately: it is part of the
    /// TOTP verification, which the TOTP feature records (<c>totp.verified</c>).
    /// </summary>
    public async Task<IReadOnlyList<string>?> IssueIfNoneAsync(string userId, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt <= MaxRetries; attempt++)
        {
            var user = await users.LoadAsync(userId, cancellationToken);
            if (user.RowsWithPrefix(UserRows.BackupCodePrefix).Any())
            {
                return null;
            }

            var issued = await TryReplaceAsync(user, cancellationToken);
            if (issued is not null)
            {
                return issued.Codes;
            }
        }

        throw new InvalidOperationException("The backup-code set stayed contended.");
    }

    /// <summary>
    /// Redeems a code against the rows of a snapshot already read: no read of its own, one conditional delete.
    /// Returns the codes left after this one.
    /// </summary>
    public async Task<(RedeemResult Result, int Remaining)> RedeemAsync(UserSnapshot user, string canonicalCode, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        var row = user.Row(RowKeyFor(user.UserId, canonicalCode));
        if (row is null || !HashOf(row).Matches(canonicalCode))
        {
            return (RedeemResult.Incorrect, 0);
        }

        var table = await users.TableAsync();
        try
        {
            // The SDK answers a delete of a missing entity with its 404 response instead of throwing: that is a loss too.
            var response = await table.DeleteEntityAsync(user.UserId, row.RowKey, row.ETag, cancellationToken);
            if (response.Status == 404)
            {
                return (RedeemResult.Incorrect, 0);
            }
        }
        catch (RequestFailedException exception) when (exception.Status is 404 or 412)
        {
            // A concurrent redemption (or a new set) got there first: the code is used.
            return (RedeemResult.Incorrect, 0);
        }

        var remaining = user.RowsWithPrefix(UserRows.BackupCodePrefix).Count() - 1;
        return (RedeemResult.Redeemed, Math.Max(0, remaining));
    }

    private async Task<IssuedBackupCodes?> TryReplaceAsync(UserSnapshot user, CancellationToken cancellationToken)
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

        var table = await users.TableAsync();
        try
        {
            await table.SubmitTransactionAsync(actions, cancellationToken);
        }
        catch (TableTransactionFailedException exception) when (exception.Status is 404 or 409 or 412)
        {
            LogConflict(logger, exception.Status);
            return null;
        }

        return new IssuedBackupCodes(setId, [.. codes.Select(BackupCodeFormat.Display)], now, now);
    }

    private static BackupCodeHash HashOf(TableEntity row) =>
        new(row.GetBinary("Salt") ?? [], row.GetBinary("Hash") ?? [], row.GetInt32("Iterations") ?? 0);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Backup-code set write conflicted ({Status}); retrying from a fresh read.")]
    private static partial void LogConflict(ILogger logger, int status);
}
