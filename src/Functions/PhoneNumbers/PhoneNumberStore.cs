using Azure;
using Azure.Data.Tables;
using FunctionsMfa.Functions.Crypto;
using FunctionsMfa.Functions.Storage;
using FunctionsMfa.Functions.Users;

namespace FunctionsMfa.Functions.PhoneNumbers;

/// <summary>Phone-number rows in the user's partition; every change is insert-if-absent or If-Match on the ETag read.</summary>
internal sealed class PhoneNumberStore(MfaStorage storage, UserStore users, KeyedHash keyedHash)
{
    /// <summary>
    /// A user's number has one id, derived from the user and the number under the service's hash key: 128 bits that
    /// look random to anyone without the key, and the same for the same number, so "stored once per user" is a single
    /// insert-if-absent (no index row, no race between two adds).
    /// </summary>
    public string IdFor(string userId, string e164) =>
        "idn_" + Ids.Base32(keyedHash.Compute("phone-number-id", userId + "\n" + e164).AsSpan(0, 16));

    /// <summary>One of the user's phone numbers from a snapshot of the partition, parsed (null for an unknown or malformed id).</summary>
    public static PhoneNumberRecord? Find(UserSnapshot user, string? id)
    {
        ArgumentNullException.ThrowIfNull(user);
        return PhoneNumberRecord.IsWellFormedId(id) && user.Row(UserRows.PhonePrefix + id) is { } row ? PhoneNumberRecord.FromEntity(row) : null;
    }

    /// <summary>All the user's phone numbers from a snapshot of the partition, parsed.</summary>
    public static IReadOnlyList<PhoneNumberRecord> All(UserSnapshot user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return [.. user.RowsWithPrefix(UserRows.PhonePrefix).Select(PhoneNumberRecord.FromEntity)];
    }

    /// <summary>
    /// Adds the number if the snapshot <paramref name="user"/> holds fewer than <paramref name="max"/> numbers: one
    /// transaction of the row's insert and a write of the <c>phoneset</c> row If-Match on the snapshot (insert-if-absent
    /// the first time). Concurrent adds of one user all write <c>phoneset</c>, so only one commits per snapshot and the
    /// others are judged again on a fresh read: the cap holds under any concurrency. False on such a conflict (or when
    /// the number was added meanwhile); the caller reads again.
    /// </summary>
    public async Task<bool> TryAddAsync(UserSnapshot user, PhoneNumberRecord phone, TableTransactionAction alsoWrite, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(phone);
        var count = user.RowsWithPrefix(UserRows.PhonePrefix).Count() + 1;
        var set = new TableEntity(user.UserId, UserRows.PhoneSet) { ["Count"] = count };
        var setWrite = user.Row(UserRows.PhoneSet) is { } existing
            ? new TableTransactionAction(TableTransactionActionType.UpdateReplace, set, existing.ETag)
            : new TableTransactionAction(TableTransactionActionType.Add, set);
        return await users.TryCommitAsync([new TableTransactionAction(TableTransactionActionType.Add, phone.ToEntity()), setWrite, alsoWrite], cancellationToken);
    }

    /// <summary>The row written If-Match on the ETag it was read with, for the caller's transaction.</summary>
    public static TableTransactionAction Write(PhoneNumberRecord phone)
    {
        ArgumentNullException.ThrowIfNull(phone);
        return new TableTransactionAction(TableTransactionActionType.UpdateReplace, phone.ToEntity(), phone.ETag);
    }

    /// <summary>
    /// Writes <paramref name="phone"/> and clears <c>DefaultSecondFactor</c> on <paramref name="othersToClear"/>, all
    /// If-Match, in one entity-group transaction (one partition): all or nothing. False on a conflict.
    /// </summary>
    /// <param name="alsoDelete">Rows deleted in the same transaction, If-Match (the backup codes when the last factor goes).</param>
    /// <param name="alsoWrite">More writes of the user's partition for the same transaction (a first set of backup codes, the ends of other sessions).</param>
    public async Task<bool> TryReplaceWithOthersAsync(
        PhoneNumberRecord phone, IReadOnlyList<PhoneNumberRecord> othersToClear, IReadOnlyList<TableEntity> alsoDelete,
        IReadOnlyList<TableTransactionAction> alsoWrite, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(phone);
        ArgumentNullException.ThrowIfNull(othersToClear);
        ArgumentNullException.ThrowIfNull(alsoDelete);
        ArgumentNullException.ThrowIfNull(alsoWrite);
        var actions = new List<TableTransactionAction> { Write(phone) };
        actions.AddRange(othersToClear.Select(other =>
            new TableTransactionAction(TableTransactionActionType.UpdateReplace, (other with { DefaultSecondFactor = false, UpdatedAt = phone.UpdatedAt }).ToEntity(), other.ETag)));
        actions.AddRange(alsoDelete.Select(row => new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(row.PartitionKey, row.RowKey), row.ETag)));
        actions.AddRange(alsoWrite);
        return await users.TryCommitAsync(actions, cancellationToken);
    }

    /// <summary>Deletes the row (and <paramref name="alsoDelete"/>, <paramref name="alsoWrite"/>, in one transaction) if nobody changed them since they were read; false on a conflict.</summary>
    public async Task<bool> TryDeleteAsync(
        PhoneNumberRecord phone, IReadOnlyList<TableEntity> alsoDelete, IReadOnlyList<TableTransactionAction> alsoWrite, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(phone);
        ArgumentNullException.ThrowIfNull(alsoDelete);
        ArgumentNullException.ThrowIfNull(alsoWrite);
        var table = await storage.TableAsync(MfaTables.Users);
        if (alsoDelete.Count == 0 && alsoWrite.Count == 0)
        {
            try
            {
                await table.DeleteEntityAsync(phone.UserId, phone.RowKey, phone.ETag, cancellationToken);
                return true;
            }
            catch (RequestFailedException exception) when (exception.Status is 412 or 404)
            {
                return false;
            }
        }

        var actions = new List<TableTransactionAction> { new(TableTransactionActionType.Delete, new TableEntity(phone.UserId, phone.RowKey), phone.ETag) };
        actions.AddRange(alsoDelete.Select(row => new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(row.PartitionKey, row.RowKey), row.ETag)));
        actions.AddRange(alsoWrite);
        return await users.TryCommitAsync(actions, cancellationToken);
    }
}
