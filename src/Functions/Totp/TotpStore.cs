using Azure;
using Azure.Data.Tables;
using FunctionsMfa.Functions.Crypto;
using FunctionsMfa.Functions.Users;

namespace FunctionsMfa.Functions.Totp;

/// <summary>
/// The <c>totp</c> row of a user's partition. The secret is stored only sealed (AES-256-GCM) with the id of its key
/// beside it; <see cref="LastStep"/> is the last accepted time step, which a code must exceed (replay protection).
/// </summary>
internal sealed record TotpRecord(
    string Id, string KeyId, byte[] Ciphertext, bool Verified, long LastStep, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public static TotpRecord FromEntity(TableEntity entity)
    {
        ArgumentNullException.ThrowIfNull(entity);
        return new TotpRecord(
            entity.GetString("Id") ?? string.Empty,
            entity.GetString("KeyId") ?? string.Empty,
            entity.GetBinary("Ciphertext") ?? [],
            entity.GetBoolean("Verified") == true,
            entity.GetInt64("LastStep") ?? 0,
            entity.GetDateTimeOffset("CreatedAt") ?? default,
            entity.GetDateTimeOffset("UpdatedAt") ?? default);
    }

    public TableEntity ToEntity(string userId) => new(userId, UserRows.Totp)
    {
        // Property names are shared with Users/UserFactors (Verified): keep them.
        ["Id"] = Id,
        ["KeyId"] = KeyId,
        ["Ciphertext"] = Ciphertext,
        ["Verified"] = Verified,
        ["LastStep"] = LastStep,
        ["CreatedAt"] = CreatedAt,
        ["UpdatedAt"] = UpdatedAt,
    };
}

/// <summary>A record as read, with the ETag its next write must match.</summary>
internal sealed record StoredTotp(TotpRecord Record, ETag ETag)
{
    public static StoredTotp FromEntity(TableEntity entity) => new(TotpRecord.FromEntity(entity), entity.ETag);
}

/// <summary>
/// Reads and writes the <c>totp</c> row. Every write is conditional: an insert that fails if a row exists, or a replace
/// or delete that fails unless the row is still the one read (If-Match). A failed condition returns false; the caller
/// re-reads and decides again, never overwrites.
/// </summary>
internal sealed class TotpStore(UserStore users, SecretProtector protector)
{
    /// <summary>The user's <c>totp</c> row from a snapshot of the partition, parsed (null when there is none).</summary>
    public static StoredTotp? Find(UserSnapshot user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return user.Row(UserRows.Totp) is { } row ? StoredTotp.FromEntity(row) : null;
    }

    /// <summary>A new record with <paramref name="secret"/> sealed under the newest key.</summary>
    public TotpRecord Create(string userId, byte[] secret, DateTimeOffset now)
    {
        var sealedSecret = protector.Seal(secret, AssociatedData(userId));
        return new TotpRecord(Ids.New("totp"), sealedSecret.KeyId, sealedSecret.Blob, Verified: false, LastStep: 0, now, now);
    }

    /// <summary>The secret in clear, or null when its key is no longer configured or the ciphertext does not open.</summary>
    public byte[]? OpenSecret(string userId, TotpRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return protector.Open(new SealedSecret(record.KeyId, record.Ciphertext), AssociatedData(userId));
    }

    /// <summary>Re-seals under the newest key when the record's key is older (key rotation happens on the next write).</summary>
    public TotpRecord Refreshed(string userId, TotpRecord record, byte[] secret)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (!protector.IsStale(record.KeyId))
        {
            return record;
        }

        var sealedSecret = protector.Seal(secret, AssociatedData(userId));
        return record with { KeyId = sealedSecret.KeyId, Ciphertext = sealedSecret.Blob };
    }

    /// <summary>The <c>totp</c> row written for the caller's transaction: insert-if-absent, or replace If-Match on <paramref name="etag"/>.</summary>
    public static TableTransactionAction Write(string userId, TotpRecord record, ETag? etag)
    {
        ArgumentNullException.ThrowIfNull(record);
        return etag is { } read
            ? new TableTransactionAction(TableTransactionActionType.UpdateReplace, record.ToEntity(userId), read)
            : new TableTransactionAction(TableTransactionActionType.Add, record.ToEntity(userId));
    }

    /// <summary>
    /// Deletes the <c>totp</c> row and, in the same entity-group transaction, <paramref name="alsoDelete"/> (the
    /// backup-code rows when no other factor is left), each with If-Match on the ETag it was read with. All or nothing:
    /// false when any row changed or went since it was read.
    /// </summary>
    public async Task<bool> TryDeleteAsync(
        string userId, ETag totpETag, IReadOnlyList<TableEntity> alsoDelete, IReadOnlyList<TableTransactionAction> alsoWrite, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(alsoDelete);
        ArgumentNullException.ThrowIfNull(alsoWrite);
        var actions = new List<TableTransactionAction>(alsoDelete.Count + alsoWrite.Count + 1)
        {
            new(TableTransactionActionType.Delete, new TableEntity(userId, UserRows.Totp), totpETag),
        };
        actions.AddRange(alsoDelete.Select(row => new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(userId, row.RowKey), row.ETag)));
        actions.AddRange(alsoWrite);
        return await users.TryCommitAsync(actions, cancellationToken);
    }

    /// <summary>Binds a ciphertext to its owner and use: a blob copied into another user's row does not open.</summary>
    private static string AssociatedData(string userId) => "totp-secret\n" + userId;
}
