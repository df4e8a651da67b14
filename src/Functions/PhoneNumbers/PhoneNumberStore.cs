using Azure;
using Azure.Data.Tables;
using FunctionsMfa.Functions.Crypto;
using FunctionsMfa.Functions.Storage;
using FunctionsMfa.Functions.Users;

namespace FunctionsMfa.Functions.PhoneNumbers;

/// <summary>Phone-number rows in the user's partition; every change is insert-if-absent or If-Match on the ETag read.</summary>
internal sealed class PhoneNumberStore(MfaStorage storage, KeyedHash keyedHash)
{
    /// <summary>
    /// A user's number has one id, derived from the user and the number under the service's hash key: 128 bits that
    /// look random to anyone without the key, and the same for the same number, so "stored once per user" is a single
    /// insert-if-absent (no index row, no race between two adds).
    /// </summary>
    public string IdFor(string userId, string e164) =>
        "idn_" + Ids.Base32(keyedHash.Compute("phone-number-id", userId + "\n" + e164).AsSpan(0, 16));

    public async Task<PhoneNumberRecord?> GetAsync(string userId, string id, CancellationToken cancellationToken)
    {
        var table = await storage.TableAsync(MfaTables.Users);
        var response = await table.GetEntityIfExistsAsync<TableEntity>(userId, UserRows.PhonePrefix + id, cancellationToken: cancellationToken);
        return response.HasValue ? PhoneNumberRecord.FromEntity(response.Value!) : null;
    }

    /// <summary>Inserts the number; null when the user already has it.</summary>
    public async Task<PhoneNumberRecord?> TryInsertAsync(PhoneNumberRecord phone, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(phone);
        var table = await storage.TableAsync(MfaTables.Users);
        try
        {
            var response = await table.AddEntityAsync(phone.ToEntity(), cancellationToken);
            return phone with { ETag = response.Headers.ETag ?? default };
        }
        catch (RequestFailedException exception) when (exception.Status == 409)
        {
            return null;
        }
    }

    /// <summary>Writes the row if nobody changed it since it was read; null on a conflict.</summary>
    public async Task<PhoneNumberRecord?> TryReplaceAsync(PhoneNumberRecord phone, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(phone);
        var table = await storage.TableAsync(MfaTables.Users);
        try
        {
            var response = await table.UpdateEntityAsync(phone.ToEntity(), phone.ETag, TableUpdateMode.Replace, cancellationToken);
            return phone with { ETag = response.Headers.ETag ?? default };
        }
        catch (RequestFailedException exception) when (exception.Status is 412 or 404)
        {
            return null;
        }
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
        if (othersToClear.Count == 0 && alsoDelete.Count == 0 && alsoWrite.Count == 0)
        {
            return await TryReplaceAsync(phone, cancellationToken) is not null;
        }

        var actions = new List<TableTransactionAction> { new(TableTransactionActionType.UpdateReplace, phone.ToEntity(), phone.ETag) };
        actions.AddRange(othersToClear.Select(other =>
            new TableTransactionAction(TableTransactionActionType.UpdateReplace, (other with { DefaultSecondFactor = false, UpdatedAt = phone.UpdatedAt }).ToEntity(), other.ETag)));
        actions.AddRange(alsoDelete.Select(row => new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(row.PartitionKey, row.RowKey), row.ETag)));
        actions.AddRange(alsoWrite);
        return await TrySubmitAsync(actions, cancellationToken);
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
        return await TrySubmitAsync(actions, cancellationToken);
    }

    /// <summary>
    /// Backup codes are a fallback for a factor, not one of their own: when a change leaves the user with no second
    /// factor, they go in the same transaction (as when the TOTP is deleted).
    /// </summary>
    public static IReadOnlyList<TableEntity> BackupRowsToDropWhenNoFactorLeft(UserSnapshot user, string changedPhoneId, bool phoneStillSecondFactor)
    {
        ArgumentNullException.ThrowIfNull(user);
        var factors = UserFactors.From(user);
        var otherFactor = factors.TotpEnabled || factors.SecondFactorPhoneIds.Any(id => id != changedPhoneId) || phoneStillSecondFactor;
        return otherFactor
            ? []
            : [.. user.Rows.Values.Where(r => r.RowKey == UserRows.BackupCodeSet || r.RowKey.StartsWith(UserRows.BackupCodePrefix, StringComparison.Ordinal))];
    }

    private async Task<bool> TrySubmitAsync(List<TableTransactionAction> actions, CancellationToken cancellationToken)
    {
        // One partition, at most 100 operations: a user has a handful of phones, 1 backup header and 10 codes.
        if (actions.Count > 100)
        {
            throw new InvalidOperationException("Too many rows for one transaction.");
        }

        var table = await storage.TableAsync(MfaTables.Users);
        try
        {
            await table.SubmitTransactionAsync(actions, cancellationToken);
            return true;
        }
        catch (TableTransactionFailedException exception) when (exception.Status is 412 or 404)
        {
            return false;
        }
    }
}
